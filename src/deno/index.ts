/**
 * Deno adapters for the core's interfaces: the UDP engine's TUN device and
 * UDP socket through Deno.dlopen (libc), its forwarding threads as Workers;
 * the rtnetlink socket.
 *
 * @module
 */
export * from "./deno-libc.ts";
export * from "./udp-engine-deno.ts";
export * from "./netlink-socket.ts";
