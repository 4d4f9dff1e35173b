/**
 * flannel's data paths behind one interface ({@link Backend}): the UDP
 * backend (a TUN device and UDP encapsulation in TypeScript), and the
 * interface the agent drives them through.
 *
 * @module
 */
export * from "./backend.ts";
export * from "./udp/index.ts";
