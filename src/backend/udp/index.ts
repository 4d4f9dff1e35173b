/**
 * flannel's UDP encapsulation backend in TypeScript: the packet logic
 * (IPv4 header checks, TTL, ICMP, routes, counters, software TSO/GRO), the
 * ports it moves packets between, and the engine that runs it on threads.
 * Runtime adapters supply the C library binding and the threads
 * (`flannel-ts/node`, `flannel-ts/deno`).
 *
 * @module
 */
export * from "./checksum.ts";
export * from "./ipv4-header.ts";
export * from "./decrement-ttl.ts";
export * from "./icmp-unreachable.ts";
export * from "./route-table.ts";
export * from "./route-log.ts";
export * from "./udp-counters.ts";
export * from "./virtio-net-header.ts";
export * from "./tcp-segmenter.ts";
export * from "./tcp-coalescer.ts";
export * from "./packet-ports.ts";
export * from "./memory-ports.ts";
export * from "./udp-datapath.ts";
export * from "./udp-pumps.ts";
export * from "../../libc/libc.ts";
export * from "./libc-ports.ts";
export * from "../../libc/errno-name.ts";
export * from "./open-tun.ts";
export * from "./open-udp-socket.ts";
export * from "./check-udp-engine-options.ts";
export * from "./tun-setup-plan.ts";
export * from "./parse-route-spec.ts";
export * from "./udp-forwarder.ts";
export * from "./udp-engine.ts";
export * from "./udp-backend.ts";
