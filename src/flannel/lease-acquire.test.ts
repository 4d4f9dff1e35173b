import { err, errAsync, type ResultAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import type { LeaseAttrs, RawJson } from "../etcd/lease-attrs.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import type { Registry, RegistryError } from "../etcd/registry.ts";
import { parseIp4 } from "../subnet/ip.ts";
import { parseNetworkConfig } from "../subnet/network-config.ts";
import { seededRandom } from "../subnet/random.ts";
import { formatSubnetKey, parseSubnetKey } from "../subnet/subnet-key.ts";
import { acquireLease, type AcquireLeaseOptions, subnetFitsConfig } from "./lease-acquire.ts";

const host = (ip: string): LeaseAttrs => ({ publicIp: parseIp4(ip)._unsafeUnwrap() });
const key = (s: string) => parseSubnetKey(s)._unsafeUnwrap();
const T0 = 1_700_000_000_000;

function setup(config = '{"Network":"10.5.0.0/16"}') {
  const clock = new ManualClock(T0);
  const registry = new MemoryRegistry({ clock });
  registry.putRaw("/coreos.com/network/config", config);
  const acquire = (ip: string, extra: Partial<AcquireLeaseOptions> = {}) =>
    drive(clock, acquireLease({ registry, attrs: host(ip), clock, random: seededRandom(ip.length * 7 + Number(ip.split(".")[3])), ...extra }));
  return { clock, registry, acquire };
}

/** Runs a call that waits on the manual clock, moving the clock until it settles. */
async function drive<T>(clock: ManualClock, call: PromiseLike<T>): Promise<T> {
  let settled = false;
  const done = Promise.resolve(call).finally(() => (settled = true));
  for (let i = 0; i < 10_000 && !settled; i++) await clock.advanceAsync(50);
  return done;
}

/** A registry whose operations fail as scripted, to stand for other hosts and outages. */
function scripted(inner: Registry, script: { createLease?: (RegistryError | undefined)[]; listLeases?: (RegistryError | undefined)[] }): Registry {
  const creates = [...(script.createLease ?? [])];
  const lists = [...(script.listLeases ?? [])];
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "createLease") {
        return (...args: Parameters<Registry["createLease"]>): ResultAsync<unknown, RegistryError> => {
          const e = creates.shift();
          return e === undefined ? target.createLease(...args) : errAsync(e);
        };
      }
      if (prop === "listLeases") {
        return (): ResultAsync<unknown, RegistryError> => {
          const e = lists.length === 0 ? undefined : lists.shift();
          return e === undefined ? target.listLeases() : errAsync(e);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const unavailable: RegistryError = { kind: "unavailable", endpoints: ["http://127.0.0.1:2379"], message: "etcd did not answer" };

describe("acquireLease", () => {
  it("creates a new lease with flanneld's TTL and value", async () => {
    const { acquire } = setup();
    const got = (await acquire("192.0.2.1"))._unsafeUnwrap();
    expect(got).toMatchObject({ source: "new", attempts: 1, expiresAt: T0 + 86_400_000 });
    expect(got.lease).toMatchObject({ value: '{"PublicIP":"192.0.2.1","PublicIPv6":null}', ttlSeconds: 86_400 });
    expect(got.lease.key).toMatch(/^\/coreos\.com\/network\/subnets\/10\.5\.\d+\.0-24$/);
  });

  it("renews the lease this PublicIP holds, keeping its subnet and create revision", async () => {
    const { acquire } = setup();
    const first = (await acquire("192.0.2.1"))._unsafeUnwrap();
    const second = (await acquire("192.0.2.1", { ttlSeconds: 600 }))._unsafeUnwrap();
    expect(second).toMatchObject({ source: "existing", lease: { key: first.lease.key, createRevision: first.lease.createRevision, ttlSeconds: 600 } });
    expect(second.lease.modRevision).toBeGreaterThan(first.lease.modRevision);
  });

  it("keeps fields it does not know when it renews its lease", async () => {
    const { registry, acquire } = setup();
    registry.putRaw("/coreos.com/network/subnets/10.5.9.0-24", '{"PublicIP":"192.0.2.1","PublicIPv6":null,"Zone":"b"}');
    const got = (await acquire("192.0.2.1"))._unsafeUnwrap();
    expect(got.lease.value).toBe('{"PublicIP":"192.0.2.1","PublicIPv6":null,"Zone":"b"}');
    expect(got.source).toBe("reservation");
  });

  it("reuses a reservation without giving it a TTL, and never hands it to another host", async () => {
    const { registry, clock, acquire } = setup('{"Network":"10.5.0.0/24","SubnetLen":28}');
    registry.putRaw("/coreos.com/network/subnets/10.5.0.32-28", '{"PublicIP":"192.0.2.1"}');
    const got = (await acquire("192.0.2.1"))._unsafeUnwrap();
    expect(got).toMatchObject({ source: "reservation", expiresAt: null, lease: { key: "/coreos.com/network/subnets/10.5.0.32-28", ttlSeconds: null } });
    expect(got.lease.leaseId).toBe(undefined);
    const others = [];
    for (let i = 2; i <= 16; i++) others.push(await acquire(`192.0.2.${i}`));
    expect(others.filter((r) => r.isOk()).length).toBe(14);
    expect(others.at(-1)?._unsafeUnwrapErr().kind).toBe("out-of-subnets");
    clock.advance(100 * 86_400_000);
    const listing = (await registry.listLeases())._unsafeUnwrap();
    expect(listing.leases.map((l) => l.key)).toEqual(["/coreos.com/network/subnets/10.5.0.32-28"]);
  });

  it("takes the previous subnet when it is free and fits, else picks another", async () => {
    const { acquire } = setup();
    expect((await acquire("192.0.2.1", { previousSubnet: key("10.5.77.0-24") }))._unsafeUnwrap()).toMatchObject({
      source: "previous",
      lease: { key: "/coreos.com/network/subnets/10.5.77.0-24" },
    });
    const taken = (await acquire("192.0.2.2", { previousSubnet: key("10.5.77.0-24") }))._unsafeUnwrap();
    expect(taken.source).toBe("new");
    expect(taken.lease.key).not.toBe("/coreos.com/network/subnets/10.5.77.0-24");
    const outside = (await acquire("192.0.2.3", { previousSubnet: key("10.6.1.0-24") }))._unsafeUnwrap();
    expect(outside.source).toBe("new");
    const wrongLength = (await acquire("192.0.2.4", { previousSubnet: key("10.5.78.0-25") }))._unsafeUnwrap();
    expect(wrongLength.source).toBe("new");
  });

  it("deletes its own TTL lease when the config no longer covers it, and picks anew", async () => {
    const { registry, acquire } = setup();
    const old = (await acquire("192.0.2.1"))._unsafeUnwrap();
    registry.putRaw("/coreos.com/network/config", '{"Network":"10.9.0.0/16"}');
    const got = (await acquire("192.0.2.1"))._unsafeUnwrap();
    expect(got.source).toBe("new");
    expect(got.lease.key).toMatch(/^\/coreos\.com\/network\/subnets\/10\.9\./);
    expect((await registry.getLease(old.lease.subnet))._unsafeUnwrap()).toBe(undefined);
  });

  it("refuses to touch a reservation the config no longer covers", async () => {
    const { registry, acquire } = setup();
    registry.putRaw("/coreos.com/network/subnets/10.6.0.0-24", '{"PublicIP":"192.0.2.1"}');
    expect((await acquire("192.0.2.1"))._unsafeUnwrapErr()).toMatchObject({ kind: "reservation-outside-network", key: "/coreos.com/network/subnets/10.6.0.0-24" });
    expect((await registry.listLeases())._unsafeUnwrap().leases.length).toBe(1);
  });

  it("never allocates the subnet of an unreadable lease", async () => {
    const { registry, acquire } = setup('{"Network":"10.5.0.0/24","SubnetLen":26}');
    registry.putRaw("/coreos.com/network/subnets/10.5.0.64-26", "garbage");
    registry.putRaw("/coreos.com/network/subnets/10.5.0.128-26", '{"PublicIP":"192.0.2.99"}');
    const got = (await acquire("192.0.2.1"))._unsafeUnwrap();
    expect(got.lease.key).toBe("/coreos.com/network/subnets/10.5.0.192-26");
    expect((await acquire("192.0.2.2"))._unsafeUnwrapErr()).toMatchObject({ kind: "out-of-subnets", total: 3n });
  });

  it("gives 15 of 50 concurrent hosts a /28 of a /24, distinct, and the other 35 out-of-subnets", async () => {
    const { clock, registry: store } = setup('{"Network":"10.5.0.0/24","SubnetLen":28}');
    let creates = 0;
    const registry = new Proxy(store, {
      get(target, prop) {
        if (prop === "createLease") return (...args: Parameters<Registry["createLease"]>) => (creates++, target.createLease(...args));
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const results = await drive(
      clock,
      Promise.all(Array.from({ length: 50 }, (_, i) => acquireLease({ registry, attrs: host(`192.0.2.${i + 1}`), clock, random: seededRandom(i) }))),
    );
    expect(results.filter((r) => r.isOk()).length).toBe(15);
    // They listed before anyone created: many lost a race and tried again.
    expect(creates).toBeGreaterThan(15);
    expect(results.filter((r) => r.isErr()).map((r) => r._unsafeUnwrapErr().kind)).toEqual(Array(35).fill("out-of-subnets"));
    const listing = (await registry.listLeases())._unsafeUnwrap();
    expect(new Set(listing.leases.map((l) => formatSubnetKey(l.subnet))).size).toBe(15);
    expect(new Set(listing.leases.map((l) => l.value)).size).toBe(15);
  });

  it("tries a fresh pick after losing a race, then gives up after maxAttempts", async () => {
    const { clock, registry } = setup();
    const lost: RegistryError = { kind: "lease-exists", key: "/coreos.com/network/subnets/10.5.1.0-24", message: "exists" };
    const once = scripted(registry, { createLease: [lost] });
    const got = (await drive(clock, acquireLease({ registry: once, attrs: host("192.0.2.1"), clock, random: seededRandom(1) })))._unsafeUnwrap();
    expect(got.attempts).toBe(2);

    const always = scripted(registry, { listLeases: Array<RegistryError>(5).fill(unavailable) });
    const started = clock.now();
    const gaveUp = await drive(
      clock,
      acquireLease({ registry: always, attrs: host("192.0.2.2"), clock, random: seededRandom(2), maxAttempts: 5, backoff: { initialMs: 100, maxMs: 400 } }),
    );
    expect(gaveUp).toEqual(err({ kind: "gave-up", attempts: 5, lastError: unavailable, message: "no lease after 5 tries; the last failure: etcd did not answer" }));
    expect(clock.now() - started).toBeLessThanOrEqual(100 + 200 + 400 + 400 + 200);
  });

  it("reports a missing, invalid or IPv6-only config", async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const run = () => drive(clock, acquireLease({ registry, attrs: host("192.0.2.1"), clock }));
    expect((await run())._unsafeUnwrapErr().kind).toBe("config-not-found");
    registry.putRaw("/coreos.com/network/config", '{"Network":"10.5.0.0/16","SubnetLen":31}');
    expect((await run())._unsafeUnwrapErr()).toMatchObject({ kind: "invalid-config", problems: [{ kind: "subnet-len-too-long" }] });
    registry.putRaw("/coreos.com/network/config", '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fc00::/48"}');
    expect((await run())._unsafeUnwrapErr().kind).toBe("ipv6-only-network");
  });

  it("leases both families on a dual-stack network", async () => {
    const { acquire } = setup('{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48"}');
    const got = (await acquire("192.0.2.1", { attrs: { ...host("192.0.2.1"), backendType: "vxlan", backendData: '{"VNI":1}' as RawJson } }))._unsafeUnwrap();
    expect(got.lease.key).toMatch(/^\/coreos\.com\/network\/subnets\/10\.5\.\d+\.0-24&fc00:0:0:[0-9a-f]+::-64$/);
    expect(got.lease.value).toBe('{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1}}');
  });

  it("stops waiting when aborted", async () => {
    const { clock, registry } = setup();
    const controller = new AbortController();
    const pending = acquireLease({ registry: scripted(registry, { listLeases: [unavailable] }), attrs: host("192.0.2.1"), clock, signal: controller.signal });
    await clock.advanceAsync(0);
    controller.abort();
    expect((await pending)._unsafeUnwrapErr()).toEqual({ kind: "aborted", message: "acquiring a lease was aborted" });
  });
});

describe("subnetFitsConfig", () => {
  const v4 = parseNetworkConfig('{"Network":"10.5.0.0/16","SubnetMin":"10.5.10.0","SubnetMax":"10.5.20.0"}')._unsafeUnwrap();
  const dual = parseNetworkConfig('{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fc00::/48"}')._unsafeUnwrap();
  it.each([
    ["10.5.10.0-24", true],
    ["10.5.20.0-24", true],
    ["10.5.9.0-24", false],
    ["10.5.21.0-24", false],
    ["10.5.10.0-25", false],
    ["10.6.10.0-24", false],
    ["10.5.10.0-24&fc00::-64", false],
  ])("%s in 10.5.10.0..10.5.20.0: %s", (k, fits) => {
    expect(subnetFitsConfig(v4, key(k))).toBe(fits);
  });
  it.each([
    ["10.5.10.0-24&fc00:0:0:1::-64", true],
    ["10.5.10.0-24", false],
    ["10.5.10.0-24&fc00:0:0:1::-65", false],
    ["10.5.10.0-24&fc01::-64", false],
  ])("%s on a dual-stack network: %s", (k, fits) => {
    expect(subnetFitsConfig(dual, key(k))).toBe(fits);
  });
});
