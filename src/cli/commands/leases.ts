/**
 * `flannel-ts leases`: the subnet leases in etcd. Values from etcd are
 * printed with their control characters escaped.
 *
 * @module
 */
import type { LeaseRecord } from "../../etcd/registry.ts";
import { formatCidr } from "../../subnet/cidr.ts";
import { formatIp } from "../../subnet/ip.ts";
import { defineCommand } from "../define-command.ts";
import { openEtcdRegistry, type OpenRegistry, withRegistry } from "../open-etcd-registry.ts";
import { oneLine } from "../one-line.ts";
import { leasesSpec } from "../specs/leases.ts";

/**
 * A number of seconds as Go prints a duration: `23h59m59s`, `1m0s`, `42s`.
 *
 * @param seconds a whole number of seconds
 * @returns the text
 */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

function row(lease: LeaseRecord, ttl: number | null | undefined): string[] {
  const subnet = lease.subnet.ipv6 === undefined ? formatCidr(lease.subnet.ipv4) : `${formatCidr(lease.subnet.ipv4)},${formatCidr(lease.subnet.ipv6)}`;
  const ip = lease.attrs.publicIpv6 === undefined ? formatIp(lease.attrs.publicIp) : `${formatIp(lease.attrs.publicIp)},${formatIp(lease.attrs.publicIpv6)}`;
  const reserved = lease.leaseId === undefined;
  const ttlText = reserved ? "-" : ttl === null || ttl === undefined ? "expired" : formatSeconds(ttl);
  return [subnet, ip, oneLine(lease.attrs.backendType ?? "-"), ttlText, reserved ? "yes" : "no"];
}

function table(rows: readonly string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2))).join("")).join("\n") + "\n";
}

// BackendData as JSON when it can be written back as JSON; else (not JSON, or
// nested deeper than JSON.stringify's recursion goes) as the text it is.
function parseOrText(text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    JSON.stringify(value);
    return value;
  } catch {
    return text;
  }
}

function leaseJson(lease: LeaseRecord, ttl: number | null | undefined) {
  return {
    key: lease.key,
    subnet: formatCidr(lease.subnet.ipv4),
    ...(lease.subnet.ipv6 === undefined ? {} : { ipv6Subnet: formatCidr(lease.subnet.ipv6) }),
    publicIp: formatIp(lease.attrs.publicIp),
    publicIpv6: lease.attrs.publicIpv6 === undefined ? null : formatIp(lease.attrs.publicIpv6),
    backendType: lease.attrs.backendType ?? null,
    backendData: lease.attrs.backendData === undefined ? null : parseOrText(lease.attrs.backendData),
    reserved: lease.leaseId === undefined,
    leaseId: lease.leaseId ?? null,
    ttlSeconds: ttl ?? null,
    value: lease.value,
  };
}

/**
 * The `leases` command over a registry opener (tests pass an in-memory registry).
 *
 * @param open opens the registry from the etcd flags; default etcd
 * @returns the command
 */
export function leasesCommand(open: OpenRegistry = openEtcdRegistry) {
  return defineCommand(leasesSpec, (run) =>
    withRegistry(run, open, async (registry) => {
      const { values, io, report } = run;
      const listing = await registry.listLeases();
      if (listing.isErr()) return report.error(listing.error);
      const { revision, leases, unreadable } = listing.value;
      const ids = [...new Set(leases.flatMap((l) => (l.leaseId === undefined ? [] : [l.leaseId])))];
      const ttls = new Map<string, number | null>();
      for (const [i, r] of (await Promise.all(ids.map((id) => registry.timeToLive(id)))).entries()) {
        if (r.isErr()) return report.error(r.error);
        ttls.set(ids[i] as string, r.value);
      }
      const ttlOf = (l: LeaseRecord) => (l.leaseId === undefined ? undefined : ttls.get(l.leaseId));
      if (values.json) {
        const unreadableJson = unreadable.map((u) => ({ key: u.key, value: u.value, error: u.error.message }));
        io.out(`${JSON.stringify({ revision, leases: leases.map((l) => leaseJson(l, ttlOf(l))), unreadable: unreadableJson }, null, 2)}\n`);
      } else {
        io.out(table([["SUBNET", "PUBLIC IP", "BACKEND", "TTL", "RESERVED"], ...leases.map((l) => row(l, ttlOf(l)))]));
        for (const u of unreadable) report.warning(`${u.error.message} (at ${u.key})`);
      }
      return 0;
    }));
}

export default leasesCommand();
