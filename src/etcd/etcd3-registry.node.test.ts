// Etcd3Registry against a scripted stand-in for the etcd3 client: what it
// sends, and what it makes of each answer and each error. The real client's
// error classes are kept, so the errors are the ones etcd3 raises.
/* eslint-disable no-restricted-imports -- the test of the etcd adapter imports what the adapter imports */
import { EventEmitter } from "node:events";
import { GRPCDeadlineExceededError, GRPCUnavailableError, EtcdPermissionDeniedError } from "etcd3";
import { err } from "neverthrow";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseIp4 } from "../subnet/ip.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { Etcd3Registry } from "./etcd3-registry.ts";

type Handler = (request: unknown) => Promise<unknown>;

const fake = vi.hoisted(() => {
  const state = {
    calls: [] as { method: string; request: unknown }[],
    handlers: new Map<string, Handler>(),
    options: [] as unknown[],
  };
  const call = (method: string, request: unknown): Promise<unknown> => {
    state.calls.push({ method, request });
    const handler = state.handlers.get(method);
    return handler === undefined ? Promise.reject(new Error(`test: ${method} not scripted`)) : handler(request);
  };
  return { state, call };
});

vi.mock("etcd3", async (importOriginal) => {
  const actual = await importOriginal<typeof import("etcd3")>();
  class FakeEtcd3 {
    readonly kv = { range: (r: unknown) => fake.call("range", r), txn: (r: unknown) => fake.call("txn", r) };
    readonly leaseClient = {
      leaseGrant: (r: unknown) => fake.call("leaseGrant", r),
      leaseRevoke: (r: unknown) => fake.call("leaseRevoke", r),
      leaseTimeToLive: (r: unknown) => fake.call("leaseTimeToLive", r),
    };
    readonly maintenance = { alarm: (r: unknown) => fake.call("alarm", r) };
    constructor(options: unknown) {
      fake.state.options.push(options);
    }
    watch() {
      const emitter = Object.assign(new EventEmitter(), { cancel: () => Promise.resolve() });
      const builder = { prefix: () => builder, startRevision: () => builder, watcher: () => emitter };
      return builder;
    }
    close(): void {}
  }
  return { ...actual, Etcd3: FakeEtcd3 };
});

afterEach(() => {
  fake.state.calls.length = 0;
  fake.state.handlers.clear();
  fake.state.options.length = 0;
});

const script = (method: string, handler: Handler): void => void fake.state.handlers.set(method, handler);
const methods = (): string[] => fake.state.calls.map((c) => c.method);
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

const subnet = parseSubnetKey("10.5.7.0-24")._unsafeUnwrap();
const attrs = { publicIp: parseIp4("198.18.0.7")._unsafeUnwrap() };
const endpoints = ["http://127.0.0.1:2379"];

describe("Etcd3Registry: the etcd lease of a write", () => {
  const granted = (): Promise<unknown> => Promise.resolve({ ID: "77", TTL: "60" });
  it.each([
    { name: "a renewal that timed out (it may have committed)", error: new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED: Deadline exceeded"), kind: "unavailable", revoked: false },
    { name: "a renewal whose connection dropped (it may have committed)", error: new GRPCUnavailableError("14 UNAVAILABLE: Connection dropped"), kind: "unavailable", revoked: false },
    { name: "a renewal etcd refused", error: new EtcdPermissionDeniedError("7 PERMISSION_DENIED: etcdserver: permission denied"), kind: "permission-denied", revoked: true },
  ])("$name: revoked $revoked", async ({ error, kind, revoked }) => {
    script("leaseGrant", granted);
    script("txn", () => Promise.reject(error));
    script("leaseRevoke", () => Promise.resolve({}));
    const registry = new Etcd3Registry({ endpoints });
    const written = await registry.updateLease(subnet, attrs, { ttlSeconds: 60, ifCreateRevision: 5 });
    await tick();
    expect(written.isErr() && written.error.kind).toBe(kind);
    expect(methods()).toEqual(revoked ? ["leaseGrant", "txn", "leaseRevoke"] : ["leaseGrant", "txn"]);
    await registry.close();
  });

  it("revokes the lease of a renewal whose comparison failed (the key is gone)", async () => {
    script("leaseGrant", granted);
    script("txn", () => Promise.resolve({ succeeded: false, header: { revision: "9" }, responses: [] }));
    script("leaseRevoke", () => Promise.resolve({}));
    const registry = new Etcd3Registry({ endpoints });
    const written = await registry.updateLease(subnet, attrs, { ttlSeconds: 60, ifCreateRevision: 5 });
    await tick();
    expect(written).toEqual(
      err({
        kind: "lease-changed",
        key: "/coreos.com/network/subnets/10.5.7.0-24",
        message: "/coreos.com/network/subnets/10.5.7.0-24 is no longer the lease created at revision 5: it was deleted, or deleted and created again",
      }),
    );
    expect(methods()).toEqual(["leaseGrant", "txn", "leaseRevoke"]);
    expect(fake.state.calls[2]?.request).toEqual({ ID: "77" });
    await registry.close();
  });

  it("keeps the lease of a renewal that committed", async () => {
    script("leaseGrant", granted);
    script("txn", () => Promise.resolve({ succeeded: true, header: { revision: "9" }, responses: [{ response_put: { prev_kv: { create_revision: "5" } } }] }));
    const registry = new Etcd3Registry({ endpoints });
    const written = await registry.updateLease(subnet, attrs, { ttlSeconds: 60, ifCreateRevision: 5 });
    await tick();
    expect(written.map((w) => [w.leaseId, w.createRevision, w.modRevision, w.ttlSeconds])._unsafeUnwrap()).toEqual(["77", 5, 9, 60]);
    expect(methods()).toEqual(["leaseGrant", "txn"]);
    await registry.close();
  });
});
