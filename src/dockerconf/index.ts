/**
 * Docker's daemon.json: parse without loss, merge a lease's network settings,
 * validate with dockerd's rules, and dockerd's command-line flags.
 *
 * @module
 */
export * from "../json/parse-json-tree.ts";
export * from "../json/json-edit.ts";
export type { JsonValue } from "../json/json-value.ts";
export * from "./daemon-json.ts";
export * from "./dockerd-flags.ts";
export * from "./dockerd-args.ts";
export * from "./systemd-unit.ts";
export * from "./network-settings.ts";
export * from "./validate-daemon-json.ts";
export * from "./plan-daemon-json.ts";
export * from "./engine-verify.ts";
