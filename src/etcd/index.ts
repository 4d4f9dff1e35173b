/**
 * Lease storage: the `Registry` interface, flannel's etcd key layout and
 * lease values, an etcd v3 registry and an in-memory registry.
 *
 * @module
 */
export { type FlannelKeyLayout, flannelKeyLayout, type LeaseKeyError } from "./key-layout.ts";
export { formatLeaseAttrs, type LeaseAttrs, type LeaseValueError, parseLeaseAttrs, parseRawJson, type RawJson, toRawJson } from "./lease-attrs.ts";
export type {
  CreateLeaseOptions,
  DeleteLeaseOptions,
  LeaseListing,
  LeaseRecord,
  LeaseWatch,
  LeaseWatchEvent,
  PutConfigOptions,
  Registry,
  RegistryError,
  UnreadableLease,
  UpdateLeaseOptions,
  WatchLeasesOptions,
  WrittenLease,
} from "./registry.ts";
export { MemoryRegistry, type MemoryRegistryOptions } from "./memory-registry.ts";
export { Etcd3Registry, type Etcd3RegistryOptions, type Etcd3RegistryOptionsError, type Etcd3Tls, ETCD_RECEIVE_LIMIT_BYTES, redactEndpoint } from "./etcd3-registry.ts";
