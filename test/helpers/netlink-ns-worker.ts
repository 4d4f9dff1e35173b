// The netlink side of test/integration/netlink.test.ts. It runs under
// `ip netns exec <ns> node --import tsx`, so the whole process, and the
// socket it opens, live in the test's namespace while the test runner stays
// where it is. It reads one JSON command per line on stdin and answers each
// with one JSON line on stdout.
import { createInterface } from "node:readline";
import {
  deleteFdb,
  deleteNeighbour,
  deleteRoute,
  formatMac,
  IFA_F,
  type LinkInfo,
  type NetlinkRequest,
  newAddress,
  newLinkVxlan,
  newRoute,
  replaceFdb,
  replaceNeighbour,
  replaceRoute,
  RT_TABLE,
  type Rtnetlink,
  setLink,
} from "../../src/netlink/index.ts";
import { openRtnetlink } from "../../src/node/netlink-socket.ts";
import { routeToAddress } from "../../src/node/route-to-address.ts";
import { formatCidr, parseCidr } from "../../src/subnet/cidr.ts";
import { formatIp, parseIp } from "../../src/subnet/ip.ts";
import { type Family, peer } from "./netlink-peers.ts";

export interface Command {
  readonly op: "setup" | "peers" | "delete-peers" | "dump" | "errors" | "link" | "route-to";
  readonly family?: Family;
  readonly from?: number;
  readonly count?: number;
  readonly name?: string;
  /** route-to: the address to look the route up for. */
  readonly address?: string;
}

const DEVICE: Record<Family, string> = { 4: "nl-vx4", 6: "nl-vx6" };
const UNDERLAY = "nl-u0";

const must = <T>(result: { isOk(): boolean; _unsafeUnwrap(): T }): T => result._unsafeUnwrap();

async function device(rtnl: Rtnetlink, name: string): Promise<LinkInfo> {
  const link = must(await rtnl.linkByName(name));
  if (link === undefined) throw new Error(`no device ${name}`);
  return link;
}

function peerRequests(family: Family, link: LinkInfo, from: number, count: number, remove: boolean): NetlinkRequest[] {
  const requests: NetlinkRequest[] = [];
  for (let i = from; i < from + count; i++) {
    const { subnet, vtep, mac: vtepMac, publicIp } = peer(family, i);
    const route = { dst: subnet, gateway: vtep, oif: link, onlink: true };
    requests.push(
      ...(remove
        ? [deleteRoute(route), deleteNeighbour({ link, ip: vtep }), deleteFdb({ link, mac: vtepMac, dst: publicIp })]
        : [replaceNeighbour({ link, ip: vtep, mac: vtepMac }), replaceFdb({ link, mac: vtepMac, dst: publicIp }), replaceRoute(route)]),
    );
  }
  return requests;
}

async function run(rtnl: Rtnetlink, command: Command): Promise<unknown> {
  const family = command.family ?? 4;
  switch (command.op) {
    case "setup": {
      const underlay = await device(rtnl, UNDERLAY);
      const created = must(
        await rtnl.apply([
          newLinkVxlan({ name: DEVICE[4], vni: 1, local: must(parseIp("192.0.2.1")), port: 8472, learning: false, underlay, mtu: 1450 }),
          newLinkVxlan({ name: DEVICE[6], vni: 2, local: must(parseIp("2001:db8::1")), port: 8472, learning: false, gbp: true, mtu: 1430 }),
        ]),
      );
      const vx4 = await device(rtnl, DEVICE[4]);
      const vx6 = await device(rtnl, DEVICE[6]);
      const configured = must(
        await rtnl.apply([
          setLink({ link: vx4, up: true }),
          setLink({ link: vx6, up: true }),
          newAddress({ link: vx4, address: must(parseCidr("10.5.1.0/32")) }),
          newAddress({ link: vx6, address: must(parseCidr("fd10:0:0:1::/128")), flags: IFA_F.NODAD }),
        ]),
      );
      return { created, configured };
    }
    case "link": {
      const link = await device(rtnl, command.name ?? DEVICE[family]);
      const links = must(await rtnl.links());
      const addresses = must(await rtnl.addresses({ link }));
      return {
        ...link,
        mac: link.mac === undefined ? undefined : formatMac(link.mac),
        vxlan: link.vxlan && {
          ...link.vxlan,
          local: link.vxlan.local && formatIp(link.vxlan.local),
          local6: link.vxlan.local6 && formatIp(link.vxlan.local6),
          link: links.find((l) => l.index === link.vxlan?.link)?.name,
        },
        addresses: addresses.map((a) => formatCidr(a.address)),
      };
    }
    case "peers":
    case "delete-peers": {
      const link = await device(rtnl, DEVICE[family]);
      const requests = peerRequests(family, link, command.from ?? 0, command.count ?? 1, command.op === "delete-peers");
      const started = performance.now();
      const result = must(await rtnl.apply(requests));
      return { requests: requests.length, applied: result.applied, failures: result.failures.map((f) => f.message), ms: performance.now() - started };
    }
    case "dump": {
      const link = await device(rtnl, DEVICE[family]);
      const started = performance.now();
      const routes = must(await rtnl.routes({ family, table: RT_TABLE.MAIN, oif: link }));
      const neighbours = must(await rtnl.neighbours({ family, link }));
      const fdb = must(await rtnl.fdb({ link }));
      return {
        ms: performance.now() - started,
        routes: routes.map((r) => `${formatCidr(r.dst)}${r.gateway ? ` via ${formatIp(r.gateway)}` : ""}${r.onlink ? " onlink" : ""}`),
        neighbours: neighbours.map((n) => `${formatIp(n.ip)} ${n.mac ? formatMac(n.mac) : "-"} ${n.state}`),
        fdb: fdb.map((e) => `${formatMac(e.mac)}${e.dst ? ` dst ${formatIp(e.dst)}` : ""} ${e.flags} ${e.state}`),
      };
    }
    case "route-to": {
      // What --iface-can-reach sees: the agent's lookup (its own socket), and the raw route from this one.
      const address = must(parseIp(command.address ?? ""));
      const chosen = await routeToAddress(address);
      const route = must(await rtnl.routeTo(address));
      return {
        chosen: chosen.isOk() ? { interface: chosen.value.interface, source: chosen.value.source && formatIp(chosen.value.source) } : { error: chosen.error },
        route: route === undefined ? null : { gateway: route.gateway && formatIp(route.gateway), prefsrc: route.prefsrc && formatIp(route.prefsrc), oif: route.oif },
      };
    }
    case "errors": {
      const vx4 = await device(rtnl, DEVICE[4]);
      const missing = { index: 9999, name: "nl-missing" };
      const result = must(
        await rtnl.apply([
          replaceRoute({ dst: must(parseCidr("10.99.0.0/24")), gateway: must(parseIp("10.99.0.0")), oif: missing, onlink: true }),
          replaceRoute({ dst: must(parseCidr("10.98.0.0/24")), gateway: must(parseIp("10.98.0.0")), oif: vx4, onlink: true }),
          newRoute({ dst: must(parseCidr("10.98.0.0/24")), gateway: must(parseIp("10.98.0.0")), oif: vx4, onlink: true }),
          deleteRoute({ dst: must(parseCidr("10.97.0.0/24")), oif: vx4 }),
          replaceRoute({ dst: must(parseCidr("fd10:0:99::/64")), gateway: must(parseIp("fd10:0:99::")), oif: missing, onlink: true }),
          newLinkVxlan({ name: DEVICE[4], vni: 1 }),
        ]),
      );
      return { applied: result.applied, failures: result.failures.map(({ index, errnoName, message }) => ({ index, errnoName, message })) };
    }
  }
}

const rtnl = openRtnetlink()._unsafeUnwrap();
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue;
  try {
    process.stdout.write(`${JSON.stringify(await run(rtnl, JSON.parse(line) as Command))}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: String(e) })}\n`);
  }
}
rtnl.close();
