import { parseArgs } from "node:util";
import { DEFAULT_LEASE_TTL_SECONDS, DEFAULT_SUBNET_FILE } from "../../core/defaults.ts";
import { acquireLease, type AcquiredLease } from "../../flannel/lease-acquire.ts";
import type { SubnetEnv } from "../../flannel/subnet-env.ts";
import { readSubnetEnvFile, writeSubnetEnvFile } from "../../node/subnet-env-file.ts";
import { formatCidr } from "../../subnet/cidr.ts";
import { ENCAPSULATION_OVERHEAD } from "../../core/defaults.ts";
import { encapsulationMtu, type EncapsulationType } from "../../subnet/encapsulation-mtu.ts";
import { formatIp, parseIp4 } from "../../subnet/ip.ts";
import type { SubnetKey } from "../../subnet/subnet-key.ts";
import { ETCD_FLAG_OPTIONS, ETCD_FLAGS_HELP, openEtcdRegistry, withRegistry, type OpenRegistry } from "../etcd-flags.ts";
import type { CliCommand, CliIo } from "../io.ts";
import { formatSeconds } from "./leases.ts";

const usage = `Usage: flannel-ts lease acquire --public-ip IP [--subnet-file FILE] [flags] [etcd flags]

Acquires this host's subnet lease, or reuses the one it holds, with
flanneld's policy: the lease already carrying this PublicIP if it still fits
the network config (a reservation stays without TTL); else the subnet of
subnet.env if it is free; else a random free subnet. Then writes subnet.env
as flanneld does, prints the lease and exits. The lease keeps its TTL in
etcd: run the command again before it runs out (or run the agent) to keep it.

Flags:
  --public-ip IP        this host's IPv4 address that peers reach (FLANNELD_PUBLIC_IP)
  --subnet-file FILE    subnet.env to read the previous subnet from and to write
                        (FLANNELD_SUBNET_FILE; default ${DEFAULT_SUBNET_FILE})
  --ip-masq             write FLANNEL_IPMASQ=true (FLANNELD_IP_MASQ; default false)
  --mtu N               FLANNEL_MTU to write (default 1500 less the backend's
                        encapsulation overhead: 1472 for udp, 1450 for vxlan)
  --ttl SECONDS         lease TTL (default ${DEFAULT_LEASE_TTL_SECONDS}, flanneld's 24 h)
  --json                print the lease as JSON
  -h, --help            show this help

${ETCD_FLAGS_HELP}
Exit status: 0 with a lease, 1 when none could be had (out of subnets, no
config, etcd unreachable), 2 for bad flags.
`;

const OPTIONS = {
  ...ETCD_FLAG_OPTIONS,
  "public-ip": { type: "string" },
  "subnet-file": { type: "string" },
  "ip-masq": { type: "boolean" },
  mtu: { type: "string" },
  ttl: { type: "string" },
  json: { type: "boolean" },
} as const;

// flanneld's rule for its own flags too: the flag, else FLANNELD_<NAME> when not empty.
function flagOrEnv(value: string | boolean | undefined, io: CliIo, name: string): string | undefined {
  if (typeof value === "string") return value;
  if (value === true) return "true";
  const fromEnv = io.env[`FLANNELD_${name.toUpperCase().replace(/-/g, "_")}`];
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

function positiveInteger(text: string): number | undefined {
  return /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : undefined;
}

// Go's strconv.ParseBool, which flanneld's boolean flags use.
function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

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
export function leaseAcquireCommand(open: OpenRegistry = openEtcdRegistry): CliCommand {
  return {
    summary: "Acquire or reuse this host's lease, write subnet.env, print the lease",
    usage,
    run: async (argv, io) => {
      const fail = (message: string, code: number): number => {
        io.err(`flannel-ts lease acquire: ${message}\n`);
        return code;
      };
      let parsed;
      try {
        parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true });
      } catch (cause) {
        return fail(`${cause instanceof Error ? cause.message : String(cause)}; run with --help for usage`, 2);
      }
      const v = parsed.values;
      const publicIpText = flagOrEnv(v["public-ip"], io, "public-ip");
      if (publicIpText === undefined) return fail("--public-ip is required: the IPv4 address other hosts reach this one at", 2);
      const publicIp = parseIp4(publicIpText);
      if (publicIp.isErr()) return fail(`--public-ip: ${publicIp.error.message}`, 2);
      const subnetFile = flagOrEnv(v["subnet-file"], io, "subnet-file") ?? DEFAULT_SUBNET_FILE;
      const ipMasqText = flagOrEnv(v["ip-masq"], io, "ip-masq") ?? "false";
      const ipMasq = parseGoBool(ipMasqText);
      if (ipMasq === undefined) return fail(`FLANNELD_IP_MASQ "${ipMasqText}" is not a boolean (true or false)`, 2);
      const ttl = v.ttl === undefined ? DEFAULT_LEASE_TTL_SECONDS : positiveInteger(v.ttl);
      if (ttl === undefined) return fail(`--ttl "${v.ttl}" is not a positive number of seconds`, 2);
      const mtuFlag = v.mtu === undefined ? undefined : positiveInteger(v.mtu);
      if (v.mtu !== undefined && mtuFlag === undefined) return fail(`--mtu "${v.mtu}" is not a positive integer`, 2);

      const previousEnv = await readSubnetEnvFile(subnetFile);
      if (previousEnv.isErr()) io.err(`flannel-ts lease acquire: warning: ignoring the previous subnet: ${previousEnv.error.message}\n`);
      const env = previousEnv.unwrapOr(undefined);
      const previousSubnet: SubnetKey | undefined =
        env?.subnet === undefined ? undefined : env.ipv6Subnet === undefined ? { ipv4: env.subnet } : { ipv4: env.subnet, ipv6: env.ipv6Subnet };

      return withRegistry("lease acquire", io, v, open, async (registry) => {
        const acquired = await acquireLease({
          registry,
          attrs: { publicIp: publicIp.value },
          ...(previousSubnet === undefined ? {} : { previousSubnet }),
          ttlSeconds: ttl,
        });
        if (acquired.isErr()) return fail(acquired.error.message, 1);
        const lease = acquired.value;
        const backend = lease.config.backend.type.toLowerCase();
        if (backend !== "udp") {
          io.err(`flannel-ts lease acquire: warning: the network's backend is "${lease.config.backend.type}"; this lease carries only a PublicIP, as flanneld's udp backend writes it\n`);
        }
        let mtu = mtuFlag;
        if (mtu === undefined) {
          const overlay = backend in ENCAPSULATION_OVERHEAD ? encapsulationMtu(1500, backend as EncapsulationType) : undefined;
          mtu = overlay === undefined ? 1500 : overlay.unwrapOr(1500);
        }
        const { ipv4, ipv6 } = lease.lease.subnet;
        const subnetEnv: SubnetEnv = {
          network: lease.config.ipv4?.network ?? ipv4,
          subnet: ipv4,
          ...(ipv6 === undefined || lease.config.ipv6 === undefined ? {} : { ipv6Network: lease.config.ipv6.network, ipv6Subnet: ipv6 }),
          mtu,
          ipMasq,
        };
        const written = await writeSubnetEnvFile(subnetFile, subnetEnv);
        if (written.isErr()) return fail(`acquired ${lease.lease.key} but could not write subnet.env: ${written.error.message}`, 1);
        if (v.json === true) {
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
    },
  };
}

export default leaseAcquireCommand();
