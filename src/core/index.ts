/**
 * What every layer of flannel-ts shares: flanneld's defaults, the clock
 * (system and manual), and the port through which programs are run.
 *
 * @module
 */
export * from "./defaults.ts";
export * from "./clock.ts";
export * from "./command-runner.ts";
