// Etcd3Registry revokes the etcd lease a key was on when it writes the key
// again on a new one: checked against a scripted stand-in for the etcd3
// client (the rest of the package is the real one).
import { ok } from "neverthrow";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseIp4 } from "../subnet/ip.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { Etcd3Registry } from "./etcd3-registry.ts";

const fake = vi.hoisted(() => ({
  calls: [] as { method: string; request: unknown }[],
  txn: { succeeded: true, previousLease: undefined as string | undefined },
}));

vi.mock("etcd3", async (importOriginal) => {
  const actual = await importOriginal<Record<string, unknown>>();
  const record = (method: string, request: unknown, answer: unknown): Promise<unknown> => {
    fake.calls.push({ method, request });
    return Promise.resolve(answer);
  };
  class ScriptedEtcd3 {
    readonly kv = {
      txn: (r: unknown) =>
        record("txn", r, {
          succeeded: fake.txn.succeeded,
          header: { revision: "9" },
          responses: fake.txn.succeeded
            ? [{ response_put: { prev_kv: fake.txn.previousLease === undefined ? undefined : { create_revision: "5", lease: fake.txn.previousLease } } }]
            : [],
        }),
    };
    readonly leaseClient = {
      leaseGrant: (r: unknown) => record("leaseGrant", r, { ID: "77", TTL: "60" }),
      leaseRevoke: (r: unknown) => record("leaseRevoke", r, {}),
    };
    close(): void {}
  }
  return { ...actual, Etcd3: ScriptedEtcd3 };
});

afterEach(() => {
  fake.calls.length = 0;
  fake.txn = { succeeded: true, previousLease: undefined };
});

const subnet = parseSubnetKey("10.5.7.0-24")._unsafeUnwrap();
const attrs = { publicIp: parseIp4("198.18.0.7")._unsafeUnwrap() };
const revoked = (): unknown[] => fake.calls.filter((c) => c.method === "leaseRevoke").map((c) => c.request);

describe("Etcd3Registry: the etcd lease a write replaces", () => {
  it.each(
    [
      { name: "a renewal over a key on etcd lease 41: 41 is revoked", write: "update", ttlSeconds: 60, previousLease: "41", succeeded: true, revoked: [{ ID: "41" }] },
      { name: "a new key: nothing to revoke", write: "create", ttlSeconds: 60, previousLease: undefined, succeeded: true, revoked: [] },
      { name: "a key that had no etcd lease (a reservation): nothing to revoke", write: "update", ttlSeconds: 60, previousLease: "0", succeeded: true, revoked: [] },
      {
        name: "a key made a reservation (no TTL): its old etcd lease is revoked",
        write: "update",
        ttlSeconds: null,
        previousLease: "41",
        succeeded: true,
        revoked: [{ ID: "41" }],
      },
      {
        name: "a write that lost its comparison: only its own new etcd lease is revoked",
        write: "update",
        ttlSeconds: 60,
        previousLease: "41",
        succeeded: false,
        revoked: [{ ID: "77" }],
      },
    ] as const,
  )("$name", async ({ write, ttlSeconds, previousLease, succeeded, revoked: expected }) => {
    fake.txn = { succeeded, previousLease };
    const registry = new Etcd3Registry({ endpoints: ["http://127.0.0.1:2379"] });
    const written = write === "create" ? await registry.createLease(subnet, attrs, { ttlSeconds }) : await registry.updateLease(subnet, attrs, { ttlSeconds, ifCreateRevision: 5 });
    expect(written.isOk()).toBe(succeeded);
    if (succeeded) expect(written.map((w) => [w.leaseId, w.createRevision])).toEqual(ok([ttlSeconds === null ? undefined : "77", previousLease === undefined ? 9 : 5]));
    expect(revoked()).toEqual(expected);
    await registry.close();
  });
});
