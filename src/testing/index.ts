/**
 * The test kit: etcd and Docker-in-Docker hosts through testcontainers, with
 * images built locally when no registry is reachable.
 *
 * @module
 */
export type { EnsureImageOptions } from "./_image-build.ts";
export { ensureEtcdImage } from "./ensure-etcd-image.ts";
export type { EtcdctlOptions, EtcdMember, EtcdTlsFiles } from "./etcd-member.ts";
export { startEtcd, type EtcdNode, type StartEtcdOptions } from "./start-etcd.ts";
export { startEtcdCluster, type EtcdCluster, type StartEtcdClusterOptions } from "./start-etcd-cluster.ts";
