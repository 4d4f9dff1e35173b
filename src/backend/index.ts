/**
 * flannel's data paths, one folder each: today the UDP backend (a TUN
 * device and UDP encapsulation in TypeScript).
 *
 * @module
 */
export * from "./udp/index.ts";
