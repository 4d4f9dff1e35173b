// Etcd3Registry against a scripted stand-in for the etcd3 client: what it
// sends, and what it makes of each answer and each error. The real client's
// error classes are kept, so the errors are the ones etcd3 raises.
/* eslint-disable no-restricted-imports -- the test of the etcd adapter imports what the adapter imports */
import { EventEmitter } from "node:events";
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCInvalidArgumentError,
  GRPCNotImplementedError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
} from "etcd3";
import { err, ok } from "neverthrow";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseIp4 } from "../subnet/ip.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { redactEndpoint } from "./_etcd3-failure.ts";
import { Etcd3Registry, type Etcd3RegistryOptions } from "./etcd3-registry.ts";

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
    {
      name: "a renewal that timed out (it may have committed)",
      error: new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED: Deadline exceeded"),
      kind: "unavailable",
      revoked: false,
    },
    {
      name: "a renewal whose connection dropped (it may have committed)",
      error: new GRPCUnavailableError("14 UNAVAILABLE: Connection dropped"),
      kind: "unavailable",
      revoked: false,
    },
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

const E = "http://127.0.0.1:2379";
const CHECK = "check --etcd-endpoints, that etcd runs and has a leader, and the TLS settings";
const LIST = "listing the leases under /coreos.com/network/subnets/";
/** An error as cockatiel's open circuit breaker raises it (etcd3 passes it on). */
const brokenCircuit = (): Error => Object.assign(new Error("Execution prevented because the circuit breaker is open"), { isBrokenCircuitError: true });
/** A status as grpc-js hands it to a watch stream, before etcd3 gives it a class. */
const grpcStatus = (code: number, message: string): Error => Object.assign(new Error(message), { code, details: message.replace(/^\d+ \w+: /, "") });

describe("Etcd3Registry: failures of a read, by gRPC code", () => {
  it.each([
    {
      raw: new GRPCUnavailableError("14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: "),
      want: { kind: "unavailable", endpoints: [E], message: `etcd at ${E} did not answer: no connection, or etcd has no leader (${LIST}); ${CHECK}` },
    },
    {
      raw: grpcStatus(14, "14 UNAVAILABLE: Connection dropped"),
      want: { kind: "unavailable", endpoints: [E], message: `etcd at ${E} did not answer: no connection, or etcd has no leader (${LIST}); ${CHECK}` },
    },
    {
      raw: new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED: Deadline exceeded after 6.132s,name resolution: 1.868s,LB pick: 2.916s,remote_addr=127.0.0.1:2379"),
      want: { kind: "unavailable", endpoints: [E], message: `etcd at ${E} did not answer: nothing within 5 s (${LIST}); ${CHECK}` },
    },
    {
      raw: brokenCircuit(),
      want: {
        kind: "unavailable",
        endpoints: [E],
        message: `etcd at ${E} did not answer: its last requests to every endpoint failed, and the client waits 5 s before it asks again (${LIST}); ${CHECK}`,
      },
    },
    {
      raw: new GRPCResourceExhastedError("8 RESOURCE_EXHAUSTED: Received message larger than max (70000000 vs 67108864)"),
      want: { kind: "store-error", message: `etcd's answer to ${LIST} is larger than this client accepts (64 MiB, its gRPC receive limit)` },
    },
    {
      raw: new EtcdPermissionDeniedError("7 PERMISSION_DENIED: etcdserver: permission denied"),
      want: { kind: "permission-denied", message: `etcd refused the request: etcdserver: permission denied (${LIST}); check --etcd-username/--etcd-password and the user's roles` },
    },
    {
      raw: new EtcdAuthenticationFailedError("3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password"),
      want: {
        kind: "permission-denied",
        message: `etcd refused the request: authentication failed, the user name or password is wrong (${LIST}); check --etcd-username/--etcd-password`,
      },
    },
    {
      raw: new GRPCInvalidArgumentError("3 INVALID_ARGUMENT: etcdserver: user name is empty"),
      want: { kind: "store-error", message: `etcd refused ${LIST} (gRPC INVALID_ARGUMENT): etcdserver: user name is empty` },
    },
    {
      raw: new GRPCNotImplementedError("12 UNIMPLEMENTED: Received HTTP status code 404"),
      want: { kind: "store-error", message: `the server at ${E} does not serve etcd's v3 API (gRPC UNIMPLEMENTED) while ${LIST}; check --etcd-endpoints` },
    },
    {
      raw: new GRPCInternalError("13 INTERNAL: Received RST_STREAM with code 2 triggered by internal client error: Protocol error"),
      want: { kind: "store-error", message: `etcd refused ${LIST} (gRPC INTERNAL)` },
    },
    { raw: new ClientClosedError("KV"), want: { kind: "closed", message: "the registry is closed" } },
    { raw: new Error("something unexpected"), want: { kind: "store-error", message: `etcd client failed while ${LIST}: something unexpected` } },
  ])("$raw.message", async ({ raw, want }) => {
    script("range", () => Promise.reject(raw));
    const registry = new Etcd3Registry({ endpoints: [E] });
    expect(await registry.listLeases()).toEqual(err(want));
    await registry.close();
  });

  it("never shows gRPC's or the circuit breaker's own words", async () => {
    const registry = new Etcd3Registry({ endpoints: [E] });
    for (const raw of [new GRPCUnavailableError("14 UNAVAILABLE: No connection established. Resolution note: x"), brokenCircuit()]) {
      script("range", () => Promise.reject(raw));
      const message = (await registry.getConfig())._unsafeUnwrapErr().message;
      expect(message).not.toMatch(/Resolution note|circuit breaker|No connection established/);
    }
    await registry.close();
  });
});

describe("Etcd3Registry: RESOURCE_EXHAUSTED and INVALID_ARGUMENT on a write say which limit", () => {
  const CONFIG = "/coreos.com/network/config";
  const sized = (bytes: number): string => {
    const head = '{"Network":"10.5.0.0/16","Pad":"';
    return `${head}${"x".repeat(bytes - head.length - 2)}"}`;
  };
  const nospace = () => Promise.resolve({ alarms: [{ memberID: "1", alarm: "Nospace" }] });
  const noAlarm = () => Promise.resolve({ alarms: [] });
  it.each([
    {
      name: "a request over etcd's --max-request-bytes",
      bytes: 100_000,
      raw: new GRPCInvalidArgumentError("3 INVALID_ARGUMENT: etcdserver: request is too large"),
      alarms: undefined,
      want: {
        kind: "store-error",
        message: `etcd refused the write of ${CONFIG} (100026 bytes) as too large: it is over etcd's request size limit (--max-request-bytes, 1.5 MiB by default)`,
      },
    },
    {
      name: "a small write refused for a missing user",
      bytes: 100,
      raw: new GRPCInvalidArgumentError("3 INVALID_ARGUMENT: etcdserver: user name is empty"),
      alarms: undefined,
      want: { kind: "store-error", message: `etcd refused writing ${CONFIG} (gRPC INVALID_ARGUMENT): etcdserver: user name is empty` },
    },
    {
      name: "a request over gRPC's message limit",
      bytes: 2_200_000,
      raw: new GRPCResourceExhastedError("8 RESOURCE_EXHAUSTED: grpc: received message larger than max (2200044 vs. 2097152)"),
      alarms: noAlarm,
      want: {
        kind: "store-error",
        message: `etcd refused the write of ${CONFIG} (2200026 bytes) as too large: it is over etcd's gRPC message limit (--max-request-bytes, 1.5 MiB by default, plus 512 KiB)`,
      },
    },
    {
      name: "a full database",
      bytes: 100,
      raw: new GRPCResourceExhastedError("8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded"),
      alarms: nospace,
      want: {
        kind: "store-error",
        message:
          `etcd refused the write of ${CONFIG}: its database is full (alarm NOSPACE: it reached --quota-backend-bytes, 2 GiB by default); compact and defragment etcd, then clear the alarm (etcdctl alarm disarm)`,
      },
    },
    {
      name: "a full database, also for a large write",
      bytes: 2_200_000,
      raw: new GRPCResourceExhastedError("8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded"),
      alarms: nospace,
      want: {
        kind: "store-error",
        message:
          `etcd refused the write of ${CONFIG}: its database is full (alarm NOSPACE: it reached --quota-backend-bytes, 2 GiB by default); compact and defragment etcd, then clear the alarm (etcdctl alarm disarm)`,
      },
    },
    {
      name: "too many requests",
      bytes: 100,
      raw: new GRPCResourceExhastedError("8 RESOURCE_EXHAUSTED: etcdserver: too many requests"),
      alarms: noAlarm,
      want: {
        kind: "unavailable",
        endpoints: [E],
        message: `etcd at ${E} did not answer: it is overloaded, with too many requests pending (writing ${CONFIG}); it is tried again later`,
      },
    },
    {
      name: "too many requests, and the alarms cannot be read",
      bytes: 100,
      raw: new GRPCResourceExhastedError("8 RESOURCE_EXHAUSTED: etcdserver: too many requests"),
      alarms: () => Promise.reject(new GRPCUnavailableError("14 UNAVAILABLE: x")),
      want: {
        kind: "unavailable",
        endpoints: [E],
        message: `etcd at ${E} did not answer: it is overloaded, with too many requests pending (writing ${CONFIG}); it is tried again later`,
      },
    },
  ])("$name", async ({ bytes, raw, alarms, want }) => {
    script("txn", () => Promise.reject(raw));
    if (alarms !== undefined) script("alarm", alarms);
    const registry = new Etcd3Registry({ endpoints: [E] });
    const text = sized(bytes);
    expect(text.length).toBe(bytes);
    expect(await registry.putConfig(text, { overwrite: true })).toEqual(err(want));
    expect(methods()).toEqual(alarms === undefined ? ["txn"] : ["txn", "alarm"]);
    await registry.close();
  });
});

// A throwaway self-signed certificate and keys for the TLS checks (P-256, no use outside these tests).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAT+gAwIBAgIUYn/6BQX4apYiHMQ3N90rH+y+sCowCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWZmxhbm5lbC10cyB0ZXN0IGNsaWVudDAgFw0yNjEyMDIwMDA5
MzlaGA8yMTI2MTEwODAwMDkzOVowITEfMB0GA1UEAwwWZmxhbm5lbC10cyB0ZXN0
IGNsaWVudDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBYd8ynjEqh2iEgZSCId
Ou/2Mnyeiwy+xm783yPctXtgfurK4Fh02lpmrUxRJg4P0AIfQJuL0vgsBwpX6+wU
AM+jUzBRMB0GA1UdDgQWBBRc8fsjwpkom2OLvS9zhAL2Qtn1NTAfBgNVHSMEGDAW
gBRc8fsjwpkom2OLvS9zhAL2Qtn1NTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49
BAMCA0kAMEYCIQCYb6Eew7oyJHncZGIWiyXFqD5zue1d20abBfOsNyVZpQIhAIep
vb8i4wR9sv8kztmX64L4rEnYyakBBERdLvS6xZ5T
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgD4MhGLQvBooZBxY4
qZPM9syDTN6s5HUOokGH8RTnqeKhRANCAAQWHfMp4xKodohIGUgiHTrv9jJ8nosM
vsZu/N8j3LV7YH7qyuBYdNpaZq1MUSYOD9ACH0Cbi9L4LAcKV+vsFADP
-----END PRIVATE KEY-----
`;
const OTHER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg2iZ3CKLq0dLc72mY
aX//W2+/W+VckXNPI72IEDgWs5yhRANCAATL0AWnKck0D7bcGPnlqK+eDgcizGKU
gVIbFavxPHarlWngP7ueW/9g2qPq+Yaf1Aj8LGlktugKZqUVtOWx+G8D
-----END PRIVATE KEY-----
`;
const ENCRYPTED_KEY = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjiaYL3kkSJSAICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEIlKoUgP4fWFxbViBXjBUA0EgZBL
h6yUWUhDBbIxL5oWykWSSmYdnbFySeFnPvlyX5ba9oQmWKbEKsJaNHNIvrPDenfq
mTMNGsBZ8dJ2Oo9mCyUYX9gMv6Cwlnmm0QqgLFMomuZ8vCk8reMKnDGFtx9kFC0D
ieVrL6DW/5/VC0s/EDjgdwlPzDBeQL7El6OVQlzT2qK/0uzYwMfjdHiJTVUHufY=
-----END ENCRYPTED PRIVATE KEY-----
`;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const DER = Uint8Array.from(Buffer.from(CERT.split("\n").filter((l) => !l.startsWith("-----")).join(""), "base64"));

describe("Etcd3Registry.open: options checked before anything is set up", () => {
  const files = { ca: "/etc/flannel/ca.pem", cert: "/etc/flannel/client.pem", key: "/etc/flannel/client-key.pem" };
  const tlsError = (field: "ca" | "cert" | "key", message: string) => err({ kind: "invalid-tls", field, file: files[field], message });
  it.each<{ name: string; options: Etcd3RegistryOptions; want: unknown }>([
    { name: "no endpoint", options: { endpoints: [] }, want: err({ kind: "invalid-endpoint", endpoint: "", message: "at least one etcd endpoint is needed" }) },
    {
      name: "a password in an endpoint",
      options: { endpoints: [E, "http://flannel:s3cret@10.0.0.1:2379"] },
      want: err({
        kind: "invalid-endpoint",
        endpoint: "http://***@10.0.0.1:2379",
        message: 'etcd endpoint "http://***@10.0.0.1:2379" carries a user name or password: give them as the registry\'s username and password (--etcd-username, --etcd-password)',
      }),
    },
    {
      name: "an endpoint that is no URL",
      options: { endpoints: ["127.0.0.1:2379"] },
      want: err({ kind: "invalid-endpoint", endpoint: "127.0.0.1:2379", message: 'etcd endpoint "127.0.0.1:2379" is not a URL; give http://host:port or https://host:port' }),
    },
    {
      name: "no port",
      options: { endpoints: ["http://etcd"] },
      want: err({ kind: "invalid-endpoint", endpoint: "http://etcd", message: 'etcd endpoint "http://etcd" has no port (etcd\'s is 2379)' }),
    },
    {
      name: "a CA file in DER",
      options: { tls: { ca: DER }, tlsFiles: files },
      want: tlsError(
        "ca",
        'the CA certificate /etc/flannel/ca.pem is not PEM: it has no "-----BEGIN CERTIFICATE-----" block (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)',
      ),
    },
    {
      name: "a certificate block that is not a certificate",
      options: { tls: { ca: bytes(`${CERT}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`) }, tlsFiles: files },
      want: tlsError("ca", "the CA certificate /etc/flannel/ca.pem has a PEM block that is not a readable X.509 certificate (block 2 of 2)"),
    },
    {
      name: "a certificate without its key",
      options: { tls: { cert: bytes(CERT) }, tlsFiles: files },
      want: tlsError("cert", "the client certificate /etc/flannel/client.pem needs its key: give both"),
    },
    {
      name: "a key without its certificate",
      options: { tls: { key: bytes(KEY) }, tlsFiles: files },
      want: tlsError("key", "the client key /etc/flannel/client-key.pem needs its client certificate: give both"),
    },
    {
      name: "a key that is not PEM",
      options: { tls: { cert: bytes(CERT), key: bytes("just some text\n") }, tlsFiles: files },
      want: tlsError("key", 'the client key /etc/flannel/client-key.pem is not PEM: it has no "-----BEGIN ... PRIVATE KEY-----" block'),
    },
    {
      name: "an encrypted key",
      options: { tls: { cert: bytes(CERT), key: bytes(ENCRYPTED_KEY) }, tlsFiles: files },
      want: tlsError(
        "key",
        "the client key /etc/flannel/client-key.pem is encrypted with a passphrase; etcd's client needs it unencrypted (openssl pkey -in FILE -out FILE.plain)",
      ),
    },
    {
      name: "another certificate's key",
      options: { tls: { cert: bytes(CERT), key: bytes(OTHER_KEY) }, tlsFiles: files },
      want: tlsError("key", "the client key /etc/flannel/client-key.pem is not the key of the client certificate /etc/flannel/client.pem"),
    },
    {
      name: "a file name left out",
      options: { tls: { cert: bytes("no"), key: bytes(KEY) } },
      want: err({
        kind: "invalid-tls",
        field: "cert",
        message: 'the client certificate is not PEM: it has no "-----BEGIN CERTIFICATE-----" block (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)',
      }),
    },
  ])("$name", ({ options, want }) => {
    expect(Etcd3Registry.open(options)).toEqual(want);
    expect(fake.state.options).toEqual([]);
  });

  it("sets the client up with a matching certificate and key, a CA, and the receive limit", async () => {
    const opened = Etcd3Registry.open({ endpoints: ["https://10.0.0.1:2379"], tls: { ca: bytes(CERT), cert: bytes(CERT), key: bytes(KEY) }, tlsFiles: files });
    expect(opened.map((r) => r.endpoints)).toEqual(ok(["https://10.0.0.1:2379"]));
    // The client is set up once etcd3 has loaded (lazily); close() waits for it.
    await opened._unsafeUnwrap().close();
    expect(fake.state.options).toMatchObject([{ hosts: ["https://10.0.0.1:2379"], grpcOptions: { "grpc.max_receive_message_length": 64 * 2 ** 20 } }]);
  });

  it("the constructor throws the same message, without the etcd client in it", () => {
    expect(() => new Etcd3Registry({ tls: { cert: bytes(CERT), key: bytes("x") }, tlsFiles: files })).toThrow(
      new RangeError('Etcd3Registry: the client key /etc/flannel/client-key.pem is not PEM: it has no "-----BEGIN ... PRIVATE KEY-----" block'),
    );
    expect(() => new Etcd3Registry({ endpoints: ["http://u:pw@h:1"] })).toThrow(/http:\/\/\*\*\*@h:1/);
    expect(() => new Etcd3Registry({ endpoints: ["http://u:pw@h:1"] })).not.toThrow(/pw/);
  });
});

describe("redactEndpoint", () => {
  it.each([
    { endpoint: "http://127.0.0.1:2379", want: "http://127.0.0.1:2379" },
    { endpoint: "https://flannel:s3cret@etcd.example:2379", want: "https://***@etcd.example:2379" },
    { endpoint: "http://user@etcd:2379", want: "http://***@etcd:2379" },
    { endpoint: "http://u:p@ss@etcd:2379/x?y@z", want: "http://***@etcd:2379/x?y@z" },
    { endpoint: "http://u:s3cret@[not a url:2379", want: "http://***@[not a url:2379" },
    { endpoint: "u:s3cret@etcd:2379", want: "u:s3cret@etcd:2379" },
  ])("$endpoint", ({ endpoint, want }) => {
    expect(redactEndpoint(endpoint)).toBe(want);
  });
});
