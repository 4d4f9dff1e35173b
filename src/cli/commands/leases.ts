import { parseArgs } from "node:util";
import type { LeaseRecord } from "../../etcd/registry.ts";
import { formatCidr } from "../../subnet/cidr.ts";
import { formatIp } from "../../subnet/ip.ts";
import { ETCD_FLAG_OPTIONS, ETCD_FLAGS_HELP, openEtcdRegistry, withRegistry, type OpenRegistry } from "../etcd-flags.ts";
import type { CliCommand } from "../io.ts";

const usage = `Usage: flannel-ts leases [--json] [etcd flags]

Lists the subnet leases under <prefix>/subnets/: subnet, PublicIP, backend,
the TTL left, and whether the lease is a reservation (a key without TTL,
never expires, never given to another host). Keys that cannot be read are
reported on stderr; their subnets stay taken.

Flags:
  --json           print JSON: {"revision", "leases": [...], "unreadable": [...]}
  -h, --help       show this help

${ETCD_FLAGS_HELP}`;

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
  return [subnet, ip, lease.attrs.backendType ?? "-", ttlText, reserved ? "yes" : "no"];
}

function table(rows: readonly string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2))).join("")).join("\n") + "\n";
}

function leaseJson(lease: LeaseRecord, ttl: number | null | undefined) {
  return {
    key: lease.key,
    subnet: formatCidr(lease.subnet.ipv4),
    ...(lease.subnet.ipv6 === undefined ? {} : { ipv6Subnet: formatCidr(lease.subnet.ipv6) }),
    publicIp: formatIp(lease.attrs.publicIp),
    publicIpv6: lease.attrs.publicIpv6 === undefined ? null : formatIp(lease.attrs.publicIpv6),
    backendType: lease.attrs.backendType ?? null,
    backendData: lease.attrs.backendData === undefined ? null : (JSON.parse(lease.attrs.backendData) as unknown),
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
export function leasesCommand(open: OpenRegistry = openEtcdRegistry): CliCommand {
  return {
    summary: "List the subnet leases in etcd (subnet, PublicIP, backend, TTL left, reserved)",
    usage,
    run: async (argv, io) => {
      const fail = (message: string, code: number): number => {
        io.err(`flannel-ts leases: ${message}\n`);
        return code;
      };
      let parsed;
      try {
        parsed = parseArgs({ args: [...argv], options: { ...ETCD_FLAG_OPTIONS, json: { type: "boolean" } }, allowPositionals: false, strict: true });
      } catch (cause) {
        return fail(`${cause instanceof Error ? cause.message : String(cause)}; run with --help for usage`, 2);
      }
      return withRegistry("leases", io, parsed.values, open, async (registry) => {
        const listing = await registry.listLeases();
        if (listing.isErr()) return fail(listing.error.message, 1);
        const { revision, leases, unreadable } = listing.value;
        const ids = [...new Set(leases.flatMap((l) => (l.leaseId === undefined ? [] : [l.leaseId])))];
        const ttls = new Map<string, number | null>();
        for (const [i, r] of (await Promise.all(ids.map((id) => registry.timeToLive(id)))).entries()) {
          if (r.isErr()) return fail(r.error.message, 1);
          ttls.set(ids[i] as string, r.value);
        }
        const ttlOf = (l: LeaseRecord) => (l.leaseId === undefined ? undefined : ttls.get(l.leaseId));
        if (parsed.values.json === true) {
          const unreadableJson = unreadable.map((u) => ({ key: u.key, value: u.value, error: u.error.message }));
          io.out(`${JSON.stringify({ revision, leases: leases.map((l) => leaseJson(l, ttlOf(l))), unreadable: unreadableJson }, null, 2)}\n`);
        } else {
          io.out(table([["SUBNET", "PUBLIC IP", "BACKEND", "TTL", "RESERVED"], ...leases.map((l) => row(l, ttlOf(l)))]));
          for (const u of unreadable) io.err(`flannel-ts leases: warning: ${u.error.message} (at ${u.key})\n`);
        }
        return 0;
      });
    },
  };
}

export default leasesCommand();
