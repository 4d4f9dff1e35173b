/**
 * Deno adapters for the core's interfaces: TUN devices through Deno.dlopen,
 * UDP through Deno.listenDatagram.
 *
 * @module
 */
