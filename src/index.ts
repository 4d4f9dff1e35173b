/**
 * flannel-ts: flannel's subnet leases, host configuration and UDP overlay.
 * The root entry re-exports the runtime-independent modules; Node.js
 * adapters are under `flannel-ts/node`, the test kit under `flannel-ts/testing`.
 *
 * @module
 */
export * from "./subnet/index.ts";
export * from "./etcd/index.ts";
export * from "./dockerconf/index.ts";
export * from "./flannel/index.ts";
// subnet and dockerconf both name an AddressPool and a JsonValue; the root
// entry takes subnet's (dockerconf's stay under flannel-ts/dockerconf).
export type { AddressPool, JsonValue } from "./subnet/index.ts";
