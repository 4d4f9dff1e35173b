/**
 * `flannel-ts lease acquire`: this host's lease and subnet.env, as flanneld
 * takes them. subnet.env is checked before the lease is taken (that it can
 * be written) and by its writer (writeSubnetEnvFile runs checkSubnetEnv: what it says makes
 * sense), and a lease this command created is given back when subnet.env
 * is refused or cannot be written.
 *
 * @module
 */
import { DEFAULT_UDP_MTU, ENCAPSULATION_OVERHEAD } from "../../core/defaults.ts";
import { type AcquiredLease, acquireLease } from "../../flannel/lease-acquire.ts";
import type { SubnetEnv } from "../../flannel/subnet-env.ts";
import { checkAtomicWrite } from "../../node/atomic-write.ts";
import { readSubnetEnvFile, writeSubnetEnvFile } from "../../node/subnet-env-file.ts";
import { formatCidr } from "../../subnet/cidr.ts";
import { encapsulationMtu, type EncapsulationType } from "../../subnet/encapsulation-mtu.ts";
import { formatIp } from "../../subnet/ip.ts";
import type { SubnetKey } from "../../subnet/subnet-key.ts";
import { defineCommand } from "../define-command.ts";
import { openEtcdRegistry, type OpenRegistry, withRegistry } from "../open-etcd-registry.ts";
import { leaseAcquireSpec } from "../specs/lease-acquire.ts";
import { formatSeconds } from "./leases.ts";

/** The underlay MTU assumed when none is given: Ethernet's, from which flanneld's UDP MTU is derived. */
const ETHERNET_MTU = DEFAULT_UDP_MTU + ENCAPSULATION_OVERHEAD.udp;

function describe(lease: AcquiredLease, subnetFile: string, now: number): string {
  const { lease: l, source } = lease;
  const subnet = l.subnet.ipv6 === undefined ? formatCidr(l.subnet.ipv4) : `${formatCidr(l.subnet.ipv4)} and ${formatCidr(l.subnet.ipv6)}`;
  const origin = { existing: "its lease, renewed", reservation: "its reservation", previous: "the subnet of its subnet.env", new: "a new lease" }[source];
  const ttl = lease.expiresAt === null ? "a reservation: no TTL" : `expires in ${formatSeconds(Math.round((lease.expiresAt - now) / 1000))} unless renewed`;
  return `${subnet} for ${formatIp(l.attrs.publicIp)} (${origin})\nkey ${l.key}\n${ttl}\nwrote ${subnetFile}\n`;
}

/**
 * The `lease acquire` command over a registry opener (tests pass an in-memory registry).
 *
 * @param open opens the registry from the etcd flags; default etcd
 * @returns the command
 */
export function leaseAcquireCommand(open: OpenRegistry = openEtcdRegistry) {
  return defineCommand(leaseAcquireSpec, async (run) => {
    const { values: v, io, report } = run;
    const subnetFile = v.subnetFile;
    // Validate first: a lease is taken only when subnet.env can be written.
    const writable = await checkAtomicWrite(subnetFile, { mkdir: true });
    if (writable.isErr()) return report.error({ ...writable.error, message: `no lease taken: ${writable.error.message}` });
    const previousEnv = await readSubnetEnvFile(subnetFile);
    if (previousEnv.isErr()) report.warning(`ignoring the previous subnet: ${previousEnv.error.message}`);
    const env = previousEnv.unwrapOr(undefined);
    const previousSubnet: SubnetKey | undefined = env?.subnet === undefined
      ? undefined
      : env.ipv6Subnet === undefined
      ? { ipv4: env.subnet }
      : { ipv4: env.subnet, ipv6: env.ipv6Subnet };

    return withRegistry(run, open, async (registry) => {
      const acquired = await acquireLease({
        registry,
        attrs: { publicIp: v.publicIp },
        ...(previousSubnet === undefined ? {} : { previousSubnet }),
        ttlSeconds: v.ttl,
      });
      if (acquired.isErr()) return report.error(acquired.error);
      const lease = acquired.value;
      const backend = lease.config.backend.type.toLowerCase();
      if (backend !== "udp") {
        report.warning(`the network's backend is "${lease.config.backend.type}"; this lease carries only a PublicIP, as flanneld's udp backend writes it`);
      }
      let mtu = v.mtu;
      if (mtu === undefined) {
        const overlay = backend in ENCAPSULATION_OVERHEAD ? encapsulationMtu(ETHERNET_MTU, backend as EncapsulationType) : undefined;
        mtu = overlay === undefined ? ETHERNET_MTU : overlay.unwrapOr(ETHERNET_MTU);
      }
      const { ipv4, ipv6 } = lease.lease.subnet;
      const subnetEnv: SubnetEnv = {
        network: lease.config.ipv4?.network ?? ipv4,
        subnet: ipv4,
        ...(ipv6 === undefined || lease.config.ipv6 === undefined ? {} : { ipv6Network: lease.config.ipv6.network, ipv6Subnet: ipv6 }),
        mtu,
        ipMasq: v.ipMasq,
      };
      // Give back what this run created; a lease the host held before stays its own.
      const giveBack = async (): Promise<string> => {
        if (lease.source !== "new" && lease.source !== "previous") return "the lease it held before stays";
        const released = await registry.deleteLease(lease.lease.subnet, { ifCreateRevision: lease.lease.createRevision });
        return released.isOk() ? "the lease was given back" : `the lease could not be given back (${released.error.message}); it expires with its TTL`;
      };
      // The writer refuses values no reader takes (an MTU below IPv6's 1280 on a dual-stack network) before it touches the file.
      const written = await writeSubnetEnvFile(subnetFile, subnetEnv);
      if (written.isErr()) {
        const error = written.error;
        const message = error.kind === "file-write"
          ? `acquired ${lease.lease.key} but could not write subnet.env: ${error.message}; ${await giveBack()}`
          : `acquired ${lease.lease.key} but will not write ${subnetFile}: ${error.message}; ${await giveBack()}`;
        return report.error({ ...error, ...(error.kind === "file-write" ? {} : { path: subnetFile }), message });
      }
      if (v.json) {
        const l = lease.lease;
        const json = {
          key: l.key,
          subnet: formatCidr(ipv4),
          ...(ipv6 === undefined ? {} : { ipv6Subnet: formatCidr(ipv6) }),
          publicIp: formatIp(l.attrs.publicIp),
          source: lease.source,
          reserved: l.leaseId === undefined,
          leaseId: l.leaseId ?? null,
          ttlSeconds: l.ttlSeconds,
          value: l.value,
          subnetFile,
        };
        io.out(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        io.out(describe(lease, subnetFile, Date.now()));
      }
      return 0;
    });
  });
}

export default leaseAcquireCommand();
