// What the vxlan and host-gw backends share: each peer's entries, worked out
// by the backend (a plan), go to the kernel in one batch per apply or
// reconcile; refusals are put on the peer they belong to; a reconcile
// compares the plans with the kernel's dumps.
import type { ResultAsync } from "neverthrow";
import type { LeaseRecord } from "../etcd/registry.ts";
import type { FdbEntry } from "../netlink/fdb-entry.ts";
import { deleteFdb } from "../netlink/fdb-requests.ts";
import type { LinkRef } from "../netlink/link-ref.ts";
import type { NeighbourInfo } from "../netlink/neighbour-info.ts";
import { deleteNeighbour } from "../netlink/neighbour-requests.ts";
import type { NetlinkRequest } from "../netlink/netlink-request.ts";
import type { RouteInfo } from "../netlink/route-info.ts";
import { deleteRoute } from "../netlink/route-requests.ts";
import { formatCidr } from "../subnet/cidr.ts";
import { formatIp } from "../subnet/ip.ts";
import { formatMac } from "../netlink/mac.ts";
import type { BackendError, BackendReport, PeerChange, SkippedPeer } from "./backend.ts";
import { addRequest, deleteRequest, entryKey, inKernel, type KernelView } from "./_kernel-entries.ts";
import type { KernelEntry, PeerPlan } from "./peer-plan.ts";
import type { RtnetlinkPort } from "./rtnetlink-port.ts";

/** Which dumped entries a backend made (and may remove when no lease wants them). */
export interface OwnedEntries {
  route(route: RouteInfo): boolean;
  neighbour(neighbour: NeighbourInfo): boolean;
  fdb(entry: FdbEntry): boolean;
}

const ENOENT = 2;
const ESRCH = 3;

interface Programmed {
  readonly lease: LeaseRecord;
  readonly entries: readonly KernelEntry[];
}

interface Batch {
  readonly requests: NetlinkRequest[];
  /** Per request: the peer it serves, and whether it removes. */
  readonly owners: { readonly lease: LeaseRecord | undefined; readonly removes: boolean }[];
}

function push(batch: Batch, request: NetlinkRequest, lease: LeaseRecord | undefined, removes: boolean): void {
  batch.requests.push(request);
  batch.owners.push({ lease, removes });
}

const signature = (entries: readonly KernelEntry[]): string => entries.map((e) => addRequest(e).description).join("\n");

/** Removal order: the route first, so no packet meets a half-removed peer. */
const removalOrder = (entries: readonly KernelEntry[]): KernelEntry[] => [...entries].sort((a, b) => (a.kind === "route" ? 0 : 1) - (b.kind === "route" ? 0 : 1));

export class PeerProgrammer {
  readonly #rtnl: RtnetlinkPort;
  readonly #backend: string;
  readonly #link: (index: number) => LinkRef;
  /** What each peer has in the kernel, by lease key. */
  #programmed = new Map<string, Programmed>();
  /** Which peer each entry (by entryKey) belongs to. */
  #owners = new Map<string, string>();

  /**
   * @param rtnl the kernel
   * @param backend the backend's kind, for errors
   * @param link names a device by its index, for the requests' descriptions
   */
  constructor(rtnl: RtnetlinkPort, backend: string, link: (index: number) => LinkRef) {
    this.#rtnl = rtnl;
    this.#backend = backend;
    this.#link = link;
  }

  /** Every entry programmed, for a backend that removes them when it closes. */
  entries(): KernelEntry[] {
    return [...this.#programmed.values()].flatMap((p) => p.entries);
  }

  /** Forgets what was programmed (the device holding it is gone). */
  clear(): void {
    this.#programmed.clear();
    this.#owners.clear();
  }

  /**
   * Programs a batch of peer changes: entries of removed peers go, added and
   * updated peers get theirs (what an update no longer needs goes first); a
   * peer whose entries are already as planned costs no request.
   */
  apply(changes: readonly PeerChange[], plan: (lease: LeaseRecord) => PeerPlan): ResultAsync<BackendReport, BackendError> {
    const batch: Batch = { requests: [], owners: [] };
    const skipped: SkippedPeer[] = [];
    const touched = new Set<string>();
    let removed = 0;
    const removeEntries = (lease: LeaseRecord, entries: readonly KernelEntry[], keep: ReadonlySet<string>): void => {
      for (const entry of removalOrder(entries)) {
        const key = entryKey(entry);
        if (keep.has(key) || this.#owners.get(key) !== lease.key) continue;
        this.#owners.delete(key);
        push(batch, deleteRequest(entry), lease, true);
      }
    };
    for (const change of changes) {
      const { lease } = change;
      const before = this.#programmed.get(lease.key);
      if (change.kind === "removed") {
        touched.delete(lease.key);
        if (before === undefined) continue;
        this.#programmed.delete(lease.key);
        removeEntries(lease, before.entries, new Set());
        removed++;
        continue;
      }
      const planned = plan(lease);
      if ("skip" in planned) {
        skipped.push({ lease, reason: planned.skip });
        touched.delete(lease.key);
        if (before !== undefined) {
          this.#programmed.delete(lease.key);
          removeEntries(before.lease, before.entries, new Set());
        }
        continue;
      }
      if (before !== undefined && signature(before.entries) === signature(planned.entries)) {
        this.#programmed.set(lease.key, { lease, entries: before.entries });
        continue;
      }
      const keys = new Set(planned.entries.map(entryKey));
      if (before !== undefined) removeEntries(before.lease, before.entries, keys);
      for (const entry of planned.entries) {
        this.#owners.set(entryKey(entry), lease.key);
        push(batch, addRequest(entry), lease, false);
      }
      this.#programmed.set(lease.key, { lease, entries: planned.entries });
      touched.add(lease.key);
    }
    return this.#send(batch, "apply").map(({ refused }) => {
      for (const [key, reason] of refused) {
        const p = this.#programmed.get(key);
        if (p !== undefined) skipped.push({ lease: p.lease, reason });
      }
      const programmed = [...touched].filter((key) => !refused.has(key)).length;
      return { programmed, removed, stale: 0, restored: 0, skipped };
    });
  }

  /**
   * Makes the kernel hold exactly the planned entries of `peers`: entries
   * the backend owns that no plan has are removed (stale), planned ones
   * missing or different are put back (restored).
   */
  reconcile(peers: readonly LeaseRecord[], plan: (lease: LeaseRecord) => PeerPlan, kernel: KernelView, owned: OwnedEntries): ResultAsync<BackendReport, BackendError> {
    const skipped: SkippedPeer[] = [];
    const programmed = new Map<string, Programmed>();
    const owners = new Map<string, string>();
    for (const lease of peers) {
      const planned = plan(lease);
      if ("skip" in planned) {
        skipped.push({ lease, reason: planned.skip });
        continue;
      }
      programmed.set(lease.key, { lease, entries: planned.entries });
      for (const entry of planned.entries) owners.set(entryKey(entry), lease.key);
    }
    const batch: Batch = { requests: [], owners: [] };
    for (const route of kernel.routes) {
      if (!owned.route(route) || owners.has(`route ${formatCidr(route.dst)}`)) continue;
      const oif = route.oif === undefined ? undefined : this.#link(route.oif);
      push(
        batch,
        deleteRoute({ dst: route.dst, table: route.table, ...(route.gateway === undefined ? {} : { gateway: route.gateway }), ...(oif === undefined ? {} : { oif }) }),
        undefined,
        true,
      );
    }
    for (const n of kernel.neighbours) {
      if (owned.neighbour(n) && !owners.has(`neighbour ${n.index} ${formatIp(n.ip)}`)) push(batch, deleteNeighbour({ link: this.#link(n.index), ip: n.ip }), undefined, true);
    }
    for (const e of kernel.fdb) {
      if (e.dst === undefined || !owned.fdb(e) || owners.has(`fdb ${e.index} ${formatMac(e.mac)} ${formatIp(e.dst)}`)) continue;
      push(batch, deleteFdb({ link: this.#link(e.index), mac: e.mac, dst: e.dst }), undefined, true);
    }
    for (const p of programmed.values()) {
      for (const entry of p.entries) if (!inKernel(entry, kernel)) push(batch, addRequest(entry), p.lease, false);
    }
    this.#programmed = programmed;
    this.#owners = owners;
    return this.#send(batch, "reconcile").map(({ refused, removals, additions }) => {
      for (const [key, reason] of refused) {
        const p = programmed.get(key);
        if (p !== undefined) skipped.push({ lease: p.lease, reason });
      }
      return { programmed: 0, removed: 0, stale: removals, restored: additions, skipped };
    });
  }

  /**
   * Sends a batch: the refusals by lease key (deletes of what is already
   * gone are not refusals), and how many removals and additions the kernel
   * carried out.
   */
  #send(batch: Batch, step: "apply" | "reconcile"): ResultAsync<{ refused: Map<string, string>; removals: number; additions: number }, BackendError> {
    return this.#rtnl
      .apply(batch.requests)
      .mapErr((e): BackendError => ({ kind: "backend", backend: this.#backend, step, message: e.message }))
      .map((result) => {
        const refused = new Map<string, string>();
        const failed = new Set<number>();
        for (const failure of result.failures) {
          const owner = batch.owners[failure.index];
          failed.add(failure.index);
          if (owner?.removes === true && (failure.errno === ENOENT || failure.errno === ESRCH)) continue;
          if (owner?.lease !== undefined && !refused.has(owner.lease.key)) refused.set(owner.lease.key, `the kernel refused ${failure.message}`);
        }
        let removals = 0;
        let additions = 0;
        batch.owners.forEach((owner, index) => {
          if (failed.has(index)) return;
          if (owner.removes) removals++;
          else additions++;
        });
        return { refused, removals, additions };
      });
  }
}
