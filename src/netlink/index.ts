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
export { AF, IF_OPER, IFA_F, IFF, NLM_F, NLMSG, NTF, NUD, RT_SCOPE, RT_TABLE, RTM, RTN, RTNH_F, RTPROT } from "./constants.ts";
export type { NetlinkDecodeError } from "./decode-error.ts";
export { formatMac, type Mac, mac, macBytes, type MacError, macFromBytes, parseMac } from "./mac.ts";
export { encodeMessage, type NetlinkHeader, type NetlinkMessage, NLMSG_HEADER_LENGTH, parseMessages, readHeader, writeHeader } from "./netlink-message.ts";
export { decodeAck, encodeAck, type NetlinkAck } from "./netlink-ack.ts";
export { encodeRequest, type NetlinkQuery, type NetlinkRequest } from "./netlink-request.ts";
export type { LinkRef } from "./link-ref.ts";
export { decodeLink, type LinkInfo, type VxlanInfo } from "./link-info.ts";
export { deleteLink, dumpLinks, getLink, type LinkChange, newLinkVxlan, setLink, type VxlanLinkSpec } from "./link-requests.ts";
export { type AddressInfo, decodeAddress } from "./address-info.ts";
export { type AddressFilter, type AddressSpec, deleteAddress, dumpAddresses, newAddress, replaceAddress } from "./address-requests.ts";
export { decodeRoute, type RouteInfo } from "./route-info.ts";
export { deleteRoute, dumpRoutes, formatRoute, getRoute, newRoute, replaceRoute, type RouteFilter, type RouteSpec } from "./route-requests.ts";
export { decodeNeighbour, type NeighbourInfo } from "./neighbour-info.ts";
export { deleteNeighbour, dumpNeighbours, type NeighbourFilter, type NeighbourKey, type NeighbourSpec, replaceNeighbour } from "./neighbour-requests.ts";
export { decodeFdbEntry, type FdbEntry } from "./fdb-entry.ts";
export { appendFdb, deleteFdb, dumpFdb, type FdbKey, type FdbSpec, replaceFdb } from "./fdb-requests.ts";
export type { NetlinkTransport, NetlinkTransportError } from "./netlink-transport.ts";
export type { NetlinkBatchError, NetlinkRequestError } from "./netlink-errors.ts";
export { SequenceNumbers } from "./sequence-numbers.ts";
export { applyRequests, type BatchOptions, type BatchResult } from "./apply-requests.ts";
export { type QueryOptions, runQuery } from "./run-query.ts";
export { LibcNetlinkSocket, type NetlinkSocketOptions, openLibcNetlinkSocket } from "./libc-netlink-socket.ts";
export { Rtnetlink, type RtnetlinkOptions } from "./rtnetlink.ts";
