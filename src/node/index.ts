/**
 * Node.js adapters for the core's interfaces: files, TUN devices, UDP
 * sockets, clocks.
 *
 * @module
 */
export * from "./atomic-write.ts";
export * from "./read-text-file.ts";
export * from "./subnet-env-file.ts";
export * from "./daemon-json-file.ts";
export * from "./systemd-unit-files.ts";
