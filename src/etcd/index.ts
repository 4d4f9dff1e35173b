/**
 * Lease storage: the `Registry` interface, flannel's etcd key layout and
 * lease values, an etcd v3 registry and an in-memory registry.
 *
 * @module
 */
export { flannelKeyLayout, type FlannelKeyLayout, type LeaseKeyError } from "./key-layout.ts";
export { formatLeaseAttrs, parseLeaseAttrs, parseRawJson, toRawJson, type LeaseAttrs, type LeaseValueError, type RawJson } from "./lease-attrs.ts";
export type { CreateLeaseOptions, DeleteLeaseOptions, LeaseListing, LeaseRecord, LeaseWatch, LeaseWatchEvent, PutConfigOptions, Registry, RegistryError, UnreadableLease, UpdateLeaseOptions, WatchLeasesOptions, WrittenLease } from "./registry.ts";
export { MemoryRegistry, type MemoryRegistryOptions } from "./memory-registry.ts";
export { Etcd3Registry, type Etcd3RegistryOptions, type Etcd3Tls } from "./etcd3-registry.ts";
