import type { ResultAsync } from "neverthrow";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import type { LeaseKeyError } from "./key-layout.ts";
import type { LeaseAttrs, LeaseValueError } from "./lease-attrs.ts";

/**
 * One lease as stored: the key `<prefix>/subnets/<subnet key>`, its value and
 * the etcd bookkeeping that the lease manager needs to act safely.
 */
export interface LeaseRecord {
  /** The full etcd key. */
  readonly key: string;
  /** The subnet(s) the key names. */
  readonly subnet: SubnetKey;
  /** The decoded value. */
  readonly attrs: LeaseAttrs;
  /** The value as stored, byte for byte (UTF-8). */
  readonly value: string;
  /**
   * The etcd lease carrying the key's TTL, as a decimal string (lease IDs
   * are 64-bit). Absent when the key has no TTL: a reservation.
   */
  readonly leaseId?: string;
  /** The revision that created the key; it changes only when the key is deleted and created again. */
  readonly createRevision: number;
  /** The revision of the key's last write. */
  readonly modRevision: number;
}

/** A lease just written, with the TTL etcd granted (it may raise a TTL to its minimum). */
export interface WrittenLease extends LeaseRecord {
  /** Seconds the lease lives without renewal; `null` for a reservation. */
  readonly ttlSeconds: number | null;
}

/**
 * A key under `<prefix>/subnets/` that cannot be read as a lease. When its key
 * names a subnet, that subnet is still taken: allocators must avoid it.
 */
export interface UnreadableLease {
  readonly key: string;
  readonly value: string;
  /** The subnet, when the key itself is readable. */
  readonly subnet?: SubnetKey;
  /** The etcd lease carrying the key's TTL, when it has one. */
  readonly leaseId?: string;
  readonly error: LeaseKeyError | LeaseValueError;
}

/** Every lease at one revision of the store. */
export interface LeaseListing {
  /** The store's revision when it was read; watch from `revision + 1` to miss nothing. */
  readonly revision: number;
  /** The readable leases, in key order. */
  readonly leases: readonly LeaseRecord[];
  /** The keys that could not be read, in key order. */
  readonly unreadable: readonly UnreadableLease[];
}

/** One change seen by {@link Registry.watchLeases}. */
export type LeaseWatchEvent =
  /** Every lease at a revision: first (unless watching from a given revision), and again whenever the watch had to start over (its history was compacted, or etcd cancelled it). */
  | { readonly kind: "snapshot"; readonly listing: LeaseListing }
  /** A lease was created or written again (renewed, or its attributes changed). */
  | { readonly kind: "put"; readonly revision: number; readonly lease: LeaseRecord }
  /** A lease key was deleted, by its owner or an operator, or its TTL ran out. */
  | { readonly kind: "delete"; readonly revision: number; readonly key: string; readonly subnet: SubnetKey }
  /** A key under the subnets prefix was written with something that is not a lease. */
  | { readonly kind: "unreadable"; readonly revision: number; readonly entry: UnreadableLease };

/** Options for {@link Registry.watchLeases}. */
export interface WatchLeasesOptions {
  /**
   * Deliver events from this revision on, with no snapshot first (e.g.
   * `listing.revision + 1` after a {@link Registry.listLeases}). Default:
   * start with a snapshot, then its changes.
   */
  readonly fromRevision?: number;
  /** Called for each event, in revision order. */
  readonly onEvent: (event: LeaseWatchEvent) => void;
  /**
   * Called when the watch cannot reach the store; it keeps trying (and
   * resumes from the last revision it delivered). Default: errors are dropped.
   */
  readonly onError?: (error: RegistryError) => void;
}

/** A running watch. */
export interface LeaseWatch {
  /** Stops the watch; no event is delivered once the promise resolves. */
  close(): Promise<void>;
}

/** Options for {@link Registry.createLease}. */
export interface CreateLeaseOptions {
  /** TTL in seconds of the etcd lease the key is attached to; `null` for none (a reservation). */
  readonly ttlSeconds: number | null;
}

/** Options for {@link Registry.updateLease}. */
export interface UpdateLeaseOptions {
  /** TTL in seconds of a new etcd lease for the key; `null` for none (keeps a reservation a reservation). */
  readonly ttlSeconds: number | null;
  /**
   * Write only if the key still exists with this create revision, so that a
   * lease deleted meanwhile (and perhaps taken by another host) is not
   * overwritten. Default: write unconditionally, as flanneld does.
   */
  readonly ifCreateRevision?: number;
}

/** Options for {@link Registry.deleteLease}. */
export interface DeleteLeaseOptions {
  /** Delete only if the key exists with this create revision. Default: unconditionally. */
  readonly ifCreateRevision?: number;
}

/** Options for {@link Registry.putConfig}. */
export interface PutConfigOptions {
  /** Replace an existing config. Default false: fail with `config-exists`. */
  readonly overwrite?: boolean;
}

/** Why a registry operation failed. */
export type RegistryError =
  /** The store did not answer in time (every endpoint down, or no quorum). */
  | { readonly kind: "unavailable"; readonly endpoints: readonly string[]; readonly message: string }
  /** The credentials were refused, or the user may not touch the keys. */
  | { readonly kind: "permission-denied"; readonly message: string }
  /** There is no config at the config key. */
  | { readonly kind: "config-not-found"; readonly key: string; readonly message: string }
  /** A config exists and overwriting was not asked for. */
  | { readonly kind: "config-exists"; readonly key: string; readonly message: string }
  /** The lease key exists already (another host holds the subnet). */
  | { readonly kind: "lease-exists"; readonly key: string; readonly message: string }
  /** A conditional write found the key gone or created again since. */
  | { readonly kind: "lease-changed"; readonly key: string; readonly message: string }
  /** The lease at the key cannot be read. */
  | { readonly kind: "unreadable-lease"; readonly key: string; readonly error: LeaseValueError; readonly message: string }
  /** The registry was closed. */
  | { readonly kind: "closed"; readonly message: string }
  /** Anything else the store reported. */
  | { readonly kind: "store-error"; readonly message: string };

/**
 * Where flannel's config and leases are kept: storage only, no policy. The
 * lease manager decides what to allocate, reuse and renew; a registry stores,
 * reads and watches, with etcd's semantics (revisions, create-if-absent,
 * TTLs attached to etcd leases).
 */
export interface Registry {
  /** The keys this registry reads and writes: `<prefix>/config` and `<prefix>/subnets/`. */
  readonly prefix: string;
  /**
   * Reads the network config text at `<prefix>/config`.
   *
   * @returns the text as stored, or `config-not-found`
   */
  getConfig(): ResultAsync<string, RegistryError>;
  /**
   * Writes the network config text (the caller validates it first).
   *
   * @param text the config JSON
   * @param options `overwrite` to replace an existing config
   */
  putConfig(text: string, options?: PutConfigOptions): ResultAsync<void, RegistryError>;
  /** Reads every lease and the revision they were read at. */
  listLeases(): ResultAsync<LeaseListing, RegistryError>;
  /**
   * Reads the lease of one subnet.
   *
   * @returns the lease, `undefined` when the key does not exist, or `unreadable-lease`
   */
  getLease(subnet: SubnetKey): ResultAsync<LeaseRecord | undefined, RegistryError>;
  /**
   * Creates a lease only if its key does not exist: one transaction that
   * compares the key's version with 0 and puts the value attached to a new
   * etcd lease of `ttlSeconds` (or to none).
   *
   * @returns the new lease, or `lease-exists` when another writer was first
   */
  createLease(subnet: SubnetKey, attrs: LeaseAttrs, options: CreateLeaseOptions): ResultAsync<WrittenLease, RegistryError>;
  /**
   * Writes a lease again with a new TTL (renewal) or new attributes.
   *
   * @returns the lease as written, or `lease-changed` when `ifCreateRevision` no longer holds
   */
  updateLease(subnet: SubnetKey, attrs: LeaseAttrs, options: UpdateLeaseOptions): ResultAsync<WrittenLease, RegistryError>;
  /**
   * Deletes a lease key.
   *
   * @returns whether a key was deleted
   */
  deleteLease(subnet: SubnetKey, options?: DeleteLeaseOptions): ResultAsync<boolean, RegistryError>;
  /**
   * The seconds an etcd lease has left.
   *
   * @param leaseId from {@link LeaseRecord.leaseId}
   * @returns the seconds left, or `null` when the lease has expired or never existed
   */
  timeToLive(leaseId: string): ResultAsync<number | null, RegistryError>;
  /**
   * Watches the leases: a snapshot, then every change in revision order.
   * After a dropped connection it resumes from the last revision delivered;
   * when that history is gone (compacted), it lists again and delivers a new
   * snapshot, which consumers diff against what they have.
   */
  watchLeases(options: WatchLeasesOptions): LeaseWatch;
  /** Releases connections and stops every watch. */
  close(): Promise<void>;
}
