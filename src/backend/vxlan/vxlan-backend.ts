/**
 * flannel's VXLAN backend behind the {@link Backend} interface, on the
 * kernel's VXLAN device through rtnetlink: `flannel.<VNI>` over IPv4 and,
 * on dual-stack networks, `flannel-v6.<VNI>` over IPv6; per peer a
 * permanent neighbour, an FDB entry and an onlink route (or, with
 * DirectRouting, a plain route to peers on a shared link). Every batch of
 * peer changes is one netlink batch; a reconcile reads the device's
 * entries back and makes them match the leases.
 *
 * @module
 */
import { errAsync, ok, okAsync, ResultAsync, safeTry } from "neverthrow";
import type { LeaseAttrs, RawJson } from "../../etcd/lease-attrs.ts";
import type { LeaseRecord } from "../../etcd/registry.ts";
import { NUD, RT_TABLE, RTN } from "../../netlink/constants.ts";
import type { LinkInfo } from "../../netlink/link-info.ts";
import { deleteLink } from "../../netlink/link-requests.ts";
import type { LinkRef } from "../../netlink/link-ref.ts";
import { formatMac, type Mac } from "../../netlink/mac.ts";
import type { RouteInfo } from "../../netlink/route-info.ts";
import { type Cidr, cidr4, cidr6, cidrContains, cidrContainsIp, formatCidr } from "../../subnet/cidr.ts";
import { encapsulationMtu } from "../../subnet/encapsulation-mtu.ts";
import { formatIp, type Ip } from "../../subnet/ip.ts";
import type { VxlanBackendConfig } from "../../subnet/network-config.ts";
import type { Random } from "../../subnet/random.ts";
import { deleteRequest, type KernelView } from "../_kernel-entries.ts";
import { type OwnedEntries, PeerProgrammer } from "../_peer-programmer.ts";
import type { Backend, BackendError, BackendLease, BackendReport, OpenBackend, PeerChange } from "../backend.ts";
import { lookupRoute } from "../lookup-route.ts";
import type { OpenRtnetlinkPort, RtnetlinkPort } from "../rtnetlink-port.ts";
import { ensureDeviceAddress } from "./_device-address.ts";
import { ensureVxlanDevice, randomVtepMac, vxlanDeviceName, type VxlanDeviceSpec } from "./vxlan-device.ts";
import { formatVxlanLeaseData, parseVxlanLeaseData } from "./vxlan-lease-data.ts";
import { type VxlanFamilyTarget, vxlanPeerPlan, type VxlanTargets } from "./vxlan-peer-plan.ts";

/** Bytes VXLAN adds over an IPv6 underlay: outer IPv6 (40) + UDP (8) + VXLAN (8) + inner Ethernet (14). */
export const VXLAN_IPV6_OVERHEAD = 70;

/** The smallest MTU an IPv6 link may have (RFC 8200); the kernel turns IPv6 off on a device with less. */
const MIN_IPV6_MTU = 1280;

/** Options of {@link vxlanBackend}. */
export interface VxlanBackendOptions {
  /** Opens the rtnetlink socket, once, when the backend opens (`openRtnetlink` of `flannel-ts/node` or `flannel-ts/deno`, or a {@link MemoryRtnetlink}). */
  readonly rtnetlink: OpenRtnetlinkPort;
  /** Draws the MAC of a new device when this host's previous lease names none. */
  readonly random: Random;
}

const failure = (step: BackendError["step"], message: string): BackendError => ({ kind: "backend", backend: "vxlan", step, message });

interface Family {
  readonly family: 4 | 6;
  readonly spec: VxlanDeviceSpec;
  readonly network: Cidr;
  readonly subnetLen: number;
  link: LinkInfo;
  readonly mac: Mac;
  readonly note: string;
}

/**
 * The VXLAN backend, compatible with flanneld's: the same devices, lease
 * data (`{"VNI":1,"VtepMAC":"..."}` in BackendData, and BackendV6Data on
 * dual-stack networks) and kernel entries, so that it shares an overlay
 * with flanneld hosts. The device sends from the external interface's
 * address (flanneld's IfaceAddr; behind NAT that differs from the
 * PublicIP peers send to). Its MTU is the external interface's (or
 * `Backend.MTU`) less 50 over IPv4 and 70 over IPv6. A device that is
 * there and fits is reused with its MAC; a new one takes the VtepMAC of
 * this host's previous lease, so that a restart keeps it. Closing deletes
 * the devices.
 *
 * @param options how to open the rtnetlink socket, and the random source for new MACs
 * @returns the backend's opener, for the agent's `backends.vxlan`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { MemoryRtnetlink, vxlanBackend } from "flannel-ts/backend";
 * import { parseCidr4, parseIp4, parseNetworkConfig, seededRandom } from "flannel-ts/subnet";
 *
 * const kernel = new MemoryRtnetlink({ links: [{ index: 2, name: "eth0", type: 1, flags: 1, up: true, mtu: 1500 }] });
 * const open = vxlanBackend({ rtnetlink: () => ok(kernel), random: seededRandom(1) });
 * const ip = parseIp4("192.0.2.1")._unsafeUnwrap();
 * const config = parseNetworkConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}')._unsafeUnwrap();
 * const backend = (await open({ config, external: { name: "eth0", index: 2, mtu: 1500, ifaceAddress: ip, publicIp: ip } }))._unsafeUnwrap();
 * assert.equal(backend.mtu, 1450);
 * assert.equal((await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap(), "flannel.1 at 10.5.1.0/32, MTU 1450");
 * assert.equal(await backend.close(), "flannel.1 removed");
 * ```
 */
export function vxlanBackend(options: VxlanBackendOptions): OpenBackend {
  return (context) => {
    const { config, external, previous } = context;
    const settings = config.backend;
    if (settings.kind !== "vxlan") return errAsync(failure("open", `the config's Backend.Type is "${settings.type}", not vxlan`));
    const base = settings.mtu ?? external.mtu;
    const wanted: { family: 4 | 6; name: string; local: Ip; mtu: number; network: Cidr; subnetLen: number; previous: RawJson | undefined }[] = [];
    if (config.ipv4 !== undefined) {
      const name = vxlanDeviceName(settings.vni, 4);
      if (name === undefined) {
        return errAsync(failure("open", `VNI ${settings.vni} makes the device name flannel.${settings.vni} longer than the kernel's 15 characters: use a VNI below 10000000`));
      }
      const mtu = encapsulationMtu(base, "vxlan");
      if (mtu.isErr()) return errAsync(failure("open", `${settings.mtu === undefined ? `interface ${external.name}` : "Backend.MTU"}: ${mtu.error.message}`));
      wanted.push({
        family: 4,
        name,
        local: external.ifaceAddress,
        mtu: mtu.value,
        network: config.ipv4.network,
        subnetLen: config.ipv4.subnetLen,
        previous: previous?.backendData,
      });
    }
    if (config.ipv6 !== undefined) {
      const name = vxlanDeviceName(settings.vni, 6);
      if (name === undefined) {
        return errAsync(
          failure(
            "open",
            `VNI ${settings.vni} makes the device name flannel-v6.${settings.vni} longer than the kernel's 15 characters: use a VNI below 10000 on a dual-stack network`,
          ),
        );
      }
      const local = external.ifaceAddressV6;
      if (local === undefined) {
        return errAsync(
          failure(
            "open",
            `the network is dual-stack (EnableIPv6) but interface ${external.name} has no IPv6 address to send VXLAN from: give it one, or choose another with --iface`,
          ),
        );
      }
      const mtu = base - VXLAN_IPV6_OVERHEAD;
      if (mtu < MIN_IPV6_MTU) {
        return errAsync(
          failure("open", `an underlay MTU of ${base} leaves ${mtu} bytes under VXLAN over IPv6 (${VXLAN_IPV6_OVERHEAD} bytes of headers); IPv6 needs at least ${MIN_IPV6_MTU}`),
        );
      }
      wanted.push({ family: 6, name, local, mtu, network: config.ipv6.network, subnetLen: config.ipv6.subnetLen, previous: previous?.backendV6Data });
    }
    if (wanted.length === 0) return errAsync(failure("open", "the network config enables neither IPv4 nor IPv6"));
    const opened = options.rtnetlink();
    if (opened.isErr()) return errAsync(failure("open", `cannot open an rtnetlink socket: ${opened.error.message}`));
    const rtnl = opened.value;
    const made: LinkInfo[] = [];
    const previousMac = (raw: RawJson | undefined): Mac | undefined =>
      previous?.backendType === "vxlan" && raw !== undefined ? parseVxlanLeaseData(raw).map((d): Mac | undefined => d.vtepMac).unwrapOr(undefined) : undefined;
    const opening = safeTry(async function* () {
      const underlay = yield* underlayOf(rtnl, external.name, external.index);
      const families: Family[] = [];
      for (const w of wanted) {
        const spec: VxlanDeviceSpec = {
          name: w.name,
          vni: settings.vni,
          port: settings.port,
          local: w.local,
          underlay,
          learning: settings.learning,
          gbp: settings.gbp,
          mtu: w.mtu,
        };
        const mac = previousMac(w.previous);
        const ensured = yield* ensureVxlanDevice(rtnl, spec, { ...(mac === undefined ? {} : { mac }), fallbackMac: randomVtepMac(options.random) }).mapErr((e) =>
          failure("open", e.message)
        );
        if (ensured.outcome !== "reused") made.push(ensured.link);
        const vtepMac = ensured.link.mac;
        if (vtepMac === undefined) return errAsync(failure("open", `${spec.name} has no Ethernet address to advertise as VtepMAC`));
        families.push({ family: w.family, spec, network: w.network, subnetLen: w.subnetLen, link: ensured.link, mac: vtepMac, note: ensured.note });
      }
      return ok(new VxlanBackend(rtnl, settings, families, external.name));
    });
    // On failure, what this open made goes again; a device that was there stays.
    return opening.orElse((error) =>
      rtnl
        .apply(made.map((link) => deleteLink(link)))
        .orElse(() => okAsync({ applied: 0, failures: [] }))
        .andThen(() => {
          rtnl.close();
          return errAsync(error);
        })
    );
  };
}

function underlayOf(rtnl: RtnetlinkPort, name: string, index: number | undefined): ResultAsync<{ index: number; name: string }, BackendError> {
  if (index !== undefined) return okAsync({ index, name });
  return rtnl
    .linkByName(name)
    .mapErr((e) => failure("open", `cannot look up interface ${name}: ${e.message}`))
    .andThen((link) => (link === undefined ? errAsync(failure("open", `interface ${name} does not exist`)) : okAsync({ index: link.index, name })));
}

class VxlanBackend implements Backend {
  readonly kind = "vxlan" as const;
  readonly name = "VXLAN";
  readonly leaseAttrs: Pick<LeaseAttrs, "backendType" | "backendData" | "backendV6Data">;
  readonly mtu: number;
  readonly prepared: string;
  readonly #rtnl: RtnetlinkPort;
  readonly #settings: VxlanBackendConfig;
  readonly #families: readonly Family[];
  readonly #programmer: PeerProgrammer;
  #lease: BackendLease | undefined;

  constructor(rtnl: RtnetlinkPort, settings: VxlanBackendConfig, families: readonly Family[], external: string) {
    this.#rtnl = rtnl;
    this.#settings = settings;
    this.#families = families;
    const v4 = families.find((f) => f.family === 4);
    const v6 = families.find((f) => f.family === 6);
    this.leaseAttrs = {
      backendType: "vxlan",
      ...(v4 === undefined ? {} : { backendData: formatVxlanLeaseData(settings.vni, v4.mac) }),
      ...(v6 === undefined ? {} : { backendV6Data: formatVxlanLeaseData(settings.vni, v6.mac) }),
    };
    this.mtu = (v4 ?? v6 ?? families[0]!).spec.mtu;
    this.prepared = families
      .map(
        (f) =>
          `${f.note}: VNI ${settings.vni}, port ${settings.port}, local ${formatIp(f.spec.local)} on ${external}, MTU ${f.spec.mtu}, VtepMAC ${formatMac(f.mac)}` +
          `${settings.learning ? ", learning" : ""}${settings.gbp ? ", GBP" : ""}${settings.directRouting ? ", DirectRouting" : ""}`,
      )
      .join("; ");
    this.#programmer = new PeerProgrammer(rtnl, "vxlan", (index) => this.#linkRef(index));
  }

  #linkRef(index: number): LinkRef {
    const device = this.#families.find((f) => f.link.index === index);
    if (device !== undefined) return { index, name: device.spec.name };
    const underlay = this.#families[0]?.spec.underlay;
    return underlay !== undefined && underlay.index === index ? { index, name: underlay.name } : index;
  }

  attach(lease: BackendLease): ResultAsync<string, BackendError> {
    this.#lease = lease;
    return ResultAsync.combine(this.#families.map((f) => this.#ensureAddress(f, lease, "attach"))).map(() =>
      this.#families.map((f) => `${f.spec.name} at ${formatCidr(this.#address(f, lease) ?? f.network)}, MTU ${f.spec.mtu}`).join("; ")
    );
  }

  #address(f: Family, lease: BackendLease): Cidr | undefined {
    if (f.family === 4) return cidr4(lease.subnet.address, 32);
    return lease.ipv6Subnet === undefined ? undefined : cidr6(lease.ipv6Subnet.address, 128);
  }

  #ensureAddress(f: Family, lease: BackendLease, step: "attach" | "reconcile"): ResultAsync<{ added: number; removed: number }, BackendError> {
    const wanted = this.#address(f, lease);
    if (wanted === undefined) return errAsync(failure(step, `the lease has no IPv6 subnet for ${f.spec.name}`));
    return ensureDeviceAddress(this.#rtnl, f.link, wanted, f.network).mapErr((message) => failure(step, `${f.spec.name}: ${message}`));
  }

  apply(changes: readonly PeerChange[]): ResultAsync<BackendReport, BackendError> {
    const adds = changes.some((c) => c.kind !== "removed");
    return this.#targets(adds, "apply").andThen((targets) => this.#programmer.apply(changes, (lease) => vxlanPeerPlan(lease, targets)));
  }

  reconcile(peers: readonly LeaseRecord[]): ResultAsync<BackendReport, BackendError> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the generator below is not an arrow
    const self = this;
    return safeTry(async function* () {
      let restored = 0;
      let stale = 0;
      for (const f of self.#families) {
        // A device deleted (or replaced) by hand comes back with the lease's MAC.
        const ensured = yield* ensureVxlanDevice(self.#rtnl, f.spec, { mac: f.mac, fallbackMac: f.mac, requireMac: true }).mapErr((e) => failure("reconcile", e.message));
        if (ensured.outcome !== "reused" || ensured.link.index !== f.link.index) restored++;
        f.link = ensured.link;
        if (self.#lease !== undefined) {
          const changed = yield* self.#ensureAddress(f, self.#lease, "reconcile");
          restored += changed.added;
          stale += changed.removed;
        }
      }
      const targets = yield* self.#targets(peers.length > 0, "reconcile");
      const view = yield* self.#kernelView();
      const report = yield* self.#programmer.reconcile(peers, (lease) => vxlanPeerPlan(lease, targets), view, self.#owned());
      return ok({ ...report, stale: report.stale + stale, restored: report.restored + restored });
    });
  }

  /** The devices, and with DirectRouting the main table's routes to decide which peers are on a shared link. */
  #targets(lookups: boolean, step: "apply" | "reconcile"): ResultAsync<VxlanTargets, BackendError> {
    const direct = this.#settings.directRouting && lookups;
    return ResultAsync.combine(
      this.#families.map((f) =>
        (direct ? this.#rtnl.routes({ family: f.family, table: RT_TABLE.MAIN }) : okAsync<RouteInfo[], never>([])).map((routes): [4 | 6, VxlanFamilyTarget] => {
          const device = { index: f.link.index, name: f.spec.name };
          if (!direct) return [f.family, { device }];
          return [
            f.family,
            {
              device,
              direct: (publicIp) => {
                const route = lookupRoute(routes, publicIp);
                const onLink = route !== undefined && route.gateway === undefined && route.type === RTN.UNICAST && route.oif !== undefined && route.oif !== f.link.index;
                return onLink ? this.#linkRef(route.oif) : undefined;
              },
            },
          ];
        })
      ),
    )
      .mapErr((e) => failure(step, e.message))
      .map((pairs) => {
        const targets: { v4?: VxlanFamilyTarget; v6?: VxlanFamilyTarget } = {};
        for (const [family, target] of pairs) targets[family === 4 ? "v4" : "v6"] = target;
        return targets;
      });
  }

  #kernelView(): ResultAsync<KernelView, BackendError> {
    const rtnl = this.#rtnl;
    return ResultAsync.combine(
      this.#families.map((f) =>
        ResultAsync.combine([rtnl.routes({ family: f.family, table: RT_TABLE.MAIN }), rtnl.neighbours({ family: f.family, link: f.link }), rtnl.fdb({ link: f.link })] as const)
      ),
    )
      .mapErr((e) => failure("reconcile", e.message))
      .map((parts) => ({ routes: parts.flatMap((p) => p[0]), neighbours: parts.flatMap((p) => p[1]), fdb: parts.flatMap((p) => p[2]) }));
  }

  /** The entries this backend made: permanent ones in the flannel network on its devices (and, with DirectRouting, lease-shaped routes with a gateway through other devices). */
  #owned(): OwnedEntries {
    const families = this.#families;
    const direct = this.#settings.directRouting;
    const familyOf = (index: number): Family | undefined => families.find((f) => f.link.index === index);
    return {
      route: (r) =>
        families.some(
          (f) =>
            r.table === RT_TABLE.MAIN &&
            r.gateway !== undefined &&
            cidrContains(f.network, r.dst) &&
            (r.oif === f.link.index || (direct && r.dst.prefix === f.subnetLen && r.oif !== undefined && familyOf(r.oif) === undefined)),
        ),
      // Entries the kernel made itself (learned remotes with Learning, ARP and NDP) are not permanent: they are left to it.
      neighbour: (n) => {
        const f = familyOf(n.index);
        return f !== undefined && (n.state & NUD.PERMANENT) !== 0 && cidrContainsIp(f.network, n.ip);
      },
      fdb: (e) => familyOf(e.index) !== undefined && (e.state & NUD.PERMANENT) !== 0 && e.dst !== undefined,
    };
  }

  async close(): Promise<string> {
    const onDevices = new Set(this.#families.map((f) => f.link.index));
    const direct = this.#programmer
      .entries()
      .filter((e) => e.kind === "route" && !onDevices.has(typeof e.oif === "number" ? e.oif : e.oif.index))
      .map(deleteRequest);
    const requests = [...direct, ...this.#families.map((f) => deleteLink({ index: f.link.index, name: f.spec.name }))];
    const result = await this.#rtnl.apply(requests);
    this.#rtnl.close();
    const names = this.#families.map((f) => f.spec.name).join(" and ");
    if (result.isErr()) return `${names} not removed: ${result.error.message}`;
    const failures = result.value.failures.map((f) => f.message);
    return failures.length === 0 ? `${names} removed` : `${names} removed, except: ${failures.join("; ")}`;
  }
}
