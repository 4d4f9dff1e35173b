/**
 * rtnetlink from TypeScript: a pure codec for the messages flannel's
 * backends need (links with their VXLAN settings, addresses, routes,
 * neighbours, FDB entries, ACKs and errors, dumps), a batch layer that
 * sends many changes in few sendmsg calls and matches every ACK to its
 * request, and the {@link Rtnetlink} facade over a {@link NetlinkTransport}.
 * The sockets are in flannel-ts/node and flannel-ts/deno.
 *
 * @module
 */
export * from "./constants.ts";
export * from "./decode-error.ts";
export * from "./mac.ts";
export * from "./attributes.ts";
export * from "./netlink-message.ts";
export * from "./netlink-ack.ts";
export * from "./netlink-request.ts";
export * from "./link-ref.ts";
export * from "./link-info.ts";
export * from "./link-requests.ts";
export * from "./address-info.ts";
export * from "./address-requests.ts";
export * from "./route-info.ts";
export * from "./route-requests.ts";
export * from "./neighbour-info.ts";
export * from "./neighbour-requests.ts";
export * from "./fdb-entry.ts";
export * from "./fdb-requests.ts";
export * from "./netlink-transport.ts";
export * from "./netlink-errors.ts";
export * from "./sequence-numbers.ts";
export * from "./apply-requests.ts";
export * from "./run-query.ts";
export * from "./libc-netlink-socket.ts";
export * from "./rtnetlink.ts";
