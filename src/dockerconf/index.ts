/**
 * Docker's daemon.json: parse without loss, merge a lease's network settings,
 * validate with dockerd's rules, and dockerd's command-line flags.
 *
 * @module
 */
export * from "./json-document.ts";
export * from "./json-edit.ts";
export * from "./daemon-json.ts";
export * from "./dockerd-flags.ts";
export * from "./dockerd-args.ts";
export * from "./systemd-unit.ts";
export * from "./network-settings.ts";
export * from "./validate-daemon-json.ts";
export * from "./plan-daemon-json.ts";
export * from "./engine-verify.ts";
