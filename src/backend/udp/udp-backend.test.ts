import { err, okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { formatLeaseAttrs, type LeaseAttrs } from "../../etcd/lease-attrs.ts";
import type { LeaseRecord } from "../../etcd/registry.ts";
import { formatCidr, parseCidr4 } from "../../subnet/cidr.ts";
import { formatIp, parseIp4 } from "../../subnet/ip.ts";
import { parseNetworkConfig } from "../../subnet/network-config.ts";
import { formatSubnetKey } from "../../subnet/subnet-key.ts";
import type { Backend } from "../backend.ts";
import { udpBackend, type UdpEngineSpec } from "./udp-backend.ts";

const ip = (text: string) => parseIp4(text)._unsafeUnwrap();
const external = { name: "eth0", mtu: 1500, ifaceAddress: ip("192.0.2.1"), publicIp: ip("192.0.2.1") };

function lease(subnet: string, publicIp: string): LeaseRecord {
  const attrs: LeaseAttrs = { publicIp: ip(publicIp) };
  const key = { ipv4: parseCidr4(subnet)._unsafeUnwrap() };
  return { key: `/coreos.com/network/subnets/${formatSubnetKey(key)}`, subnet: key, attrs, value: formatLeaseAttrs(attrs), createRevision: 1, modRevision: 1 };
}

function harness() {
  const engines: { spec: UdpEngineSpec; routes: Map<string, string>; closed: boolean }[] = [];
  const open = udpBackend({
    open: (spec) => {
      const engine = { spec, routes: new Map<string, string>(), closed: false };
      engines.push(engine);
      return okAsync({
        setRoute: (subnet, publicIp) => void engine.routes.set(formatCidr(subnet), formatIp(publicIp)),
        deleteRoute: (subnet) => void engine.routes.delete(formatCidr(subnet)),
        close: () => {
          engine.closed = true;
          return Promise.resolve();
        },
      });
    },
  });
  return { engines, open };
}

async function opened(config = '{"Network":"10.5.0.0/16","Backend":{"Type":"udp","Port":7000}}'): Promise<{ backend: Backend; engines: ReturnType<typeof harness>["engines"] }> {
  const { engines, open } = harness();
  const backend = (await open({ config: parseNetworkConfig(config)._unsafeUnwrap(), external }))._unsafeUnwrap();
  return { backend, engines };
}

describe("udpBackend", () => {
  it("writes no backend data into the lease (as flanneld's UDP backend) and takes 28 bytes off the MTU", async () => {
    const { backend } = await opened();
    expect({ kind: backend.kind, leaseAttrs: backend.leaseAttrs, mtu: backend.mtu, prepared: backend.prepared }).toEqual({
      kind: "udp",
      leaseAttrs: {},
      mtu: 1472,
      prepared: undefined,
    });
  });

  it("starts the engine on the lease with the config's port, and describes it", async () => {
    const { backend, engines } = await opened();
    expect((await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap()).toBe(
      "flannel0 for subnet 10.5.1.0/24, MTU 1472, listening on 192.0.2.1:7000",
    );
    expect(engines.map((e) => e.spec)).toEqual([
      {
        device: "flannel0",
        subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap(),
        network: parseCidr4("10.5.0.0/16")._unsafeUnwrap(),
        mtu: 1472,
        bindAddress: ip("192.0.2.1"),
        port: 7000,
        sourceFilter: true,
      },
    ]);
  });

  it("routes added and updated peers, unroutes removed ones, and counts what changed", async () => {
    const { backend, engines } = await opened();
    (await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap();
    const a = lease("10.5.2.0/24", "192.0.2.2");
    const b = lease("10.5.3.0/24", "192.0.2.3");
    const b2 = lease("10.5.3.0/24", "192.0.2.4");
    const report = await backend.apply([
      { kind: "added", lease: a },
      { kind: "added", lease: b },
      { kind: "added", lease: b },
      { kind: "updated", lease: b2, previous: b },
      { kind: "removed", lease: a },
      { kind: "removed", lease: a },
    ]);
    expect(report._unsafeUnwrap()).toEqual({ programmed: 3, removed: 1, stale: 0, restored: 0, skipped: [] });
    expect(Object.fromEntries(engines[0]!.routes)).toEqual({ "10.5.3.0/24": "192.0.2.4" });
  });

  it("reconciles: routes of no lease go, missing ones come back; a moved lease restarts the engine with every route", async () => {
    const { backend, engines } = await opened();
    (await backend.attach({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap() }))._unsafeUnwrap();
    (await backend.apply([{ kind: "added", lease: lease("10.5.2.0/24", "192.0.2.2") }]))._unsafeUnwrap();
    const report = await backend.reconcile([lease("10.5.4.0/24", "192.0.2.4")]);
    expect(report._unsafeUnwrap()).toEqual({ programmed: 0, removed: 0, stale: 1, restored: 1, skipped: [] });
    (await backend.attach({ subnet: parseCidr4("10.5.9.0/24")._unsafeUnwrap() }))._unsafeUnwrap();
    expect(engines.map((e) => [formatCidr(e.spec.subnet), e.closed, Object.fromEntries(e.routes)])).toEqual([
      ["10.5.1.0/24", true, { "10.5.4.0/24": "192.0.2.4" }],
      ["10.5.9.0/24", false, { "10.5.4.0/24": "192.0.2.4" }],
    ]);
    expect(await backend.close()).toBe("flannel0 removed");
    expect(engines[1]!.closed).toBe(true);
  });

  const refusals: ReadonlyArray<readonly [string, string, number, string]> = [
    [
      "a dual-stack network",
      '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:5::/56"}',
      1500,
      "the network config is dual-stack (EnableIPv6); the udp backend carries IPv4 only: use the vxlan or host-gw backend, or set EnableIPv6 false",
    ],
    ["another backend's config", '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}', 1500, 'the config\'s Backend.Type is "vxlan", not udp'],
    [
      "an underlay MTU that leaves less than IPv4 needs",
      '{"Network":"10.5.0.0/16"}',
      95,
      "interface eth0: an underlay MTU of 95 leaves 67 bytes under udp encapsulation (28 bytes of headers); IPv4 needs at least 68: use an interface with a larger MTU",
    ],
  ];
  it.each(refusals)("refuses %s before starting anything", async (_name, config, mtu, message) => {
    const { engines, open } = harness();
    expect(await open({ config: parseNetworkConfig(config)._unsafeUnwrap(), external: { ...external, mtu } })).toEqual(
      err({ kind: "backend", backend: "udp", step: "open", message }),
    );
    expect(engines).toEqual([]);
  });
});
