/**
 * etcd's CPU per unit of flannel's work, on one member with nothing else to
 * do: per lease listed (a listing of 1,000 leases, 200 times) and per watch
 * message (100 renewals, each a grant and a txn, seen by 300 watchers).
 * The figures docs/reliability.md uses for 5,000 and 10,000 hosts. etcd's
 * CPU is read from /proc.
 *
 *   npx tsx bench/scale/etcd-unit-costs.ts   (under the shared lock, like bench:scale)
 */
import { readFileSync } from "node:fs";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { parseIp4 } from "../../src/subnet/ip.ts";
import { parseSubnetKey } from "../../src/subnet/subnet-key.ts";
import { startLocalEtcdCluster } from "./local-etcd-cluster.ts";

const LEASES = 1_000;
const LISTS = 200;
const WATCHERS = 300;
const RENEWALS = 100;

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const cluster = await startLocalEtcdCluster({ size: 1, log });
process.once("exit", () => cluster.destroySync());
const pid = cluster.members[0]?.pid ?? 0;
// utime + stime, fields 14 and 15 of /proc/PID/stat, in clock ticks of 10 ms.
const cpuSeconds = (): number => {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const lease = (i: number) => ({
  subnet: parseSubnetKey(`10.${i >> 8}.${i & 255}.0-24`)._unsafeUnwrap(),
  attrs: { publicIp: parseIp4(`198.18.${i >> 8}.${i & 255}`)._unsafeUnwrap(), backendType: "vxlan" },
});

const admin = new Etcd3Registry({ endpoints: cluster.endpoints });
const regs: Etcd3Registry[] = [];
try {
  for (let i = 0; i < LEASES; i++) {
    const { subnet, attrs } = lease(i);
    const r = await admin.createLease(subnet, attrs, { ttlSeconds: 600 });
    if (r.isErr()) throw new Error(r.error.message);
  }
  const listing = (await admin.listLeases())._unsafeUnwrap();

  let c0 = cpuSeconds();
  for (let i = 0; i < LISTS; i += 10) await Promise.all(Array.from({ length: 10 }, () => admin.listLeases()));
  const perLease = ((cpuSeconds() - c0) * 1e6) / (LISTS * LEASES);
  console.log(`listing: ${perLease.toFixed(2)} µs of etcd CPU per lease listed (${LISTS} listings of ${LEASES} leases)`);

  let seen = 0;
  for (let i = 0; i < WATCHERS; i++) regs.push(new Etcd3Registry({ endpoints: cluster.endpoints, ownConnections: true }));
  const watches = regs.map((r) => r.watchLeases({ fromRevision: listing.revision + 1, onEvent: (e) => void (e.kind === "put" && seen++) }));
  await new Promise((r) => setTimeout(r, 3_000));
  c0 = cpuSeconds();
  const t0 = Date.now();
  for (let i = 0; i < RENEWALS; i++) {
    const { subnet, attrs } = lease(i);
    const r = await admin.updateLease(subnet, attrs, { ttlSeconds: 600 });
    if (r.isErr()) throw new Error(r.error.message);
  }
  while (seen < WATCHERS * RENEWALS && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
  const perMessage = ((cpuSeconds() - c0) * 1e6) / seen;
  console.log(`watch: ${perMessage.toFixed(1)} µs of etcd CPU per watch message (${RENEWALS} renewals to ${WATCHERS} watchers, ${seen} messages; the renewals' own cost included)`);
  await Promise.all(watches.map((w) => w.close()));
} finally {
  await Promise.all(regs.map((r) => r.close()));
  await admin.close();
  await cluster.destroy();
}
