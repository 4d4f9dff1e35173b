// The hostile-input suite's etcd part: the etcd commands of the built CLI
// against endpoints that are not etcd or not there, and against a real etcd
// (the test kit's) holding hostile keys and values. After every case, etcd
// holds exactly what it held before: every key, value and revision, and
// the same leases. Needs `npm run build` and a Docker engine.
import { existsSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";
import { ETCD_CASES, HOSTILE_ETCD_CONTENT } from "../hostile/cases-etcd.ts";
import { type CaseContext, checkCase, CLI, type HostileCase } from "../hostile/harness.ts";

let etcd: EtcdNode | undefined;
let junk: Server | undefined;
let http: HttpServer | undefined;
const junkSockets = new Set<Socket>();
let shared: Omit<CaseContext, "dir"> = {};

const listen = async (server: Server | HttpServer): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
};

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  etcd = await startEtcd();
  const client = new Etcd3({ hosts: [...etcd.endpoints] });
  try {
    for (const [key, value] of HOSTILE_ETCD_CONTENT) await client.put(key).value(Buffer.from(value));
  } finally {
    client.close();
  }
  const closed = createServer();
  const closedPort = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  junk = createServer((socket) => {
    junkSockets.add(socket);
    socket.on("close", () => junkSockets.delete(socket));
    socket.end("SSH-2.0-not-etcd\r\n\u0000\u0001\u0002junk");
  });
  http = createHttpServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("hello, not etcd\n"));
  shared = { etcd: etcd.endpoint, closedPort, tcpPort: await listen(junk), httpPort: await listen(http) };
}, 600_000);

afterAll(async () => {
  // close() waits for open connections: a client that keeps its side open
  // (gRPC does) would hold it up, as it once did for the whole 10 minutes.
  for (const socket of junkSockets) socket.destroy();
  http?.closeAllConnections();
  await new Promise<void>((resolve) => (junk === undefined ? resolve() : junk.close(() => resolve())));
  await new Promise<void>((resolve) => (http === undefined ? resolve() : http.close(() => resolve())));
  await etcd?.stop();
});

/** Every key with its value and revisions, and the leases: what a case must leave as it was. */
async function etcdState(): Promise<string> {
  const node = etcd;
  if (node === undefined) throw new Error("no etcd");
  const kvs = await node.etcdctl(["get", "", "--prefix", "-w", "json"]);
  const leases = await node.etcdctl(["lease", "list"]);
  const parsed = JSON.parse(kvs.stdout) as { header: { revision: number }; kvs?: unknown[] };
  return JSON.stringify({ revision: parsed.header.revision, kvs: parsed.kvs ?? [], leases: leases.stdout });
}

describe("hostile endpoints and etcd contents", { timeout: 120_000 }, () => {
  const check = async (c: HostileCase): Promise<void> => {
    const before = await etcdState();
    expect(await checkCase(c, shared)).toEqual([]);
    expect(await etcdState()).toBe(before);
  };
  // One at a time: a case that changed etcd must not be blamed on another.
  it.each(ETCD_CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => check(c));
});
