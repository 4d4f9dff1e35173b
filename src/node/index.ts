/**
 * Node.js adapters for the core's interfaces: files, TUN devices, UDP
 * sockets, clocks.
 *
 * @module
 */
