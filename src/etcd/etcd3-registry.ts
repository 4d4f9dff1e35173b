import { Buffer } from "node:buffer";
import { castGrpcError, ClientClosedError, Etcd3, EtcdAuthenticationFailedError, EtcdInvalidAuthTokenError, EtcdPermissionDeniedError, GRPCDeadlineExceededError, GRPCUnauthenticatedError, isRecoverableError, type IKeyValue, type IOptions, type IRequestOp, type IWatchResponse, type Watcher } from "etcd3";
import { err, ok, ResultAsync, type Result } from "neverthrow";
import { DEFAULT_ETCD_ENDPOINTS, DEFAULT_ETCD_PREFIX } from "../core/defaults.ts";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import { decodeLeaseEntry, registryError, type StoredEntry } from "./_lease-entry.ts";
import { flannelKeyLayout, type FlannelKeyLayout } from "./key-layout.ts";
import { formatLeaseAttrs, type LeaseAttrs } from "./lease-attrs.ts";
import type { CreateLeaseOptions, DeleteLeaseOptions, LeaseListing, LeaseRecord, LeaseWatch, PutConfigOptions, Registry, RegistryError, UnreadableLease, UpdateLeaseOptions, WatchLeasesOptions, WrittenLease } from "./registry.ts";


/** TLS material for {@link Etcd3Registry}, as file contents (PEM). */
export interface Etcd3Tls {
  /** CA certificates that signed etcd's server certificate. Default: the system's roots. */
  readonly ca?: Uint8Array;
  /** Client certificate chain, for etcd's `--client-cert-auth`. Default: none. */
  readonly cert?: Uint8Array;
  /** Key of the client certificate. Default: none. */
  readonly key?: Uint8Array;
}

/** Options for {@link Etcd3Registry}. */
export interface Etcd3RegistryOptions {
  /** Client URLs, `http://` or `https://`. Default {@link DEFAULT_ETCD_ENDPOINTS}. */
  readonly endpoints?: readonly string[];
  /** Key prefix. Default {@link DEFAULT_ETCD_PREFIX}. */
  readonly prefix?: string;
  /** TLS files; TLS is also used, with the system's roots, when an endpoint is `https://`. Default: none. */
  readonly tls?: Etcd3Tls;
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
}

interface ActiveWatch {
  close(): Promise<void>;
}

const num = (revision: string | number | undefined): number => Number(revision ?? 0);

/**
 * A {@link Registry} on etcd v3 through the `etcd3` package, with flanneld's
 * keys and values. Creating a lease is one transaction that compares the
 * key's version with 0 and puts the value attached to a freshly granted
 * etcd lease (revoked again when the transaction does not succeed). A write
 * over an existing key revokes the etcd lease the key was on, which carried
 * nothing else, instead of leaving it in etcd until its TTL ends. Watches
 * resume from the last revision they delivered after a reconnect, and list
 * again when etcd has compacted that history away.
 *
 * @example
 * ```ts
 * import { Etcd3Registry } from "./etcd3-registry.ts";
 *
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
  readonly #client: Etcd3;
  readonly #maxBackoff: number;
  readonly #watches = new Set<ActiveWatch>();
  #closed = false;

  /**
   * @param options endpoints, prefix, TLS, credentials, timeouts; all optional
   * @throws RangeError when `endpoints` is empty
   */
  constructor(options: Etcd3RegistryOptions = {}) {
    this.endpoints = Object.freeze([...(options.endpoints ?? DEFAULT_ETCD_ENDPOINTS)]);
    if (this.endpoints.length === 0) throw new RangeError("Etcd3Registry: at least one endpoint is needed");
    this.#layout = flannelKeyLayout(options.prefix ?? DEFAULT_ETCD_PREFIX);
    this.prefix = this.#layout.prefix;
    this.#maxBackoff = options.maxWatchBackoffMs ?? 5_000;
    const timeout = options.requestTimeoutMs ?? 5_000;
    const tls = options.tls;
    const clientOptions: IOptions = {
      hosts: [...this.endpoints],
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
      // Notice a dead connection (a host that vanished without closing it)
      // within seconds; etcd accepts pings every 5 s and more.
      grpcOptions: { "grpc.keepalive_time_ms": 10_000, "grpc.keepalive_timeout_ms": 5_000 },
      ...(tls === undefined || (tls.ca === undefined && tls.cert === undefined && tls.key === undefined)
        ? {}
        : {
            credentials: {
              // grpc-js takes null for "the system's roots"; the etcd3 typings insist on a Buffer.
              rootCertificate: (tls.ca === undefined ? null : Buffer.from(tls.ca)) as Buffer,
              ...(tls.key === undefined ? {} : { privateKey: Buffer.from(tls.key) }),
              ...(tls.cert === undefined ? {} : { certChain: Buffer.from(tls.cert) }),
            },
          }),
      ...(options.username === undefined ? {} : { auth: { username: options.username, password: options.password ?? "" } }),
    };
    this.#client = new Etcd3(clientOptions);
  }

  getConfig(): ResultAsync<string, RegistryError> {
    const key = this.#layout.configKey;
    return this.#call(() => this.#client.kv.range({ key: Buffer.from(key) })).andThen((res) => {
      const kv = res.kvs[0];
      return kv === undefined ? err(registryError.configNotFound(key)) : ok(kv.value.toString("utf8"));
    });
  }

  putConfig(text: string, options: PutConfigOptions = {}): ResultAsync<void, RegistryError> {
    const key = Buffer.from(this.#layout.configKey);
    const put: IRequestOp = { request_put: { key, value: Buffer.from(text, "utf8") } };
    const compare = options.overwrite === true ? [] : [{ key, target: "Version" as const, result: "Equal" as const, version: 0 }];
    return this.#call(() => this.#client.kv.txn({ compare, success: [put], failure: [] })).andThen((res) =>
      res.succeeded ? ok(undefined) : err(registryError.configExists(this.#layout.configKey)),
    );
  }

  listLeases(): ResultAsync<LeaseListing, RegistryError> {
    const start = Buffer.from(this.#layout.subnetsPrefix);
    return this.#call(() => this.#client.kv.range({ key: start, range_end: prefixEnd(start) })).map((res) => {
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
    return this.#call(() => this.#client.kv.range({ key: Buffer.from(key) })).andThen((res): Result<LeaseRecord | undefined, RegistryError> => {
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
    return this.#writeLease(key, subnet, attrs, options.ttlSeconds, compare).andThen((written) =>
      written === undefined ? err(registryError.leaseExists(key)) : ok(written),
    );
  }

  updateLease(subnet: SubnetKey, attrs: LeaseAttrs, options: UpdateLeaseOptions): ResultAsync<WrittenLease, RegistryError> {
    const key = this.#layout.leaseKey(subnet);
    const expected = options.ifCreateRevision;
    const compare = expected === undefined ? [] : [{ key: Buffer.from(key), target: "Create" as const, result: "Equal" as const, create_revision: expected }];
    return this.#writeLease(key, subnet, attrs, options.ttlSeconds, compare).andThen((written) =>
      written === undefined ? err(registryError.leaseChanged(key, expected ?? 0)) : ok(written),
    );
  }

  deleteLease(subnet: SubnetKey, options: DeleteLeaseOptions = {}): ResultAsync<boolean, RegistryError> {
    const key = this.#layout.leaseKey(subnet);
    const expected = options.ifCreateRevision;
    const compare = expected === undefined ? [] : [{ key: Buffer.from(key), target: "Create" as const, result: "Equal" as const, create_revision: expected }];
    const del: IRequestOp = { request_delete_range: { key: Buffer.from(key) } };
    return this.#call(() => this.#client.kv.txn({ compare, success: [del], failure: [] })).andThen((res) => {
      if (!res.succeeded) return err(registryError.leaseChanged(key, expected ?? 0));
      return ok(num(res.responses[0]?.response_delete_range.deleted) > 0);
    });
  }

  timeToLive(leaseId: string): ResultAsync<number | null, RegistryError> {
    return this.#call(() => this.#client.leaseClient.leaseTimeToLive({ ID: leaseId })).map((res) => {
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
      const w = this.#client.watch().prefix(this.#layout.subnetsPrefix).startRevision(String(next)).watcher();
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
        onError(this.#error(cause));
        restart(false);
      });
      // etcd cancelled the watch: its start revision was compacted away, or
      // the user lost access. Either way, start over from a fresh listing.
      w.on("error", (cause: unknown) => {
        if (closed || watcher !== w) return;
        onError(this.#error(cause));
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
    this.#client.close();
  }

  // Grants a lease when a TTL is asked for, then puts the value in one
  // transaction under `compare`. Resolves to undefined when the comparison
  // failed. The lease is revoked whenever the put did not happen, or might
  // not have (a timeout may hide a commit; revoking deletes such a key).
  #writeLease(
    key: string,
    subnet: SubnetKey,
    attrs: LeaseAttrs,
    ttlSeconds: number | null,
    compare: NonNullable<Parameters<Etcd3["kv"]["txn"]>[0]["compare"]>,
  ): ResultAsync<WrittenLease | undefined, RegistryError> {
    const value = formatLeaseAttrs(attrs);
    const grant: ResultAsync<{ id: string; ttl: number } | undefined, RegistryError> =
      ttlSeconds === null
        ? new ResultAsync(Promise.resolve(ok(undefined)))
        : this.#call(() => this.#client.leaseClient.leaseGrant({ TTL: Math.ceil(ttlSeconds), ID: 0 })).map((res) => ({ id: res.ID, ttl: num(res.TTL) }));
    return grant.andThen((lease) => {
      const put: IRequestOp = {
        request_put: { key: Buffer.from(key), value: Buffer.from(value, "utf8"), prev_kv: true, ...(lease === undefined ? {} : { lease: lease.id }) },
      };
      const revoke = (): void => {
        if (lease !== undefined) this.#client.leaseClient.leaseRevoke({ ID: lease.id }).catch(() => undefined);
      };
      return this.#call(() => this.#client.kv.txn({ compare, success: [put], failure: [] }))
        .mapErr((e) => {
          revoke();
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
          if (replaced !== undefined && replaced !== "0" && replaced !== lease?.id) this.#client.leaseClient.leaseRevoke({ ID: replaced }).catch(() => undefined);
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

  #call<T>(request: () => Promise<T>): ResultAsync<T, RegistryError> {
    if (this.#closed) return new ResultAsync(Promise.resolve(err(registryError.closed())));
    return ResultAsync.fromPromise(request(), (cause) => this.#error(cause));
  }

  #error(raw: unknown): RegistryError {
    // Errors from watch streams reach us as grpc's plain errors with a status code.
    const cause = raw instanceof Error ? castGrpcError(raw) : raw;
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (cause instanceof ClientClosedError || this.#closed) return registryError.closed();
    if (
      cause instanceof EtcdAuthenticationFailedError ||
      cause instanceof EtcdPermissionDeniedError ||
      cause instanceof EtcdInvalidAuthTokenError ||
      cause instanceof GRPCUnauthenticatedError
    ) {
      return { kind: "permission-denied", message: `etcd refused the request: ${detail}; check --etcd-username/--etcd-password and the user's roles` };
    }
    const brokenCircuit = typeof cause === "object" && cause !== null && (cause as { isBrokenCircuitError?: unknown }).isBrokenCircuitError === true;
    if (cause instanceof GRPCDeadlineExceededError || brokenCircuit || (cause instanceof Error && isRecoverableError(cause))) {
      return {
        kind: "unavailable",
        endpoints: this.endpoints,
        message: `etcd at ${this.endpoints.join(",")} did not answer: ${detail}; check --etcd-endpoints, that etcd runs and has a leader, and the TLS settings`,
      };
    }
    return { kind: "store-error", message: `etcd: ${detail}` };
  }
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
