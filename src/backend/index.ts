/**
 * flannel's data paths behind one interface ({@link Backend}): the UDP
 * backend (a TUN device and UDP encapsulation in TypeScript), the VXLAN and
 * host-gw backends (the kernel's data path, programmed through rtnetlink),
 * and the interface the agent drives them through.
 *
 * @module
 */
export * from "./backend.ts";
export * from "./udp/index.ts";
export type { RtnetlinkPort, RtnetlinkOpenError, OpenRtnetlinkPort } from "./rtnetlink-port.ts";
export type { KernelEntry, PeerPlan } from "./peer-plan.ts";
export { lookupRoute } from "./lookup-route.ts";
export { MemoryRtnetlink, type MemoryRtnetlinkOptions, type MemoryTables } from "./memory-rtnetlink.ts";
export { formatVxlanLeaseData, parseVxlanLeaseData, type VxlanLeaseData, type VxlanLeaseDataError } from "./vxlan/vxlan-lease-data.ts";
export { ensureVxlanDevice, randomVtepMac, vxlanDeviceName, type EnsureVxlanDeviceOptions, type EnsuredVxlanDevice, type VxlanDeviceError, type VxlanDeviceSpec } from "./vxlan/vxlan-device.ts";
export { vxlanPeerPlan, type VxlanFamilyTarget, type VxlanTargets } from "./vxlan/vxlan-peer-plan.ts";
export { vxlanBackend, VXLAN_IPV6_OVERHEAD, type VxlanBackendOptions } from "./vxlan/vxlan-backend.ts";
export { hostGwBackend, hostGwPeerPlan, type HostGwBackendOptions } from "./host-gw/host-gw-backend.ts";
