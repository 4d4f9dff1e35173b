import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { formatLeaseAttrs, type LeaseAttrs, parseLeaseAttrs } from "../../etcd/lease-attrs.ts";
import type { LeaseRecord } from "../../etcd/registry.ts";
import { IFF, NTF, NUD, RTN } from "../../netlink/constants.ts";
import type { LinkInfo } from "../../netlink/link-info.ts";
import { deleteLink } from "../../netlink/link-requests.ts";
import { formatMac, parseMac } from "../../netlink/mac.ts";
import { parseCidr4, parseCidr6 } from "../../subnet/cidr.ts";
import { parseIp, parseIp4, parseIp6 } from "../../subnet/ip.ts";
import { parseNetworkConfig } from "../../subnet/network-config.ts";
import { seededRandom } from "../../subnet/random.ts";
import type { Backend, ExternalInterface, PeerChange } from "../backend.ts";
import { MemoryRtnetlink } from "../memory-rtnetlink.ts";
import { hostRoute, leaseRecord } from "../../../test/helpers/backend-fixtures.ts";
import { vxlanBackend } from "./vxlan-backend.ts";

const eth0: LinkInfo = { index: 2, name: "eth0", type: 1, flags: IFF.UP, up: true, mtu: 1500 };
const eth1: LinkInfo = { index: 3, name: "eth1", type: 1, flags: IFF.UP, up: true, mtu: 1500 };

const route = hostRoute;

/** This host: eth0 at 192.0.2.1/24 and fd00:9::1/64, a default route via 192.0.2.254; eth1 at 198.51.100.1/24. */
const hostRoutes = [route("192.0.2.0/24", 2), route("0.0.0.0/0", 2, "192.0.2.254"), route("fd00:9::/64", 2), route("198.51.100.0/24", 3)];
const external: ExternalInterface = {
  name: "eth0",
  index: 2,
  mtu: 1500,
  ifaceAddress: parseIp4("192.0.2.1")._unsafeUnwrap(),
  publicIp: parseIp4("192.0.2.1")._unsafeUnwrap(),
  ifaceAddressV6: parseIp6("fd00:9::1")._unsafeUnwrap(),
  publicIpv6: parseIp6("fd00:9::1")._unsafeUnwrap(),
};

const IPV4 = '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}';
const DUAL = '{"Network":"10.9.0.0/16","EnableIPv6":true,"IPv6Network":"fd10::/56","Backend":{"Type":"vxlan"}}';

const lease = leaseRecord;

/** A VXLAN peer as flanneld writes its lease. */
const peer = (subnet: string, publicIp: string, vtepMac: string): LeaseRecord =>
  lease(subnet, `{"PublicIP":"${publicIp}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${vtepMac}"}}`);

const A = peer("10.5.2.0/24", "192.0.2.2", "0a:00:00:00:00:02");
const B = peer("10.5.3.0/24", "192.0.2.3", "0a:00:00:00:00:03");
const B2 = peer("10.5.3.0/24", "192.0.2.33", "0a:00:00:00:00:33");
const C = peer("10.5.4.0/24", "198.51.100.4", "0a:00:00:00:00:04");

async function opened(
  config = IPV4,
  options: { kernel?: MemoryRtnetlink; previous?: LeaseAttrs; ext?: ExternalInterface } = {},
): Promise<{ backend: Backend; kernel: MemoryRtnetlink }> {
  const kernel = options.kernel ?? new MemoryRtnetlink({ links: [eth0, eth1], routes: hostRoutes });
  const open = vxlanBackend({ rtnetlink: () => ok(kernel), random: seededRandom(11) });
  const backend = await open({
    config: parseNetworkConfig(config)._unsafeUnwrap(),
    external: options.ext ?? external,
    ...(options.previous === undefined ? {} : { previous: options.previous }),
  });
  return { backend: backend._unsafeUnwrap(), kernel };
}

/** What the backend sends from now on, in `ip`'s words. */
function sent(kernel: MemoryRtnetlink): () => string[] {
  const start = kernel.requests.length;
  return () => kernel.requests.slice(start).map((r) => r.description);
}

describe("vxlanBackend: devices and lease data", () => {
  it("writes flanneld's dual-stack lease value byte for byte, keeping the previous lease's VtepMACs", async () => {
    const value =
      '{"PublicIP":"198.18.9.1","PublicIPv6":"fd00:9::1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"},"BackendV6Data":{"VNI":1,"VtepMAC":"0e:53:d2:3d:53:65"}}';
    const previous = parseLeaseAttrs(value)._unsafeUnwrap();
    const { backend, kernel } = await opened(DUAL, { previous, ext: { ...external, publicIp: parseIp4("198.18.9.1")._unsafeUnwrap() } });
    expect(formatLeaseAttrs({ publicIp: previous.publicIp, publicIpv6: previous.publicIpv6!, ...backend.leaseAttrs })).toBe(value);
    expect(kernel.requests.map((r) => r.description)).toEqual([
      "add vxlan link flannel.1 id 1 local 192.0.2.1 dstport 8472 nolearning dev eth0 mtu 1450 address be:45:e5:5e:b1:4e up",
      "add vxlan link flannel-v6.1 id 1 local fd00:9::1 dstport 8472 nolearning dev eth0 mtu 1430 address 0e:53:d2:3d:53:65 up",
    ]);
    expect({ kind: backend.kind, name: backend.name, mtu: backend.mtu, prepared: backend.prepared }).toEqual({
      kind: "vxlan",
      name: "VXLAN",
      mtu: 1450,
      prepared:
        "flannel.1 created: VNI 1, port 8472, local 192.0.2.1 on eth0, MTU 1450, VtepMAC be:45:e5:5e:b1:4e; flannel-v6.1 created: VNI 1, port 8472, local fd00:9::1 on eth0, MTU 1430, VtepMAC 0e:53:d2:3d:53:65",
    });
  });

  it("gives a new device a random locally administered MAC when there is no previous lease, and the config's port, VNI, flags and MTU", async () => {
    const { backend, kernel } = await opened('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","VNI":42,"Port":4789,"GBP":true,"Learning":true,"MTU":9000}}');
    const created = kernel.tables.links.find((l) => l.name === "flannel.42")!;
    expect(created.mac!.value % 2 ** 48 >= 0 && Math.floor(created.mac!.value / 2 ** 40) & 0b11).toBe(0b10);
    expect(backend.leaseAttrs).toEqual({ backendType: "vxlan", backendData: `{"VNI":42,"VtepMAC":"${formatMac(created.mac!)}"}` });
    expect(kernel.requests.map((r) => r.description)).toEqual([
      `add vxlan link flannel.42 id 42 local 192.0.2.1 dstport 4789 learning gbp dev eth0 mtu 8950 address ${formatMac(created.mac!)} up`,
    ]);
    expect(backend.mtu).toBe(8950);
  });

  it("reuses a compatible device with its own MAC and sets its MTU and state", async () => {
    const existing: LinkInfo = {
      index: 9,
      name: "flannel.1",
      type: 1,
      flags: 0,
      up: false,
      mtu: 1400,
      mac: parseMac("0a:0b:0c:0d:0e:0f")._unsafeUnwrap(),
      kind: "vxlan",
      vxlan: { id: 1, local: external.ifaceAddress, port: 8472, learning: false, gbp: false, link: 2 },
    };
    const previous = parseLeaseAttrs('{"PublicIP":"192.0.2.1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}}')._unsafeUnwrap();
    const { backend, kernel } = await opened(IPV4, { kernel: new MemoryRtnetlink({ links: [eth0, existing], routes: hostRoutes }), previous });
    expect(kernel.requests.map((r) => r.description)).toEqual(["set link flannel.1 up mtu 1450"]);
    expect(backend.leaseAttrs.backendData).toBe('{"VNI":1,"VtepMAC":"0a:0b:0c:0d:0e:0f"}');
    expect(backend.prepared).toBe("flannel.1 reused: VNI 1, port 8472, local 192.0.2.1 on eth0, MTU 1450, VtepMAC 0a:0b:0c:0d:0e:0f");
  });

  it("replaces a device with another VNI, port or local address, keeping the previous lease's MAC, and says why", async () => {
    const existing: LinkInfo = {
      index: 9,
      name: "flannel.1",
      type: 1,
      flags: IFF.UP,
      up: true,
      mtu: 1450,
      mac: parseMac("0a:0b:0c:0d:0e:0f")._unsafeUnwrap(),
      kind: "vxlan",
      vxlan: { id: 1, local: parseIp4("192.0.2.99")._unsafeUnwrap(), port: 4789, learning: false, gbp: false, link: 2 },
    };
    const previous = parseLeaseAttrs('{"PublicIP":"192.0.2.1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}}')._unsafeUnwrap();
    const { backend, kernel } = await opened(IPV4, { kernel: new MemoryRtnetlink({ links: [eth0, existing], routes: hostRoutes }), previous });
    expect(kernel.requests.map((r) => r.description)).toEqual([
      "delete link flannel.1",
      "add vxlan link flannel.1 id 1 local 192.0.2.1 dstport 8472 nolearning dev eth0 mtu 1450 address be:45:e5:5e:b1:4e up",
    ]);
    expect(backend.prepared).toBe(
      "flannel.1 replaced (it had port 4789, wanted 8472, local 192.0.2.99, wanted 192.0.2.1): VNI 1, port 8472, local 192.0.2.1 on eth0, MTU 1450, VtepMAC be:45:e5:5e:b1:4e",
    );
  });

  it("refuses a device of that name that is not VXLAN and leaves it alone", async () => {
    const bridge: LinkInfo = { index: 9, name: "flannel.1", type: 1, flags: IFF.UP, up: true, mtu: 1500, kind: "bridge" };
    const kernel = new MemoryRtnetlink({ links: [eth0, bridge], routes: hostRoutes });
    const open = vxlanBackend({ rtnetlink: () => ok(kernel), random: seededRandom(1) });
    expect(await open({ config: parseNetworkConfig(IPV4)._unsafeUnwrap(), external })).toEqual(
      err({
        kind: "backend",
        backend: "vxlan",
        step: "open",
        message: "flannel.1: a device of that name exists and is of kind bridge, not vxlan; it was left alone: remove it (ip link del flannel.1) or use another VNI",
      }),
    );
    expect({ requests: kernel.requests, links: kernel.tables.links.map((l) => l.name), closed: kernel.closed }).toEqual({
      requests: [],
      links: ["eth0", "flannel.1"],
      closed: true,
    });
  });

  it("removes the IPv4 device it made when the IPv6 one cannot be made", async () => {
    const taken: LinkInfo = { index: 9, name: "flannel-v6.1", type: 1, flags: 0, up: false, mtu: 1500, kind: "veth" };
    const kernel = new MemoryRtnetlink({ links: [eth0, taken], routes: hostRoutes });
    const open = vxlanBackend({ rtnetlink: () => ok(kernel), random: seededRandom(1) });
    const result = await open({ config: parseNetworkConfig(DUAL)._unsafeUnwrap(), external });
    expect(result.isErr() && result.error.message).toBe(
      "flannel-v6.1: a device of that name exists and is of kind veth, not vxlan; it was left alone: remove it (ip link del flannel-v6.1) or use another VNI",
    );
    expect(kernel.tables.links.map((l) => l.name)).toEqual(["eth0", "flannel-v6.1"]);
  });

  const same = (e: ExternalInterface): ExternalInterface => e;
  const refusals: ReadonlyArray<readonly [string, string, (e: ExternalInterface) => ExternalInterface, string]> = [
    ["another backend's config", '{"Network":"10.5.0.0/16"}', same, 'the config\'s Backend.Type is "udp", not vxlan'],
    [
      "a VNI too long for a device name",
      '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","VNI":16000000}}',
      same,
      "VNI 16000000 makes the device name flannel.16000000 longer than the kernel's 15 characters: use a VNI below 10000000",
    ],
    [
      "a dual-stack VNI too long for flannel-v6",
      '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fd10::/56","Backend":{"Type":"vxlan","VNI":10000}}',
      same,
      "VNI 10000 makes the device name flannel-v6.10000 longer than the kernel's 15 characters: use a VNI below 10000 on a dual-stack network",
    ],
    [
      "an underlay MTU too small",
      IPV4,
      (e) => ({ ...e, mtu: 100 }),
      "interface eth0: an underlay MTU of 100 leaves 50 bytes under vxlan encapsulation (50 bytes of headers); IPv4 needs at least 68: use an interface with a larger MTU",
    ],
    [
      "an IPv6 underlay MTU below 1280 + 70",
      DUAL,
      (e) => ({ ...e, mtu: 1340 }),
      "an underlay MTU of 1340 leaves 1270 bytes under VXLAN over IPv6 (70 bytes of headers); IPv6 needs at least 1280",
    ],
    [
      "a dual-stack network on an interface without IPv6",
      DUAL,
      ({ ifaceAddressV6: _, ...e }) => e,
      "the network is dual-stack (EnableIPv6) but interface eth0 has no IPv6 address to send VXLAN from: give it one, or choose another with --iface",
    ],
  ];
  it.each(refusals)("refuses %s before opening a socket", async (_name, config, change, message) => {
    let opens = 0;
    const open = vxlanBackend({
      rtnetlink: () => {
        opens++;
        return ok(new MemoryRtnetlink());
      },
      random: seededRandom(1),
    });
    expect(await open({ config: parseNetworkConfig(config)._unsafeUnwrap(), external: change(external) })).toEqual(
      err({ kind: "backend", backend: "vxlan", step: "open", message }),
    );
    expect(opens).toBe(0);
  });

  it("turns a socket that cannot open into a backend error", async () => {
    const open = vxlanBackend({ rtnetlink: () => err({ kind: "netlink-transport", message: "socket(AF_NETLINK): EPERM (operation not permitted)" }), random: seededRandom(1) });
    expect(await open({ config: parseNetworkConfig(IPV4)._unsafeUnwrap(), external })).toEqual(
      err({ kind: "backend", backend: "vxlan", step: "open", message: "cannot open an rtnetlink socket: socket(AF_NETLINK): EPERM (operation not permitted)" }),
    );
  });

  it("attaches: the subnet's network address as /32 (/128), other addresses of the network gone; again when the lease moves", async () => {
    const { backend, kernel } = await opened(DUAL);
    const log = sent(kernel);
    const lease = { subnet: parseCidr4("10.9.59.0/24")._unsafeUnwrap(), ipv6Subnet: parseCidr6("fd10:0:0:37::/64")._unsafeUnwrap() };
    expect(await backend.attach(lease)).toEqual(ok("flannel.1 at 10.9.59.0/32, MTU 1450; flannel-v6.1 at fd10:0:0:37::/128, MTU 1430"));
    expect(await backend.attach({ ...lease, subnet: parseCidr4("10.9.60.0/24")._unsafeUnwrap() })).toEqual(
      ok("flannel.1 at 10.9.60.0/32, MTU 1450; flannel-v6.1 at fd10:0:0:37::/128, MTU 1430"),
    );
    expect(log()).toEqual([
      "add address 10.9.59.0/32 dev flannel.1",
      "add address fd10:0:0:37::/128 dev flannel-v6.1",
      "delete address 10.9.59.0/32 dev flannel.1",
      "add address 10.9.60.0/32 dev flannel.1",
    ]);
  });
});

describe("vxlanBackend: peers", () => {
  const added: readonly PeerChange[] = [
    { kind: "added", lease: A },
    { kind: "added", lease: B },
  ];
  // Each case starts from A and B programmed, except the first.
  const cases: ReadonlyArray<readonly [string, readonly PeerChange[], readonly PeerChange[], readonly string[], object]> = [
    [
      "two peers added: neighbour, FDB entry, then the onlink route, in one batch",
      [],
      [
        { kind: "added", lease: A },
        { kind: "added", lease: B },
      ],
      [
        "replace neighbour 10.5.2.0 lladdr 0a:00:00:00:00:02 dev flannel.1 nud permanent",
        "replace fdb 0a:00:00:00:00:02 dev flannel.1 dst 192.0.2.2",
        "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink",
        "replace neighbour 10.5.3.0 lladdr 0a:00:00:00:00:03 dev flannel.1 nud permanent",
        "replace fdb 0a:00:00:00:00:03 dev flannel.1 dst 192.0.2.3",
        "replace route 10.5.3.0/24 via 10.5.3.0 dev flannel.1 onlink",
      ],
      { programmed: 2, removed: 0, stale: 0, restored: 0, skipped: [] },
    ],
    [
      "a peer removed: its route, neighbour and FDB entry go",
      added,
      [{ kind: "removed", lease: A }],
      ["delete route 10.5.2.0/24 via 10.5.2.0 dev flannel.1", "delete neighbour 10.5.2.0 dev flannel.1", "delete fdb 0a:00:00:00:00:02 dev flannel.1 dst 192.0.2.2"],
      { programmed: 0, removed: 1, stale: 0, restored: 0, skipped: [] },
    ],
    [
      "a peer updated with a new PublicIP and MAC: the old FDB entry goes first, the rest is replaced",
      added,
      [{ kind: "updated", lease: B2, previous: B }],
      [
        "delete fdb 0a:00:00:00:00:03 dev flannel.1 dst 192.0.2.3",
        "replace neighbour 10.5.3.0 lladdr 0a:00:00:00:00:33 dev flannel.1 nud permanent",
        "replace fdb 0a:00:00:00:00:33 dev flannel.1 dst 192.0.2.33",
        "replace route 10.5.3.0/24 via 10.5.3.0 dev flannel.1 onlink",
      ],
      { programmed: 1, removed: 0, stale: 0, restored: 0, skipped: [] },
    ],
    [
      "a peer added again as it is: nothing to send",
      added,
      [{ kind: "added", lease: B }],
      [],
      { programmed: 0, removed: 0, stale: 0, restored: 0, skipped: [] },
    ],
    [
      "leases of another backend and without a usable VtepMAC are skipped with the reason",
      added,
      [
        { kind: "added", lease: lease("10.5.7.0/24", '{"PublicIP":"192.0.2.7","PublicIPv6":null}') },
        { kind: "added", lease: lease("10.5.8.0/24", '{"PublicIP":"192.0.2.8","PublicIPv6":null,"BackendType":"host-gw"}') },
        { kind: "added", lease: lease("10.5.9.0/24", '{"PublicIP":"192.0.2.9","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"nope"}}') },
        { kind: "added", lease: lease("10.5.10.0/24", '{"PublicIP":"192.0.2.10","PublicIPv6":null,"BackendType":"vxlan"}') },
      ],
      [],
      {
        programmed: 0,
        removed: 0,
        stale: 0,
        restored: 0,
        skipped: [
          'its BackendType is absent, not "vxlan" (flanneld ignores such leases)',
          'its BackendType is "host-gw", not "vxlan" (flanneld ignores such leases)',
          'its BackendData is unusable: VtepMAC: invalid MAC address "nope": expected 6 octets, found 1',
          "its lease has no BackendData",
        ],
      },
    ],
  ];

  it.each(cases)("%s", async (_name, before, changes, requests, report) => {
    const { backend, kernel } = await opened();
    (await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap();
    (await backend.apply(before))._unsafeUnwrap();
    const log = sent(kernel);
    const result = (await backend.apply(changes))._unsafeUnwrap();
    expect(log()).toEqual(requests);
    expect({ ...result, skipped: result.skipped.map((s) => s.reason) }).toEqual(report);
  });

  it("programs a dual-stack peer on both devices, and leaves a peer without an IPv6 subnet on IPv4", async () => {
    const { backend, kernel } = await opened(DUAL);
    const dual = lease(
      "10.9.60.0/24",
      '{"PublicIP":"198.18.9.2","PublicIPv6":"fd00:9::2","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:00:00:00:00:02"},"BackendV6Data":{"VNI":1,"VtepMAC":"0e:00:00:00:00:02"}}',
      "fd10:0:0:38::/64",
    );
    const v4only = lease("10.9.61.0/24", '{"PublicIP":"198.18.9.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:00:00:00:00:03"}}');
    const noV6Data = lease(
      "10.9.62.0/24",
      '{"PublicIP":"198.18.9.4","PublicIPv6":"fd00:9::4","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:00:00:00:00:04"}}',
      "fd10:0:0:39::/64",
    );
    const log = sent(kernel);
    const result = (await backend.apply([{ kind: "added", lease: dual }, { kind: "added", lease: v4only }, { kind: "added", lease: noV6Data }]))._unsafeUnwrap();
    expect(log()).toEqual([
      "replace neighbour 10.9.60.0 lladdr 0a:00:00:00:00:02 dev flannel.1 nud permanent",
      "replace fdb 0a:00:00:00:00:02 dev flannel.1 dst 198.18.9.2",
      "replace route 10.9.60.0/24 via 10.9.60.0 dev flannel.1 onlink",
      "replace neighbour fd10:0:0:38:: lladdr 0e:00:00:00:00:02 dev flannel-v6.1 nud permanent",
      "replace fdb 0e:00:00:00:00:02 dev flannel-v6.1 dst fd00:9::2",
      "replace route fd10:0:0:38::/64 via fd10:0:0:38:: dev flannel-v6.1 onlink",
      "replace neighbour 10.9.61.0 lladdr 0a:00:00:00:00:03 dev flannel.1 nud permanent",
      "replace fdb 0a:00:00:00:00:03 dev flannel.1 dst 198.18.9.3",
      "replace route 10.9.61.0/24 via 10.9.61.0 dev flannel.1 onlink",
    ]);
    expect({ programmed: result.programmed, skipped: result.skipped.map((s) => [s.lease.key, s.reason]) }).toEqual({
      programmed: 2,
      skipped: [["/coreos.com/network/subnets/10.9.62.0-24&fd10:0:0:39::-64", "its lease has no BackendV6Data"]],
    });
  });

  it("with DirectRouting routes peers on a shared link via their PublicIP, the others through VXLAN", async () => {
    const { backend, kernel } = await opened('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","DirectRouting":true}}');
    const far = peer("10.5.5.0/24", "203.0.113.5", "0a:00:00:00:00:05");
    const log = sent(kernel);
    (await backend.apply([{ kind: "added", lease: A }, { kind: "added", lease: C }, { kind: "added", lease: far }]))._unsafeUnwrap();
    (await backend.apply([{ kind: "removed", lease: C }]))._unsafeUnwrap();
    expect(log()).toEqual([
      "replace route 10.5.2.0/24 via 192.0.2.2 dev eth0",
      "replace route 10.5.4.0/24 via 198.51.100.4 dev ifindex 3",
      "replace neighbour 10.5.5.0 lladdr 0a:00:00:00:00:05 dev flannel.1 nud permanent",
      "replace fdb 0a:00:00:00:00:05 dev flannel.1 dst 203.0.113.5",
      "replace route 10.5.5.0/24 via 10.5.5.0 dev flannel.1 onlink",
      "delete route 10.5.4.0/24 via 198.51.100.4 dev ifindex 3",
    ]);
  });

  it("puts a refused request on its peer, and counts the others", async () => {
    const kernel = new MemoryRtnetlink({ links: [eth0], routes: hostRoutes, refuse: (r) => (r.description.includes("10.5.3.0/24") ? 22 : undefined) });
    const { backend } = await opened(IPV4, { kernel });
    const result = (await backend.apply([{ kind: "added", lease: A }, { kind: "added", lease: B }]))._unsafeUnwrap();
    expect({ programmed: result.programmed, skipped: result.skipped.map((s) => [s.lease.key, s.reason]) }).toEqual({
      programmed: 1,
      skipped: [["/coreos.com/network/subnets/10.5.3.0-24", "the kernel refused replace route 10.5.3.0/24 via 10.5.3.0 dev flannel.1 onlink: EINVAL"]],
    });
  });
});

describe("vxlanBackend: reconcile", () => {
  it("removes entries of no lease, puts back what was deleted by hand, and leaves the rest", async () => {
    const { backend, kernel } = await opened();
    (await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap();
    (await backend.apply([{ kind: "added", lease: A }, { kind: "added", lease: B }]))._unsafeUnwrap();
    const device = kernel.tables.links.find((l) => l.name === "flannel.1")!.index;
    // A peer that went while this host was down (its entries survive on a reused device) ...
    kernel.tables.routes.push({ ...route("10.5.9.0/24", device, "10.5.9.0"), onlink: true });
    kernel.tables.neighbours.push({
      index: device,
      ip: parseIp("10.5.9.0")._unsafeUnwrap(),
      mac: parseMac("0a:00:00:00:00:09")._unsafeUnwrap(),
      state: NUD.PERMANENT,
      flags: 0,
      type: RTN.UNICAST,
    });
    kernel.tables.fdb.push({ index: device, mac: parseMac("0a:00:00:00:00:09")._unsafeUnwrap(), dst: parseIp("192.0.2.9")._unsafeUnwrap(), state: NUD.PERMANENT, flags: NTF.SELF });
    // ... and A's route deleted by hand, B's neighbour pointing elsewhere.
    kernel.tables.routes = kernel.tables.routes.filter((r) => r.dst.family !== 4 || r.dst.address !== parseCidr4("10.5.2.0/24")._unsafeUnwrap().address);
    kernel.tables.neighbours = kernel.tables.neighbours.map((
      n,
    ) => (n.ip.value === parseIp4("10.5.3.0")._unsafeUnwrap().value ? { ...n, mac: parseMac("0a:ff:ff:ff:ff:ff")._unsafeUnwrap() } : n));
    const before = kernel.tables.routes.length;
    const log = sent(kernel);
    expect(await backend.reconcile([A, B])).toEqual(ok({ programmed: 0, removed: 0, stale: 3, restored: 2, skipped: [] }));
    expect(log()).toEqual([
      "delete route 10.5.9.0/24 via 10.5.9.0 dev flannel.1",
      "delete neighbour 10.5.9.0 dev flannel.1",
      "delete fdb 0a:00:00:00:00:09 dev flannel.1 dst 192.0.2.9",
      "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink",
      "replace neighbour 10.5.3.0 lladdr 0a:00:00:00:00:03 dev flannel.1 nud permanent",
    ]);
    expect(kernel.tables.routes.length).toBe(before);
    const again = sent(kernel);
    expect(await backend.reconcile([A, B])).toEqual(ok({ programmed: 0, removed: 0, stale: 0, restored: 0, skipped: [] }));
    expect(again()).toEqual([]);
  });

  it("leaves the host's other routes alone (the external interface's, the default route, the own subnet's bridge) and what the kernel learned", async () => {
    const docker0: LinkInfo = { index: 5, name: "docker0", type: 1, flags: IFF.UP, up: true, mtu: 1450 };
    const kernel = new MemoryRtnetlink({ links: [eth0, docker0], routes: [...hostRoutes, route("10.5.1.0/24", 5), route("10.6.0.0/24", 2, "192.0.2.254")] });
    const { backend } = await opened('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","Learning":true}}', { kernel });
    (await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap();
    const device = kernel.tables.links.find((l) => l.name === "flannel.1")!.index;
    kernel.tables.neighbours.push({ index: device, ip: parseIp("10.5.9.0")._unsafeUnwrap(), state: NUD.FAILED, flags: 0, type: RTN.UNICAST });
    kernel.tables.fdb.push({ index: device, mac: parseMac("0a:00:00:00:00:09")._unsafeUnwrap(), dst: parseIp("192.0.2.9")._unsafeUnwrap(), state: NUD.REACHABLE, flags: NTF.SELF });
    const log = sent(kernel);
    expect(await backend.reconcile([])).toEqual(ok({ programmed: 0, removed: 0, stale: 0, restored: 0, skipped: [] }));
    expect(log()).toEqual([]);
  });

  it("recreates a device deleted by hand with the lease's MAC, its address and every peer's entries", async () => {
    const { backend, kernel } = await opened();
    (await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap();
    (await backend.apply([{ kind: "added", lease: A }]))._unsafeUnwrap();
    const mac = formatMac(kernel.tables.links.find((l) => l.name === "flannel.1")!.mac!);
    (await kernel.apply([deleteLink(kernel.tables.links.find((l) => l.name === "flannel.1")!)]))._unsafeUnwrap(); // ip link del flannel.1
    expect(kernel.tables.links.map((l) => l.name)).toEqual(["eth0", "eth1"]);
    const log = sent(kernel);
    expect(await backend.reconcile([A])).toEqual(ok({ programmed: 0, removed: 0, stale: 0, restored: 5, skipped: [] }));
    expect(log()).toEqual([
      `add vxlan link flannel.1 id 1 local 192.0.2.1 dstport 8472 nolearning dev eth0 mtu 1450 address ${mac} up`,
      "add address 10.5.1.0/32 dev flannel.1",
      "replace neighbour 10.5.2.0 lladdr 0a:00:00:00:00:02 dev flannel.1 nud permanent",
      "replace fdb 0a:00:00:00:00:02 dev flannel.1 dst 192.0.2.2",
      "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink",
    ]);
  });

  it("closes: deletes the devices (their entries go with them) and direct routes, and the socket", async () => {
    const { backend, kernel } = await opened('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","DirectRouting":true}}');
    (await backend.apply([{ kind: "added", lease: A }, { kind: "added", lease: peer("10.5.5.0/24", "203.0.113.5", "0a:00:00:00:00:05") }]))._unsafeUnwrap();
    const log = sent(kernel);
    expect(await backend.close()).toBe("flannel.1 removed");
    expect(log()).toEqual(["delete route 10.5.2.0/24 via 192.0.2.2 dev eth0", "delete link flannel.1"]);
    expect({
      closed: kernel.closed,
      links: kernel.tables.links.map((l) => l.name),
      routes: kernel.tables.routes.length,
      neighbours: kernel.tables.neighbours,
      fdb: kernel.tables.fdb,
    }).toEqual({
      closed: true,
      links: ["eth0", "eth1"],
      routes: hostRoutes.length,
      neighbours: [],
      fdb: [],
    });
  });
});

describe("docs/backends.md", () => {
  // The example's asserts, on vitest (the pure core's tests import no node:* module).
  const assert = { equal: (a: unknown, b: unknown) => expect(a).toBe(b), deepEqual: (a: unknown, b: unknown) => expect(a).toEqual(b) };

  it("runs the example: a VXLAN backend over the in-memory kernel keeps the VtepMAC, programs a peer, restores a route, closes", async () => {
    const kernel = new MemoryRtnetlink({ links: [{ index: 2, name: "eth0", type: 1, flags: IFF.UP, up: true, mtu: 1500 }] });
    const open = vxlanBackend({ rtnetlink: () => ok(kernel), random: seededRandom(1) });
    const config = parseNetworkConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}')._unsafeUnwrap();
    const ip = parseIp4("192.0.2.1")._unsafeUnwrap();
    const previous = parseLeaseAttrs('{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}}')._unsafeUnwrap();
    const backend = (await open({ config, external: { name: "eth0", index: 2, mtu: 1500, ifaceAddress: ip, publicIp: ip }, previous }))._unsafeUnwrap();
    assert.equal(backend.leaseAttrs.backendData, '{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}'); // the MAC survives the restart
    assert.equal(backend.mtu, 1450);
    assert.equal((await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap(), "flannel.1 at 10.5.1.0/32, MTU 1450");

    // A peer's lease, as flanneld writes it.
    const value = '{"PublicIP":"192.0.2.2","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:53:d2:3d:53:65"}}';
    const peer = {
      key: "/coreos.com/network/subnets/10.5.2.0-24",
      subnet: { ipv4: parseCidr4("10.5.2.0/24")._unsafeUnwrap() },
      attrs: parseLeaseAttrs(value)._unsafeUnwrap(),
      value,
      createRevision: 2,
      modRevision: 2,
    };
    const start = kernel.requests.length;
    assert.equal((await backend.apply([{ kind: "added", lease: peer }]))._unsafeUnwrap().programmed, 1);
    assert.deepEqual(kernel.requests.slice(start).map((r) => r.description), [
      "replace neighbour 10.5.2.0 lladdr 0e:53:d2:3d:53:65 dev flannel.1 nud permanent",
      "replace fdb 0e:53:d2:3d:53:65 dev flannel.1 dst 192.0.2.2",
      "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink",
    ]);

    // Someone deletes the route by hand; the next reconcile puts it back.
    kernel.tables.routes = [];
    assert.equal((await backend.reconcile([peer]))._unsafeUnwrap().restored, 1);

    assert.equal(await backend.close(), "flannel.1 removed");
    assert.deepEqual(kernel.tables.links.map((l) => l.name), ["eth0"]);
  });
});
