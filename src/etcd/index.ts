/**
 * Lease storage: the `Registry` interface, flannel's etcd key layout and
 * lease values, an etcd v3 registry and an in-memory registry.
 *
 * @module
 */
