/**
 * Address and CIDR math, flannel's network config, subnet keys and subnet
 * allocation. Pure: no runtime APIs.
 *
 * @module
 */
export * from "./ip.ts";
export * from "./cidr.ts";
export * from "./subnet-key.ts";
export * from "./network-config.ts";
export * from "./random.ts";
export * from "./subnet-pool.ts";
export * from "./allocate-subnet.ts";
export * from "./bridge-address.ts";
export * from "./encapsulation-mtu.ts";
export * from "./docker-address-pools.ts";
