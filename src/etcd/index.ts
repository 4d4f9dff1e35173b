/**
 * Lease storage: the `Registry` interface, flannel's etcd key layout and
 * lease values, an etcd v3 registry and an in-memory registry.
 *
 * @module
 */
export * from "./key-layout.ts";
export * from "./lease-attrs.ts";
export * from "./registry.ts";
export * from "./memory-registry.ts";
export * from "./etcd3-registry.ts";
