// What the etcd registry says when a real etcd refuses a request: each size
// limit by name, a full database by its alarm, an unreachable endpoint
// without gRPC's internals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";

// A config of `bytes` bytes that is still JSON.
const sized = (bytes: number): string => {
  const head = '{"Network":"10.5.0.0/16","Pad":"';
  return `${head}${"x".repeat(bytes - head.length - 2)}"}`;
};
const CONFIG = "/coreos.com/network/config";

describe("etcd with --max-request-bytes=65536", () => {
  let etcd: EtcdNode;
  let registry: Etcd3Registry;
  beforeAll(async () => {
    etcd = await startEtcd({ extraArgs: ["--max-request-bytes=65536"] });
    registry = Etcd3Registry.open({ endpoints: etcd.endpoints })._unsafeUnwrap();
  });
  afterAll(async () => {
    await registry?.close();
    await etcd?.stop();
  });

  it("takes a write under the limit", async () => {
    expect((await registry.putConfig(sized(60_000), { overwrite: true })).isOk()).toBe(true);
  });

  it("names --max-request-bytes for a write over it (etcd answers INVALID_ARGUMENT)", async () => {
    expect((await registry.putConfig(sized(100_000), { overwrite: true }))._unsafeUnwrapErr()).toEqual({
      kind: "store-error",
      message: `etcd refused the write of ${CONFIG} (100026 bytes) as too large: it is over etcd's request size limit (--max-request-bytes, 1.5 MiB by default)`,
    });
  });

  it("names gRPC's message limit for a write over that too (etcd's gRPC server answers RESOURCE_EXHAUSTED)", async () => {
    expect((await registry.putConfig(sized(700_000), { overwrite: true }))._unsafeUnwrapErr()).toEqual({
      kind: "store-error",
      message: `etcd refused the write of ${CONFIG} (700026 bytes) as too large: it is over etcd's gRPC message limit (--max-request-bytes, 1.5 MiB by default, plus 512 KiB)`,
    });
  });
});

describe("etcd whose database is full", () => {
  let etcd: EtcdNode;
  let registry: Etcd3Registry;
  beforeAll(async () => {
    // etcd raises NOSPACE once its database outgrows the quota; 60 KB values fill 2 MiB in a few dozen writes.
    etcd = await startEtcd({ extraArgs: ["--quota-backend-bytes=2097152"] });
    registry = Etcd3Registry.open({ endpoints: etcd.endpoints, prefix: "/fill" })._unsafeUnwrap();
  });
  afterAll(async () => {
    await registry?.close();
    await etcd?.stop();
  });

  it("says so, with the alarm, and how to recover", async () => {
    let refused: string | undefined;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      const put = await registry.putConfig(sized(60_000), { overwrite: true });
      if (put.isErr()) refused = put.error.message;
    }
    expect(refused).toBe(
      "etcd refused the write of /fill/config: its database is full (alarm NOSPACE: it reached --quota-backend-bytes, 2 GiB by default); compact and defragment etcd, then clear the alarm (etcdctl alarm disarm)",
    );
  });
});

describe("an endpoint where nothing listens", () => {
  it("says it cannot be reached, without gRPC's words", async () => {
    const registry = Etcd3Registry.open({ endpoints: ["http://127.0.0.1:1"], requestTimeoutMs: 2_000 })._unsafeUnwrap();
    const got = await registry.getConfig();
    await registry.close();
    expect(got._unsafeUnwrapErr()).toMatchObject({ kind: "unavailable", endpoints: ["http://127.0.0.1:1"] });
    expect(got._unsafeUnwrapErr().message).toMatch(/^etcd at http:\/\/127\.0\.0\.1:1 did not answer: .* \(reading \/coreos\.com\/network\/config\); check --etcd-endpoints/);
    expect(got._unsafeUnwrapErr().message).not.toMatch(/Resolution note|circuit breaker|ECONNREFUSED|UNAVAILABLE/);
  });
});
