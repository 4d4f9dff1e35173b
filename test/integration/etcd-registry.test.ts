// The registry contract against a real etcd (the same cases the unit tests
// run against the in-memory registry), and what only a real etcd can show:
// flanneld's bytes read back with etcdctl, a watch that resumes from the last
// revision it delivered after its connection is cut, an unreachable etcd
// reported within a bounded time.
import { once } from "node:events";
import { createServer, type Server, Socket } from "node:net";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import type { LeaseWatchEvent } from "../../src/etcd/registry.ts";
import { registryContract } from "../../src/testing/registry-contract.ts";
import { parseIp4 } from "../../src/subnet/ip.ts";
import { parseSubnetKey } from "../../src/subnet/subnet-key.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";

let etcd: EtcdNode;
let raw: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: [...etcd.endpoints] });
});

afterAll(async () => {
  raw?.close();
  await etcd?.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const attrs = (ip: string) => ({ publicIp: parseIp4(ip)._unsafeUnwrap() });
const subnet = (s: string) => parseSubnetKey(s)._unsafeUnwrap();

describe("Etcd3Registry passes the registry contract", () => {
  registryContract.forEach((c, i) => {
    it(c.name, async () => {
      const prefix = `/contract-${i}/coreos.com/network`;
      const registry = new Etcd3Registry({ endpoints: etcd.endpoints, prefix });
      const other = new Etcd3Registry({ endpoints: etcd.endpoints, prefix });
      onTestFinished(async () => void (await Promise.all([registry.close(), other.close()])));
      await c.run(
        {
          registry,
          other,
          putRaw: async (key, value) => void (await raw.put(key).value(value)),
          passTime: sleep,
          compact: async (revision) => void (await raw.kv.compact({ revision, physical: true })),
        },
        expect,
      );
    });
  });
});

describe("Etcd3Registry against etcd", () => {
  it("writes exactly flanneld's bytes, as etcdctl reads them", async () => {
    const registry = new Etcd3Registry({ endpoints: etcd.endpoints, prefix: "/bytes/coreos.com/network" });
    onTestFinished(() => registry.close());
    const written = (await registry.createLease(subnet("10.5.34.0-24"), attrs("192.0.2.1"), { ttlSeconds: 60 }))._unsafeUnwrap();
    const get = await etcd.etcdctl(["get", "/bytes/coreos.com/network/subnets/10.5.34.0-24", "--print-value-only"]);
    expect(get).toMatchObject({ exitCode: 0, stdout: '{"PublicIP":"192.0.2.1","PublicIPv6":null}\n' });
    const ttl = await etcd.etcdctl(["lease", "timetolive", BigInt(written.leaseId!).toString(16)]);
    expect(ttl.stdout).toMatch(/granted with TTL\(60s\)/);
  });

  it("reports an unreachable etcd as unavailable within a bounded time", async () => {
    const closedPort = await freePort();
    const registry = new Etcd3Registry({ endpoints: [`http://127.0.0.1:${closedPort}`], requestTimeoutMs: 1_000 });
    onTestFinished(() => registry.close());
    const started = Date.now();
    const result = await registry.listLeases();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "unavailable", endpoints: [`http://127.0.0.1:${closedPort}`] });
    expect(result._unsafeUnwrapErr().message).toContain(`etcd at http://127.0.0.1:${closedPort} did not answer`);
  });

  it("reports a host that accepts connections but never answers within a bounded time", async () => {
    const silent = createServer(() => undefined);
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    onTestFinished(() => void silent.close());
    const port = (silent.address() as { port: number }).port;
    const registry = new Etcd3Registry({ endpoints: [`http://127.0.0.1:${port}`], requestTimeoutMs: 1_000 });
    onTestFinished(() => registry.close());
    const started = Date.now();
    const result = await registry.getConfig();
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result._unsafeUnwrapErr().kind).toBe("unavailable");
  });

  it("a watch cut off from etcd resumes from the last revision it delivered: no change lost, none twice", async () => {
    const prefix = "/resume/coreos.com/network";
    const proxy = await tcpProxy(new URL(etcd.endpoint).port);
    onTestFinished(() => proxy.close());
    const watching = new Etcd3Registry({ endpoints: [`http://127.0.0.1:${proxy.port}`], prefix, maxWatchBackoffMs: 500 });
    const writer = new Etcd3Registry({ endpoints: etcd.endpoints, prefix });
    onTestFinished(async () => void (await Promise.all([watching.close(), writer.close()])));
    const events: LeaseWatchEvent[] = [];
    const errors: string[] = [];
    const watch = watching.watchLeases({ onEvent: (e) => events.push(e), onError: (e) => errors.push(e.kind) });
    onTestFinished(() => watch.close());
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(1);

    const keys = ["10.5.1.0-24", "10.5.2.0-24", "10.5.3.0-24", "10.5.4.0-24"];
    const first = (await writer.createLease(subnet(keys[0]!), attrs("192.0.2.1"), { ttlSeconds: 60 }))._unsafeUnwrap();
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(2);

    proxy.cut();
    const during: number[] = [];
    for (const k of keys.slice(1)) during.push((await writer.createLease(subnet(k), attrs("192.0.2.1"), { ttlSeconds: 60 }))._unsafeUnwrap().modRevision);
    await expect.poll(() => errors.length, { timeout: 30_000 }).toBeGreaterThan(0);
    proxy.restore();

    await expect.poll(() => events.length, { timeout: 30_000 }).toBe(5);
    await sleep(500);
    expect(events.slice(1).map((e) => (e.kind === "put" ? e.revision : e.kind))).toEqual([first.modRevision, ...during]);
    expect(errors.every((k) => k === "unavailable")).toBe(true);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** A TCP proxy on 127.0.0.1 whose connections the test can cut and allow again (fault injection without touching etcd). */
async function tcpProxy(targetPort: string): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  let open = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    upstream.connect(Number(targetPort), "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as { port: number }).port,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      open = true;
    },
    close: async () => {
      open = false;
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}
