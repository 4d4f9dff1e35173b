/**
 * flannel-ts: flannel's subnet leases, host configuration and UDP overlay.
 * The root entry re-exports the runtime-independent modules; Node.js
 * adapters are under `flannel-ts/node`, the test kit under `flannel-ts/testing`.
 *
 * @module
 */
export * from "./core/index.ts";
export * from "./subnet/index.ts";
export * from "./etcd/index.ts";
export * from "./dockerconf/index.ts";
export * from "./flannel/index.ts";
export * from "./backend/index.ts";
