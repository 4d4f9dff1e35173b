// The kernel entries the vxlan and host-gw backends make for their peers
// (routes, neighbours, FDB entries), the requests that add and remove them,
// and how one compares with what a dump shows.
import { NUD, RT_TABLE } from "../netlink/constants.ts";
import type { FdbEntry } from "../netlink/fdb-entry.ts";
import { deleteFdb, replaceFdb } from "../netlink/fdb-requests.ts";
import { linkIndex } from "../netlink/link-ref.ts";
import { formatMac } from "../netlink/mac.ts";
import type { NeighbourInfo } from "../netlink/neighbour-info.ts";
import { deleteNeighbour, replaceNeighbour } from "../netlink/neighbour-requests.ts";
import type { NetlinkRequest } from "../netlink/netlink-request.ts";
import type { RouteInfo } from "../netlink/route-info.ts";
import { deleteRoute, replaceRoute } from "../netlink/route-requests.ts";
import { cidrEquals, formatCidr } from "../subnet/cidr.ts";
import { formatIp, ipEquals } from "../subnet/ip.ts";
import type { KernelEntry } from "./peer-plan.ts";

/** What identifies an entry in its table: a second entry with the same key replaces the first. */
export function entryKey(entry: KernelEntry): string {
  switch (entry.kind) {
    case "route":
      return `route ${formatCidr(entry.dst)}`;
    case "neighbour":
      return `neighbour ${linkIndex(entry.link)} ${formatIp(entry.ip)}`;
    case "fdb":
      return `fdb ${linkIndex(entry.link)} ${formatMac(entry.mac)} ${formatIp(entry.dst)}`;
  }
}

/** The request that puts the entry in place (adding or replacing). */
export function addRequest(entry: KernelEntry): NetlinkRequest {
  switch (entry.kind) {
    case "route":
      return replaceRoute({ dst: entry.dst, gateway: entry.gateway, oif: entry.oif, onlink: entry.onlink });
    case "neighbour":
      return replaceNeighbour({ link: entry.link, ip: entry.ip, mac: entry.mac });
    case "fdb":
      return replaceFdb({ link: entry.link, mac: entry.mac, dst: entry.dst });
  }
}

/** The request that removes the entry. */
export function deleteRequest(entry: KernelEntry): NetlinkRequest {
  switch (entry.kind) {
    case "route":
      return deleteRoute({ dst: entry.dst, gateway: entry.gateway, oif: entry.oif });
    case "neighbour":
      return deleteNeighbour({ link: entry.link, ip: entry.ip });
    case "fdb":
      return deleteFdb({ link: entry.link, mac: entry.mac, dst: entry.dst });
  }
}

/** What a reconcile reads back from the kernel. */
export interface KernelView {
  readonly routes: readonly RouteInfo[];
  readonly neighbours: readonly NeighbourInfo[];
  readonly fdb: readonly FdbEntry[];
}

/** Whether the kernel holds the entry as wanted (a route with the same next hop, a permanent neighbour with the same MAC, the FDB entry). */
export function inKernel(entry: KernelEntry, kernel: KernelView): boolean {
  switch (entry.kind) {
    case "route":
      return kernel.routes.some(
        (r) =>
          r.table === RT_TABLE.MAIN &&
          (r.priority ?? 0) === 0 &&
          cidrEquals(r.dst, entry.dst) &&
          r.gateway !== undefined &&
          ipEquals(r.gateway, entry.gateway) &&
          r.oif === linkIndex(entry.oif) &&
          r.onlink === entry.onlink,
      );
    case "neighbour":
      return kernel.neighbours.some((n) => n.index === linkIndex(entry.link) && ipEquals(n.ip, entry.ip) && n.mac?.value === entry.mac.value && (n.state & NUD.PERMANENT) !== 0);
    case "fdb":
      return kernel.fdb.some((e) => e.index === linkIndex(entry.link) && e.mac.value === entry.mac.value && e.dst !== undefined && ipEquals(e.dst, entry.dst));
  }
}
