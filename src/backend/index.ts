/**
 * flannel's data paths behind one interface ({@link Backend}): the UDP
 * backend (a TUN device and UDP encapsulation in TypeScript), the VXLAN and
 * host-gw backends (the kernel's data path, programmed through rtnetlink),
 * and the interface the agent drives them through.
 *
 * @module
 */
export { backendKindOf, EMPTY_BACKEND_REPORT, SUPPORTED_BACKENDS, type Backend, type BackendContext, type BackendError, type BackendKind, type BackendLease, type BackendReport, type BackendSet, type ExternalInterface, type OpenBackend, type PeerChange, type SkippedPeer } from "./backend.ts";
export { buildNetUnreachable, checkIpv4Packet, decrementTtl, formatIpv4Header, ICMP_TTL, INBOUND_DROP_REASONS, InboundPump, internetChecksum, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPV4_MIN_HEADER_LENGTH, MAX_UDP_PAYLOAD, MemorySocket, MemoryTun, NET_UNREACHABLE_MAX_LENGTH, OUTBOUND_DROP_REASONS, OutboundPump, parseIpv4Header, parseRouteSpec, PORT_GONE, PORT_IDLE, readUdpCounters, RouteTable, segmentTcp4, startUdpEngineOn, TcpCoalescer, udpBackend, UdpDatapath, writeNetUnreachable, type CommandResult, type DatagramSocket, type DatagramSource, type DirectionCounters, type ForwarderStartError, type InboundDropReason, type Ipv4Header, type Ipv4HeaderFields, type Ipv4PacketError, type Ipv4Problem, type Libc, type MemorySocketOptions, type MemoryTunOptions, type OpenUdpEngine, type OutboundDropReason, type PumpOptions, type PumpResult, type Route, type RouteChange, type RoutePeer, type RouteSpecError, type RouteTableOptions, type SentDatagram, type TunConfigError, type TunDevice, type UdpBackendOptions, type UdpCounters, type UdpDatapathOptions, type UdpEngine, type UdpEngineError, type UdpEngineOptions, type UdpEnginePlatform, type UdpEnginePort, type UdpEngineSpec } from "./udp/index.ts";
export type { RtnetlinkPort, RtnetlinkOpenError, OpenRtnetlinkPort } from "./rtnetlink-port.ts";
export type { KernelEntry, PeerPlan } from "./peer-plan.ts";
export { lookupRoute } from "./lookup-route.ts";
export { MemoryRtnetlink, type MemoryRtnetlinkOptions, type MemoryTables } from "./memory-rtnetlink.ts";
export { formatVxlanLeaseData, parseVxlanLeaseData, type VxlanLeaseData, type VxlanLeaseDataError } from "./vxlan/vxlan-lease-data.ts";
export { ensureVxlanDevice, randomVtepMac, vxlanDeviceName, type EnsureVxlanDeviceOptions, type EnsuredVxlanDevice, type VxlanDeviceError, type VxlanDeviceSpec } from "./vxlan/vxlan-device.ts";
export { vxlanPeerPlan, type VxlanFamilyTarget, type VxlanTargets } from "./vxlan/vxlan-peer-plan.ts";
export { vxlanBackend, VXLAN_IPV6_OVERHEAD, type VxlanBackendOptions } from "./vxlan/vxlan-backend.ts";
export { hostGwBackend, hostGwPeerPlan, type HostGwBackendOptions } from "./host-gw/host-gw-backend.ts";
