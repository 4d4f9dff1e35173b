import { Buffer } from "node:buffer";
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import type { Etcd3, IKeyValue, IOptions, IRequestOp, IWatchResponse, Watcher } from "etcd3";
import { err, errAsync, ok, type Result, ResultAsync } from "neverthrow";
import { DEFAULT_ETCD_ENDPOINTS, DEFAULT_ETCD_PREFIX } from "../core/defaults.ts";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import { type EtcdFailure, type EtcdRequest, GRPC_CODE_NAMES, needsAlarms, redactEndpoint, registryErrorOf } from "./_etcd3-failure.ts";
import { decodeLeaseEntry, registryError, type StoredEntry } from "./_lease-entry.ts";
import { type FlannelKeyLayout, flannelKeyLayout } from "./key-layout.ts";
import { formatLeaseAttrs, type LeaseAttrs } from "./lease-attrs.ts";
import type {
  CreateLeaseOptions,
  DeleteLeaseOptions,
  LeaseListing,
  LeaseRecord,
  LeaseWatch,
  PutConfigOptions,
  Registry,
  RegistryError,
  UnreadableLease,
  UpdateLeaseOptions,
  WatchLeasesOptions,
  WrittenLease,
} from "./registry.ts";

export { redactEndpoint } from "./_etcd3-failure.ts";

type Etcd3Lib = typeof import("etcd3");

// etcd3 brings gRPC, which takes most of a second to load: it loads when the
// first registry is created, not when this module is imported, so the pure
// modules and the in-memory registry stay light (and need no permissions on Deno).
let etcd3Lib: Promise<Etcd3Lib> | undefined;
const loadEtcd3 = (): Promise<Etcd3Lib> => (etcd3Lib ??= import("etcd3"));

/** TLS material for {@link Etcd3Registry}, as file contents (PEM). */
export interface Etcd3Tls {
  /** CA certificates that signed etcd's server certificate. Default: the system's roots. */
  readonly ca?: Uint8Array;
  /** Client certificate chain, for etcd's `--client-cert-auth`. Default: none. */
  readonly cert?: Uint8Array;
  /** Key of the client certificate (unencrypted). Default: none. */
  readonly key?: Uint8Array;
}

/** Why {@link Etcd3Registry.open} refused its options; nothing was connected. */
export type Etcd3RegistryOptionsError =
  /** An endpoint is not `http(s)://host:port`, or carries credentials (shown as `***`). */
  | { readonly kind: "invalid-endpoint"; readonly endpoint: string; readonly message: string }
  /** A TLS file is not what it must be: not PEM, unreadable, encrypted, or a key that is not the certificate's. */
  | { readonly kind: "invalid-tls"; readonly field: "ca" | "cert" | "key"; readonly file?: string; readonly message: string }
  /** The etcd client refused the options for another reason. */
  | { readonly kind: "client-setup"; readonly message: string };

/**
 * The largest answer this client accepts: 64 MiB (gRPC's default of 4 MiB
 * would refuse a listing of about 28,000 leases; flannel's largest network,
 * 10.0.0.0/8 in /24 subnets, has 65,536, about 10 MiB).
 */
export const ETCD_RECEIVE_LIMIT_BYTES = 64 * 2 ** 20;

/** Options for {@link Etcd3Registry}. */
export interface Etcd3RegistryOptions {
  /** Client URLs, `http://` or `https://`. Default {@link DEFAULT_ETCD_ENDPOINTS}. */
  readonly endpoints?: readonly string[];
  /** Key prefix. Default {@link DEFAULT_ETCD_PREFIX}. */
  readonly prefix?: string;
  /** TLS files; TLS is also used, with the system's roots, when an endpoint is `https://`. Default: none. */
  readonly tls?: Etcd3Tls;
  /** Where the TLS files came from (their paths), named in messages. Default: none. */
  readonly tlsFiles?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** User name for etcd's authentication. Default: none. */
  readonly username?: string;
  /** Password for `username`. */
  readonly password?: string;
  /**
   * Deadline of one request, in milliseconds. The client tries a request up
   * to three times on other endpoints when one is unavailable, so an
   * unreachable etcd is reported within about three times this. Default 5,000.
   */
  readonly requestTimeoutMs?: number;
  /** Longest wait between two attempts to re-establish a broken watch. Default 5,000 ms. */
  readonly maxWatchBackoffMs?: number;
  /**
   * Open connections of its own. By default grpc-js shares one connection
   * per endpoint among all registries of a process that have the same
   * endpoints and settings (without TLS); a process that stands in for many
   * hosts, such as the scale benchmark, sets this so that each registry
   * connects as a separate host would. Default false.
   */
  readonly ownConnections?: boolean;
}

interface ActiveWatch {
  close(): Promise<void>;
}

// Makes a registry's channel options differ from every other registry's, so
// that grpc-js's process-wide pool gives it connections of its own.
let connectionGroups = 0;

const num = (revision: string | number | undefined): number => Number(revision ?? 0);

/**
 * A {@link Registry} on etcd v3 through the `etcd3` package, with flanneld's
 * keys and values. Creating a lease is one transaction that compares the
 * key's version with 0 and puts the value attached to a freshly granted
 * etcd lease (revoked again when the transaction surely did not succeed). A
 * write over an existing key revokes the etcd lease the key was on, which
 * carried nothing else, instead of leaving it in etcd until its TTL ends. Watches
 * resume from the last revision they delivered after a reconnect, and list
 * again when etcd has compacted that history away.
 *
 * @example
 * ```ts ignore
 * import { Etcd3Registry } from "flannel-ts/etcd";
 * // Needs etcd on 127.0.0.1:2379: type-checked, not run.
 * const registry = new Etcd3Registry({ endpoints: ["http://127.0.0.1:2379"], prefix: "/coreos.com/network" });
 * const listing = await registry.listLeases();
 * if (listing.isErr()) console.error(listing.error.message);
 * else for (const lease of listing.value.leases) console.log(lease.key, lease.value);
 * await registry.close();
 * ```
 */
export class Etcd3Registry implements Registry {
  readonly prefix: string;
  /** The endpoints this registry talks to. */
  readonly endpoints: readonly string[];
  readonly #layout: FlannelKeyLayout;
  readonly #client: Promise<Etcd3>;
  #lib: Etcd3Lib | undefined;
  readonly #clientOptions: IOptions;
  readonly #maxBackoff: number;
  readonly #timeoutMs: number;
  readonly #watches = new Set<ActiveWatch>();
  #closed = false;

  /**
   * Checks the options (endpoints; TLS files read as PEM, the key matched to
   * the certificate) and sets the client up; connections open on first use.
   *
   * @param options endpoints, prefix, TLS, credentials, timeouts; all optional
   * @returns the registry, or what is wrong with the options (naming the TLS file)
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Etcd3Registry } from "flannel-ts/etcd";
   * const opened = Etcd3Registry.open({ endpoints: ["http://user:secret@127.0.0.1:2379"] });
   * if (opened.isOk()) await opened.value.close();
   * assert.equal(opened.isErr() && opened.error.message.includes("secret"), false); // refused, the password shown as ***
   * assert.ok(opened.isErr());
   * ```
   */
  static open(options: Etcd3RegistryOptions = {}): Result<Etcd3Registry, Etcd3RegistryOptionsError> {
    const checked = checkOptions(options);
    if (checked.isErr()) return err(checked.error);
    try {
      return ok(new Etcd3Registry(options));
    } catch (e) {
      return err({ kind: "client-setup", message: `the etcd client cannot be set up: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /**
   * @param options endpoints, prefix, TLS, credentials, timeouts; all optional
   * @throws RangeError with the message of {@link Etcd3Registry.open}'s error when the options are unusable
   */
  constructor(options: Etcd3RegistryOptions = {}) {
    const checked = checkOptions(options);
    if (checked.isErr()) throw new RangeError(`Etcd3Registry: ${checked.error.message}`);
    this.endpoints = Object.freeze([...(options.endpoints ?? DEFAULT_ETCD_ENDPOINTS)]);
    this.#layout = flannelKeyLayout(options.prefix ?? DEFAULT_ETCD_PREFIX);
    this.prefix = this.#layout.prefix;
    this.#maxBackoff = options.maxWatchBackoffMs ?? 5_000;
    const timeout = options.requestTimeoutMs ?? 5_000;
    this.#timeoutMs = timeout;
    const tls = options.tls;
    const clientOptions: IOptions = {
      hosts: [...this.endpoints],
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
      // Notice a dead connection (a host that vanished without closing it)
      // within seconds; etcd accepts pings every 5 s and more.
      grpcOptions: {
        "grpc.keepalive_time_ms": 10_000,
        "grpc.keepalive_timeout_ms": 5_000,
        "grpc.max_receive_message_length": ETCD_RECEIVE_LIMIT_BYTES,
        ...(options.ownConnections === true ? { "flannel-ts.connection-group": ++connectionGroups } : {}),
      },
      ...(tls === undefined || (tls.ca === undefined && tls.cert === undefined && tls.key === undefined) ? {} : {
        credentials: {
          // grpc-js takes null for "the system's roots"; the etcd3 typings insist on a Buffer.
          rootCertificate: (tls.ca === undefined ? null : Buffer.from(tls.ca)) as Buffer,
          ...(tls.key === undefined ? {} : { privateKey: Buffer.from(tls.key) }),
          ...(tls.cert === undefined ? {} : { certChain: Buffer.from(tls.cert) }),
        },
      }),
      ...(options.username === undefined ? {} : { auth: { username: options.username, password: options.password ?? "" } }),
    };
    this.#clientOptions = clientOptions;
    this.#client = loadEtcd3().then((lib) => {
      this.#lib = lib;
      return new lib.Etcd3(clientOptions);
    });
    // A client that cannot be set up fails the first request, with its reason.
    this.#client.catch(() => undefined);
  }

  getConfig(): ResultAsync<string, RegistryError> {
    const key = this.#layout.configKey;
    return this.#call({ what: `reading ${key}` }, (client) => client.kv.range({ key: Buffer.from(key) })).andThen((res) => {
      const kv = res.kvs[0];
      return kv === undefined ? err(registryError.configNotFound(key)) : ok(kv.value.toString("utf8"));
    });
  }

  putConfig(text: string, options: PutConfigOptions = {}): ResultAsync<void, RegistryError> {
    const key = Buffer.from(this.#layout.configKey);
    const value = Buffer.from(text, "utf8");
    const put: IRequestOp = { request_put: { key, value } };
    const compare = options.overwrite === true ? [] : [{ key, target: "Version" as const, result: "Equal" as const, version: 0 }];
    const request = { what: `writing ${this.#layout.configKey}`, write: { key: this.#layout.configKey, bytes: key.length + value.length } };
    return this.#call(request, (client) => client.kv.txn({ compare, success: [put], failure: [] })).andThen((res) =>
      res.succeeded ? ok(undefined) : err(registryError.configExists(this.#layout.configKey))
    );
  }

  listLeases(): ResultAsync<LeaseListing, RegistryError> {
    const start = Buffer.from(this.#layout.subnetsPrefix);
    return this.#call({ what: `listing the leases under ${this.#layout.subnetsPrefix}` }, (client) => client.kv.range({ key: start, range_end: prefixEnd(start) })).map((res) => {
      const leases: LeaseRecord[] = [];
      const unreadable: UnreadableLease[] = [];
      for (const kv of res.kvs) {
        const decoded = decodeLeaseEntry(this.#layout, stored(kv));
        if ("lease" in decoded) leases.push(decoded.lease);
        else unreadable.push(decoded.unreadable);
      }
      return { revision: num(res.header.revision), leases, unreadable };
    });
  }

  getLease(subnet: SubnetKey): ResultAsync<LeaseRecord | undefined, RegistryError> {
    const key = this.#layout.leaseKey(subnet);
    return this.#call({ what: `reading ${key}` }, (client) => client.kv.range({ key: Buffer.from(key) })).andThen((res): Result<LeaseRecord | undefined, RegistryError> => {
      const kv = res.kvs[0];
      if (kv === undefined) return ok(undefined);
      const decoded = decodeLeaseEntry(this.#layout, stored(kv));
      if ("lease" in decoded) return ok(decoded.lease);
      const error = decoded.unreadable.error;
      if (error.kind !== "invalid-lease-value") throw new Error(`bug: ${key} built from a subnet does not parse back`);
      return err({ kind: "unreadable-lease", key, error, message: `${key}: ${error.message}` });
    });
  }

  createLease(subnet: SubnetKey, attrs: LeaseAttrs, options: CreateLeaseOptions): ResultAsync<WrittenLease, RegistryError> {
    const key = this.#layout.leaseKey(subnet);
    const compare = [{ key: Buffer.from(key), target: "Version" as const, result: "Equal" as const, version: 0 }];
    return this.#writeLease(key, subnet, attrs, options.ttlSeconds, compare).andThen((written) => written === undefined ? err(registryError.leaseExists(key)) : ok(written));
  }

  updateLease(subnet: SubnetKey, attrs: LeaseAttrs, options: UpdateLeaseOptions): ResultAsync<WrittenLease, RegistryError> {
    const key = this.#layout.leaseKey(subnet);
    const expected = options.ifCreateRevision;
    const compare = expected === undefined ? [] : [{ key: Buffer.from(key), target: "Create" as const, result: "Equal" as const, create_revision: expected }];
    return this.#writeLease(key, subnet, attrs, options.ttlSeconds, compare).andThen((written) =>
      written === undefined ? err(registryError.leaseChanged(key, expected ?? 0)) : ok(written)
    );
  }

  deleteLease(subnet: SubnetKey, options: DeleteLeaseOptions = {}): ResultAsync<boolean, RegistryError> {
    const key = this.#layout.leaseKey(subnet);
    const expected = options.ifCreateRevision;
    const compare = expected === undefined ? [] : [{ key: Buffer.from(key), target: "Create" as const, result: "Equal" as const, create_revision: expected }];
    const del: IRequestOp = { request_delete_range: { key: Buffer.from(key) } };
    return this.#call({ what: `deleting ${key}` }, (client) => client.kv.txn({ compare, success: [del], failure: [] })).andThen((res) => {
      if (!res.succeeded) return err(registryError.leaseChanged(key, expected ?? 0));
      return ok(num(res.responses[0]?.response_delete_range.deleted) > 0);
    });
  }

  timeToLive(leaseId: string): ResultAsync<number | null, RegistryError> {
    return this.#call({ what: `reading the TTL of etcd lease ${leaseId}` }, (client) => client.leaseClient.leaseTimeToLive({ ID: leaseId })).map((res) => {
      const ttl = num(res.TTL);
      return ttl < 0 ? null : ttl;
    });
  }

  watchLeases(options: WatchLeasesOptions): LeaseWatch {
    const onError = options.onError ?? (() => undefined);
    let closed = this.#closed;
    let next = options.fromRevision;
    let watcher: Watcher | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let backoff = 100;

    const detach = (w: Watcher): Promise<void> =>
      // cancel() waits for etcd's answer; a dead connection must not hold close() up.
      Promise.race([w.cancel().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref?.())]);

    const restart = (forgetRevision: boolean): void => {
      const w = watcher;
      watcher = undefined;
      if (w !== undefined) void detach(w);
      if (forgetRevision) next = undefined;
      if (closed || retry !== undefined) return;
      retry = setTimeout(() => {
        retry = undefined;
        void start();
      }, backoff);
      backoff = Math.min(backoff * 2, this.#maxBackoff);
    };

    const start = async (): Promise<void> => {
      if (closed) return;
      if (next === undefined) {
        const listing = await this.listLeases();
        if (closed) return;
        if (listing.isErr()) {
          onError(listing.error);
          restart(true);
          return;
        }
        options.onEvent({ kind: "snapshot", listing: listing.value });
        next = listing.value.revision + 1;
      }
      let client: Etcd3;
      try {
        client = await this.#client;
      } catch (e) {
        onError(this.#watchError(e));
        restart(false);
        return;
      }
      if (closed) return;
      const w = client.watch().prefix(this.#layout.subnetsPrefix).startRevision(String(next)).watcher();
      watcher = w;
      w.on("connected", () => {
        backoff = 100;
      });
      w.on("data", (res: IWatchResponse) => {
        if (closed || watcher !== w) return;
        backoff = 100;
        for (const event of res.events) {
          const revision = num(event.kv.mod_revision);
          const key = event.kv.key.toString("utf8");
          if (event.type === "Delete") {
            const subnet = this.#layout.parseLeaseKey(key);
            if (subnet.isOk()) options.onEvent({ kind: "delete", revision, key, subnet: subnet.value });
          } else {
            const decoded = decodeLeaseEntry(this.#layout, stored(event.kv));
            options.onEvent("lease" in decoded ? { kind: "put", revision, lease: decoded.lease } : { kind: "unreadable", revision, entry: decoded.unreadable });
          }
          // Resume after the last event delivered: a response's header may run
          // ahead of its events when etcd splits a large catch-up.
          next = revision + 1;
        }
      });
      w.on("disconnected", (cause: unknown) => {
        if (closed || watcher !== w) return;
        onError(this.#watchError(cause));
        restart(false);
      });
      // etcd cancelled the watch: its start revision was compacted away, or
      // the user lost access. Either way, start over from a fresh listing.
      w.on("error", (cause: unknown) => {
        if (closed || watcher !== w) return;
        onError(this.#watchError(cause));
        restart(true);
      });
    };

    const handle: ActiveWatch = {
      close: async () => {
        closed = true;
        this.#watches.delete(handle);
        if (retry !== undefined) clearTimeout(retry);
        const w = watcher;
        watcher = undefined;
        if (w !== undefined) await detach(w);
      },
    };
    if (!closed) {
      this.#watches.add(handle);
      void start();
    }
    return handle;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches].map((w) => w.close()));
    await this.#client.then(
      (client) => client.close(),
      () => undefined,
    );
  }

  // Grants a lease when a TTL is asked for, then puts the value in one
  // transaction under `compare`. Resolves to undefined when the comparison
  // failed. The new etcd lease is revoked when the put surely did not happen
  // (the comparison failed, or etcd refused the request). When the outcome is
  // unknown (a timeout or a dropped connection may hide a commit) it is left
  // to expire: revoking it would delete the key if the put did commit, and a
  // renewal that was only slow would become a lost lease.
  #writeLease(
    key: string,
    subnet: SubnetKey,
    attrs: LeaseAttrs,
    ttlSeconds: number | null,
    compare: NonNullable<Parameters<Etcd3["kv"]["txn"]>[0]["compare"]>,
  ): ResultAsync<WrittenLease | undefined, RegistryError> {
    const value = formatLeaseAttrs(attrs);
    const grant: ResultAsync<{ id: string; ttl: number } | undefined, RegistryError> = ttlSeconds === null
      ? new ResultAsync(Promise.resolve(ok(undefined)))
      : this.#call({ what: `granting an etcd lease for ${key}` }, (client) => client.leaseClient.leaseGrant({ TTL: Math.ceil(ttlSeconds), ID: 0 })).map((res) => ({
        id: res.ID,
        ttl: num(res.TTL),
      }));
    return grant.andThen((lease) => {
      const keyBytes = Buffer.from(key);
      const valueBytes = Buffer.from(value, "utf8");
      const put: IRequestOp = {
        request_put: { key: keyBytes, value: valueBytes, prev_kv: true, ...(lease === undefined ? {} : { lease: lease.id }) },
      };
      const revoke = (): void => {
        if (lease !== undefined) this.#client.then((client) => client.leaseClient.leaseRevoke({ ID: lease.id })).catch(() => undefined);
      };
      return this.#call({ what: `writing ${key}`, write: { key, bytes: keyBytes.length + valueBytes.length } }, (client) => client.kv.txn({ compare, success: [put], failure: [] }))
        .mapErr((e) => {
          if (e.kind !== "unavailable") revoke();
          return e;
        })
        .map((res): WrittenLease | undefined => {
          if (!res.succeeded) {
            revoke();
            return undefined;
          }
          const revision = num(res.header.revision);
          const previous = res.responses[0]?.response_put.prev_kv;
          // Every write is on an etcd lease of its own: the one it replaced
          // would stay in etcd, empty, until its TTL runs out (up to a day
          // after each restart of an agent, so a crash loop piles them up).
          const replaced = previous?.lease;
          if (replaced !== undefined && replaced !== "0" && replaced !== lease?.id) {
            this.#client.then((client) => client.leaseClient.leaseRevoke({ ID: replaced })).catch(() => undefined);
          }
          return {
            key,
            subnet,
            attrs,
            value,
            ...(lease === undefined ? {} : { leaseId: lease.id }),
            createRevision: previous === undefined || previous === null ? revision : num(previous.create_revision),
            modRevision: revision,
            ttlSeconds: lease === undefined ? null : lease.ttl,
          };
        });
    });
  }

  // Sends a request; a failure becomes a registry error by its gRPC code and
  // the request (RESOURCE_EXHAUSTED on a write also asks etcd for its alarms).
  #call<T>(request: EtcdRequest, send: (client: Etcd3) => Promise<T>): ResultAsync<T, RegistryError> {
    if (this.#closed) return errAsync(registryError.closed());
    return ResultAsync.fromPromise(this.#client.then(send), (raw) => raw).orElse((raw) => {
      const failure = this.#failureOf(raw);
      if (!needsAlarms(failure, request)) return errAsync(this.#describe(failure, request));
      return ResultAsync.fromSafePromise(this.#noSpace()).andThen((noSpace) => errAsync(this.#describe(failure, request, noSpace)));
    });
  }

  #watchError(raw: unknown): RegistryError {
    return this.#describe(this.#failureOf(raw), { what: `watching the leases under ${this.#layout.subnetsPrefix}` });
  }

  #describe(failure: EtcdFailure, request: EtcdRequest, noSpace?: boolean): RegistryError {
    return registryErrorOf(failure, request, {
      endpoints: this.endpoints,
      timeoutMs: this.#timeoutMs,
      receiveLimitBytes: ETCD_RECEIVE_LIMIT_BYTES,
      ...(noSpace === undefined ? {} : { noSpace }),
    });
  }

  #failureOf(raw: unknown): EtcdFailure {
    const lib = this.#lib;
    if (this.#closed || (lib !== undefined && raw instanceof lib.ClientClosedError)) return { kind: "closed" };
    if (lib === undefined) return { kind: "other", text: raw instanceof Error ? raw.message : String(raw) };
    // cockatiel marks the errors of an open circuit breaker with this property.
    if (typeof raw === "object" && raw !== null && (raw as { isBrokenCircuitError?: unknown }).isBrokenCircuitError === true) return { kind: "circuit-open" };
    // Watch streams hand over gRPC's plain errors; castGrpcError gives them etcd3's class for their status code.
    const cast: unknown = raw instanceof Error ? lib.castGrpcError(raw) : raw;
    if (cast instanceof lib.EtcdAuthenticationFailedError) return { kind: "auth-failed" };
    for (const [type, code] of grpcErrorCodes(lib)) {
      if (cast instanceof type) {
        const prefix = `${code} ${GRPC_CODE_NAMES[code] ?? ""}: `;
        return { kind: "grpc", code, details: cast.message.startsWith(prefix) ? cast.message.slice(prefix.length) : cast.message };
      }
    }
    return { kind: "other", text: cast instanceof Error ? cast.message : String(cast) };
  }

  // Whether etcd has raised its NOSPACE alarm; undefined when it cannot say.
  // Asked on a client of its own: the client retries a RESOURCE_EXHAUSTED
  // write, and those failures open its circuit breaker for the endpoint.
  async #noSpace(): Promise<boolean | undefined> {
    if (this.#lib === undefined) return undefined;
    const asker = new this.#lib.Etcd3(this.#clientOptions);
    try {
      const res = await asker.maintenance.alarm({ action: "Get", memberID: 0, alarm: "None" });
      return res.alarms.some((a) => a.alarm === "Nospace");
    } catch {
      return undefined;
    } finally {
      asker.close();
    }
  }
}

// etcd3's error classes and the gRPC status codes they stand for.
const grpcErrorCodes = (lib: Etcd3Lib): readonly (readonly [abstract new (...args: never[]) => Error, number])[] => [
  [lib.GRPCCancelledError, 1],
  [lib.GRPCUnknownError, 2],
  [lib.GRPCInvalidArgumentError, 3],
  [lib.GRPCDeadlineExceededError, 4],
  [lib.GRPCNotFoundError, 5],
  [lib.EtcdLeaseInvalidError, 5],
  [lib.GRPCAlreadyExistsError, 6],
  [lib.EtcdPermissionDeniedError, 7],
  [lib.GRPCResourceExhastedError, 8],
  [lib.GRPCFailedPreconditionError, 9],
  [lib.GRPCAbortedError, 10],
  [lib.GRPCOutOfRangeError, 11],
  [lib.GRPCNotImplementedError, 12],
  [lib.GRPCInternalError, 13],
  [lib.GRPCUnavailableError, 14],
  [lib.GRPCDataLossError, 15],
  [lib.GRPCUnauthenticatedError, 16],
  [lib.EtcdInvalidAuthTokenError, 16],
];

// Everything the registry checks before it sets a client up: endpoints
// (http or https, a port, no credentials) and TLS material (PEM that Node can
// read, a certificate with its key).
function checkOptions(options: Etcd3RegistryOptions): Result<void, Etcd3RegistryOptionsError> {
  const endpoints = options.endpoints ?? DEFAULT_ETCD_ENDPOINTS;
  if (endpoints.length === 0) return err({ kind: "invalid-endpoint", endpoint: "", message: "at least one etcd endpoint is needed" });
  for (const endpoint of endpoints) {
    const problem = endpointProblem(endpoint);
    if (problem !== undefined) {
      const shown = redactEndpoint(endpoint);
      return err({ kind: "invalid-endpoint", endpoint: shown, message: `etcd endpoint ${JSON.stringify(shown)} ${problem}` });
    }
  }
  return checkTls(options.tls, options.tlsFiles ?? {});
}

function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "is not a URL; give http://host:port or https://host:port";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "is not http:// or https://";
  if (url.username !== "" || url.password !== "") return "carries a user name or password: give them as the registry's username and password (--etcd-username, --etcd-password)";
  if (url.port === "") return "has no port (etcd's is 2379)";
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") return "has a path; give scheme, host and port only";
  return undefined;
}

const ROLE = { ca: "CA certificate", cert: "client certificate", key: "client key" } as const;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

function checkTls(tls: Etcd3Tls | undefined, files: NonNullable<Etcd3RegistryOptions["tlsFiles"]>): Result<void, Etcd3RegistryOptionsError> {
  if (tls === undefined) return ok(undefined);
  const bad = (field: "ca" | "cert" | "key", problem: string): Result<never, Etcd3RegistryOptionsError> => {
    const file = files[field];
    return err({ kind: "invalid-tls", field, ...(file === undefined ? {} : { file }), message: `the ${ROLE[field]}${file === undefined ? "" : ` ${file}`} ${problem}` });
  };
  const certificates = (field: "ca" | "cert", bytes: Uint8Array): Result<X509Certificate[], Etcd3RegistryOptionsError> => {
    const blocks = Buffer.from(bytes).toString("latin1").match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) return bad(field, 'is not PEM: it has no "-----BEGIN CERTIFICATE-----" block (convert DER with: openssl x509 -inform der -in FILE -out FILE.pem)');
    const parsed: X509Certificate[] = [];
    for (const [i, block] of blocks.entries()) {
      try {
        parsed.push(new X509Certificate(block));
      } catch {
        return bad(field, `has a PEM block that is not a readable X.509 certificate (block ${i + 1} of ${blocks.length})`);
      }
    }
    return ok(parsed);
  };
  if (tls.ca !== undefined) {
    const ca = certificates("ca", tls.ca);
    if (ca.isErr()) return err(ca.error);
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    return tls.cert === undefined ? bad("key", "needs its client certificate: give both") : bad("cert", "needs its key: give both");
  }
  if (tls.cert === undefined || tls.key === undefined) return ok(undefined);
  const chain = certificates("cert", tls.cert);
  if (chain.isErr()) return err(chain.error);
  const keyText = Buffer.from(tls.key).toString("latin1");
  if (!PEM_PRIVATE_KEY.test(keyText)) return bad("key", 'is not PEM: it has no "-----BEGIN ... PRIVATE KEY-----" block');
  // PEM marks an encrypted key in its label (PKCS#8) or in a header (the older OpenSSL format).
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: 4,ENCRYPTED/m.test(keyText)) {
    return bad("key", "is encrypted with a passphrase; etcd's client needs it unencrypted (openssl pkey -in FILE -out FILE.plain)");
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyText, format: "pem" });
  } catch {
    return bad("key", "is not a readable private key");
  }
  const leaf = chain.value[0] as X509Certificate;
  if (!leaf.checkPrivateKey(key)) return bad("key", `is not the key of the client certificate${files.cert === undefined ? "" : ` ${files.cert}`}`);
  return ok(undefined);
}

function stored(kv: IKeyValue): StoredEntry {
  return {
    key: kv.key.toString("utf8"),
    value: kv.value.toString("utf8"),
    leaseId: kv.lease,
    createRevision: num(kv.create_revision),
    modRevision: num(kv.mod_revision),
  };
}

// The end of a prefix range: the prefix with its last byte incremented
// (bytes of 0xff dropped first), as etcd's clients compute it.
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
