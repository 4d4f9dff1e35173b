import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import type { LeaseRecord } from "../../etcd/registry.ts";
import { IFF } from "../../netlink/constants.ts";
import type { LinkInfo } from "../../netlink/link-info.ts";
import { parseCidr4 } from "../../subnet/cidr.ts";
import { parseIp4, parseIp6 } from "../../subnet/ip.ts";
import { parseNetworkConfig } from "../../subnet/network-config.ts";
import type { Backend, ExternalInterface, PeerChange } from "../backend.ts";
import { MemoryRtnetlink } from "../memory-rtnetlink.ts";
import { hostRoute, leaseRecord } from "../../../test/helpers/backend-fixtures.ts";
import { hostGwBackend } from "./host-gw-backend.ts";

const eth0: LinkInfo = { index: 2, name: "eth0", type: 1, flags: IFF.UP, up: true, mtu: 1500 };
const eth1: LinkInfo = { index: 3, name: "eth1", type: 1, flags: IFF.UP, up: true, mtu: 9000 };

const route = hostRoute;

const hostRoutes = [route("192.0.2.0/24", 2), route("0.0.0.0/0", 2, "192.0.2.254"), route("198.51.100.0/24", 3), route("fd00:9::/64", 2)];
const external: ExternalInterface = {
  name: "eth0",
  mtu: 1500,
  ifaceAddress: parseIp4("192.0.2.1")._unsafeUnwrap(),
  publicIp: parseIp4("192.0.2.1")._unsafeUnwrap(),
  ifaceAddressV6: parseIp6("fd00:9::1")._unsafeUnwrap(),
  publicIpv6: parseIp6("fd00:9::1")._unsafeUnwrap(),
};
const IPV4 = '{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}';
const DUAL = '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fd10::/56","Backend":{"Type":"host-gw"}}';

const lease = leaseRecord;
const peer = (subnet: string, publicIp: string): LeaseRecord => lease(subnet, `{"PublicIP":"${publicIp}","PublicIPv6":null,"BackendType":"host-gw"}`);

const A = peer("10.5.2.0/24", "192.0.2.2");
const B = peer("10.5.3.0/24", "192.0.2.3");
const B2 = peer("10.5.3.0/24", "192.0.2.33");
const FAR = peer("10.5.4.0/24", "203.0.113.4");
const OTHER_LINK = peer("10.5.5.0/24", "198.51.100.5");

async function opened(config = IPV4): Promise<{ backend: Backend; kernel: MemoryRtnetlink }> {
  const kernel = new MemoryRtnetlink({ links: [eth0, eth1], routes: hostRoutes });
  const backend = await hostGwBackend({ rtnetlink: () => ok(kernel) })({ config: parseNetworkConfig(config)._unsafeUnwrap(), external });
  return { backend: backend._unsafeUnwrap(), kernel };
}

function sent(kernel: MemoryRtnetlink): () => string[] {
  const start = kernel.requests.length;
  return () => kernel.requests.slice(start).map((r) => r.description);
}

describe("hostGwBackend", () => {
  it("writes BackendType host-gw and no data, keeps the interface's MTU, makes nothing when it opens", async () => {
    const { backend, kernel } = await opened();
    expect({ kind: backend.kind, name: backend.name, leaseAttrs: backend.leaseAttrs, mtu: backend.mtu, prepared: backend.prepared, requests: kernel.requests }).toEqual({
      kind: "host-gw",
      name: "host-gw",
      leaseAttrs: { backendType: "host-gw" },
      mtu: 1500,
      prepared: undefined,
      requests: [],
    });
    expect(await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() })).toEqual(ok("routes to the peers' subnets via their PublicIPs on eth0, MTU 1500"));
  });

  const cases: ReadonlyArray<readonly [string, readonly PeerChange[], readonly string[], object]> = [
    [
      "peers added, updated and removed: one route each via the PublicIP on eth0",
      [
        { kind: "added", lease: A },
        { kind: "added", lease: B },
        { kind: "updated", lease: B2, previous: B },
        { kind: "removed", lease: A },
      ],
      [
        "replace route 10.5.2.0/24 via 192.0.2.2 dev eth0",
        "replace route 10.5.3.0/24 via 192.0.2.3 dev eth0",
        "replace route 10.5.3.0/24 via 192.0.2.33 dev eth0",
        "delete route 10.5.2.0/24 via 192.0.2.2 dev eth0",
      ],
      { programmed: 1, removed: 1, stale: 0, restored: 0, skipped: [] },
    ],
    [
      "peers not on eth0's link are skipped with the reason, as flanneld does; so is another backend's lease",
      [
        { kind: "added", lease: FAR },
        { kind: "added", lease: OTHER_LINK },
        { kind: "added", lease: lease("10.5.6.0/24", '{"PublicIP":"192.0.2.6","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:00:00:00:00:06"}}') },
      ],
      [],
      {
        programmed: 0,
        removed: 0,
        stale: 0,
        restored: 0,
        skipped: [
          "PublicIP 203.0.113.4 is not on eth0's link: the route to it goes via 192.0.2.254",
          "PublicIP 198.51.100.5 is not on eth0's link: it is reached through ifindex 3",
          'its BackendType is "vxlan", not "host-gw" (flanneld ignores such leases)',
        ],
      },
    ],
  ];
  it.each(cases)("%s", async (_name, changes, requests, report) => {
    const { backend, kernel } = await opened();
    const log = sent(kernel);
    const result = (await backend.apply(changes))._unsafeUnwrap();
    expect(log()).toEqual(requests);
    expect({ ...result, skipped: result.skipped.map((s) => s.reason) }).toEqual(report);
  });

  it("skips a peer the kernel refuses as unreachable (ENETUNREACH) and counts the others", async () => {
    const kernel = new MemoryRtnetlink({ links: [eth0], routes: hostRoutes, refuse: (r) => (r.description.includes("10.5.3.0/24") ? 101 : undefined) });
    const backend = (await hostGwBackend({ rtnetlink: () => ok(kernel) })({ config: parseNetworkConfig(IPV4)._unsafeUnwrap(), external }))._unsafeUnwrap();
    const result = (await backend.apply([{ kind: "added", lease: A }, { kind: "added", lease: B }]))._unsafeUnwrap();
    expect({ programmed: result.programmed, skipped: result.skipped.map((s) => [s.lease.key, s.reason]) }).toEqual({
      programmed: 1,
      skipped: [["/coreos.com/network/subnets/10.5.3.0-24", "the kernel refused replace route 10.5.3.0/24 via 192.0.2.3 dev eth0: ENETUNREACH"]],
    });
  });

  it("routes a dual-stack peer's IPv6 subnet via its PublicIPv6", async () => {
    const { backend, kernel } = await opened(DUAL);
    const dual = lease("10.5.2.0/24", '{"PublicIP":"192.0.2.2","PublicIPv6":"fd00:9::2","BackendType":"host-gw"}', "fd10:0:0:2::/64");
    const log = sent(kernel);
    expect((await backend.apply([{ kind: "added", lease: dual }]))._unsafeUnwrap().programmed).toBe(1);
    expect(log()).toEqual(["replace route 10.5.2.0/24 via 192.0.2.2 dev eth0", "replace route fd10:0:0:2::/64 via fd00:9::2 dev eth0"]);
  });

  it("reconciles: routes into the network via eth0 of no lease go, missing ones come back, other routes stay", async () => {
    const { backend, kernel } = await opened();
    (await backend.apply([{ kind: "added", lease: A }, { kind: "added", lease: B }]))._unsafeUnwrap();
    kernel.tables.routes = kernel.tables.routes.filter((r) => r.gateway === undefined || r.gateway.value !== parseIp4("192.0.2.2")._unsafeUnwrap().value);
    kernel.tables.routes.push(route("10.5.9.0/24", 2, "192.0.2.9"), route("10.6.0.0/24", 2, "192.0.2.9"), route("10.5.0.0/16", 2, "192.0.2.254"));
    const log = sent(kernel);
    expect(await backend.reconcile([A, B])).toEqual(ok({ programmed: 0, removed: 0, stale: 1, restored: 1, skipped: [] }));
    expect(log()).toEqual(["delete route 10.5.9.0/24 via 192.0.2.9 dev eth0", "replace route 10.5.2.0/24 via 192.0.2.2 dev eth0"]);
    const again = sent(kernel);
    expect(await backend.reconcile([A, B])).toEqual(ok({ programmed: 0, removed: 0, stale: 0, restored: 0, skipped: [] }));
    expect(again()).toEqual([]);
  });

  it("closes: removes the routes it made and closes the socket", async () => {
    const { backend, kernel } = await opened();
    (await backend.apply([{ kind: "added", lease: A }, { kind: "added", lease: B }]))._unsafeUnwrap();
    const log = sent(kernel);
    expect(await backend.close()).toBe("2 routes to peers removed");
    expect(log()).toEqual(["delete route 10.5.2.0/24 via 192.0.2.2 dev eth0", "delete route 10.5.3.0/24 via 192.0.2.3 dev eth0"]);
    expect({ routes: kernel.tables.routes, closed: kernel.closed }).toEqual({ routes: hostRoutes, closed: true });
  });

  const refusals: ReadonlyArray<readonly [string, string, ExternalInterface, string]> = [
    ["another backend's config", '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}', external, 'the config\'s Backend.Type is "vxlan", not host-gw'],
    [
      "a PublicIP that is not the interface's (NAT), as flanneld",
      IPV4,
      { ...external, publicIp: parseIp4("203.0.113.1")._unsafeUnwrap() },
      "PublicIP 203.0.113.1 differs from eth0's address 192.0.2.1 (NAT): host-gw routes to peers' PublicIPs directly and cannot work behind NAT; use vxlan",
    ],
    [
      "a dual-stack network without a PublicIPv6",
      DUAL,
      { name: "eth0", mtu: 1500, ifaceAddress: external.ifaceAddress, publicIp: external.publicIp },
      "the network is dual-stack (EnableIPv6) but interface eth0 has no IPv6 address: give it one, or pass --public-ipv6",
    ],
  ];
  it.each(refusals)("refuses %s", async (_name, config, ext, message) => {
    expect(await hostGwBackend({ rtnetlink: () => ok(new MemoryRtnetlink()) })({ config: parseNetworkConfig(config)._unsafeUnwrap(), external: ext })).toEqual(
      err({ kind: "backend", backend: "host-gw", step: "open", message }),
    );
  });

  it("refuses an external interface the kernel does not have, and closes the socket", async () => {
    const kernel = new MemoryRtnetlink();
    expect(await hostGwBackend({ rtnetlink: () => ok(kernel) })({ config: parseNetworkConfig(IPV4)._unsafeUnwrap(), external })).toEqual(
      err({ kind: "backend", backend: "host-gw", step: "open", message: "interface eth0 does not exist" }),
    );
    expect(kernel.closed).toBe(true);
  });
});
