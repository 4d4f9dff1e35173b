// What both registries share: turning a stored key/value into a lease (or
// into an unreadable entry that still marks its subnet as taken), and the
// wording of their errors.
import type { FlannelKeyLayout } from "./key-layout.ts";
import { parseLeaseAttrs } from "./lease-attrs.ts";
import type { LeaseRecord, RegistryError, UnreadableLease } from "./registry.ts";

/** A key/value pair as a store returns it. `leaseId` is "0" or undefined for none. */
export interface StoredEntry {
  readonly key: string;
  readonly value: string;
  readonly leaseId: string | undefined;
  readonly createRevision: number;
  readonly modRevision: number;
}

/** Decodes one entry under the subnets prefix. */
export function decodeLeaseEntry(layout: FlannelKeyLayout, entry: StoredEntry): { readonly lease: LeaseRecord } | { readonly unreadable: UnreadableLease } {
  const leaseId = entry.leaseId === undefined || entry.leaseId === "0" ? undefined : entry.leaseId;
  const withLease = leaseId === undefined ? {} : { leaseId };
  const subnet = layout.parseLeaseKey(entry.key);
  if (subnet.isErr()) return { unreadable: { key: entry.key, value: entry.value, ...withLease, error: subnet.error } };
  const attrs = parseLeaseAttrs(entry.value);
  if (attrs.isErr()) return { unreadable: { key: entry.key, value: entry.value, subnet: subnet.value, ...withLease, error: attrs.error } };
  return {
    lease: {
      key: entry.key,
      subnet: subnet.value,
      attrs: attrs.value,
      value: entry.value,
      ...withLease,
      createRevision: entry.createRevision,
      modRevision: entry.modRevision,
    },
  };
}

/** The registry errors with their messages. */
export const registryError = {
  configNotFound: (key: string): RegistryError => ({
    kind: "config-not-found",
    key,
    message: `no network config at ${key}: write one first (flannel-ts config set '{"Network":"10.5.0.0/16"}')`,
  }),
  configExists: (key: string): RegistryError => ({
    kind: "config-exists",
    key,
    message: `a network config already exists at ${key}; pass overwrite (--force) to replace it`,
  }),
  leaseExists: (key: string): RegistryError => ({ kind: "lease-exists", key, message: `${key} exists already: another host holds this subnet` }),
  leaseChanged: (key: string, createRevision: number): RegistryError => ({
    kind: "lease-changed",
    key,
    message: `${key} is no longer the lease created at revision ${createRevision}: it was deleted, or deleted and created again`,
  }),
  closed: (): RegistryError => ({ kind: "closed", message: "the registry is closed" }),
};
