// The scale benchmark's command line: flags, defaults, and every check made
// before anything starts.
import { parseArgs } from "node:util";
import { err, ok, type Result } from "neverthrow";
import { parseCidr4 } from "../../src/subnet/cidr.ts";

/** A fault injected under load once the steady phase is measured. */
export type Fault =
  /** SIGKILL the raft leader; start it again once every host is back in step. */
  | { readonly kind: "leader-kill" }
  /** Stop every member (SIGTERM) for `seconds`, then start them all again. */
  | { readonly kind: "cluster-stop"; readonly seconds: number };

/** What one run does. */
export interface ScaleOptions {
  /** Simulated hosts (`--hosts`). Default 100. */
  readonly hosts: number;
  /** etcd members (`--etcd-nodes`). Default 3. */
  readonly etcdNodes: number;
  /** Worker processes that run the hosts (`--workers`); "auto" picks by host count. */
  readonly workers: number | "auto";
  /** Start the hosts evenly over this many seconds (`--ramp`). Default 0: all at once. */
  readonly rampSeconds: number;
  /** Lease TTL in seconds (`--ttl`). Default 120 (flanneld's is 24 h). */
  readonly ttlSeconds: number;
  /** Renew this long before expiry (`--renew-margin`). Default 60: a renewal per host every minute. */
  readonly renewMarginSeconds: number;
  /** Wait after a failed renewal (`--retry`). Default 10 (flanneld's is 60). */
  readonly retrySeconds: number;
  /** Length of the steady phase (`--steady`). Default twice the renewal interval. */
  readonly steadySeconds: number;
  /** Lease changes made to measure fan-out, in pairs of create and delete (`--fanout-rounds`). Default 10. */
  readonly fanoutRounds: number;
  /** Faults, in order (`--fault leader-kill`, `--fault cluster-stop=30`). Default none. */
  readonly faults: readonly Fault[];
  /** All hosts of a worker share one connection per etcd member (`--share-connections`). Default: one per host. */
  readonly shareConnections: boolean;
  /** Exit 1 when a bound is broken (`--check`). */
  readonly check: boolean;
  /** The fan-out p99 bound for `--check` (`--max-fanout-ms`). Default 2,000. */
  readonly maxFanoutP99Ms: number;
  /** The network config's Network (`--network`), /24 subnets. Default 10.0.0.0/12 (4,095 subnets). */
  readonly network: string;
  /** Seed of the hosts' random sources (`--seed`). Default 1. */
  readonly seed: number;
  /** The whole run is stopped after this long (`--time-limit`). Default 600 s. */
  readonly timeLimitSeconds: number;
  /** etcd image whose binaries to run (`--etcd-image`). Default: the test kit's local image. */
  readonly etcdImage?: string;
  /** Keep the etcd data and logs (`--keep`). */
  readonly keep: boolean;
  /** Run the library from its TypeScript sources instead of dist/ (`--from-sources`). */
  readonly fromSources: boolean;
  /** Print the usage (`--help`). */
  readonly help: boolean;
}

/** Why the command line cannot be run. */
export interface ScaleArgsError {
  readonly kind: "invalid-argument";
  /** The flag at fault, e.g. `--hosts`, or the argument itself when it is no flag. */
  readonly flag: string;
  readonly message: string;
}

/** The usage text. */
export const SCALE_USAGE = `npm run bench:scale -- [flags]

  --hosts N              simulated hosts, each a lease manager and a peer watcher (default 100)
  --etcd-nodes K         etcd members, local processes (default 3)
  --workers W            worker processes running the hosts (default: 1 per 250 hosts, at most 4)
  --ramp S               start the hosts evenly over S seconds (default 0: all at once)
  --ttl S                lease TTL in seconds (default 120)
  --renew-margin S       renew this long before expiry (default 60: every host renews once a minute)
  --retry S              wait after a failed renewal (default 10)
  --steady S             length of the steady phase (default: two renewal intervals)
  --fanout-rounds R      lease created and deleted R times to time fan-out (default 10)
  --fault F              leader-kill | cluster-stop=SECONDS; repeat for several (default none)
  --share-connections    one connection per member for all hosts of a worker (default: one per host)
  --check                exit 1 when duplicates, lost leases or fan-out p99 break their bounds
  --max-fanout-ms MS     fan-out p99 bound for --check (default 2000)
  --network CIDR         the network config's Network, /24 subnets (default 10.0.0.0/12)
  --seed N               seed of the hosts' subnet picks (default 1)
  --time-limit S         stop everything after S seconds (default 600)
  --etcd-image NAME      image whose etcd binaries to run (default: the test kit's local image)
  --keep                 keep etcd's data directories and logs
  --from-sources         run the library from src/ through tsx instead of dist/ (no build needed;
                         tsx's transform roughly doubles the cost of the library's own code)
`;

const bad = (flag: string, message: string): Result<never, ScaleArgsError> => err({ kind: "invalid-argument", flag, message: `${flag}: ${message}` });

/**
 * Reads the benchmark's flags and checks every value before anything runs.
 *
 * @param argv the arguments after the script's name
 * @returns the options, or the first flag at fault
 * @example
 * ```ts
 * import { parseScaleArgs } from "./scale-args.ts";
 * parseScaleArgs(["--hosts", "300", "--fault", "cluster-stop=30"]).map((o) => [o.hosts, o.faults]); // ok([300, [{ kind: "cluster-stop", seconds: 30 }]])
 * ```
 */
export function parseScaleArgs(argv: readonly string[]): Result<ScaleOptions, ScaleArgsError> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        hosts: { type: "string" },
        "etcd-nodes": { type: "string" },
        workers: { type: "string" },
        ramp: { type: "string" },
        ttl: { type: "string" },
        "renew-margin": { type: "string" },
        retry: { type: "string" },
        steady: { type: "string" },
        "fanout-rounds": { type: "string" },
        fault: { type: "string", multiple: true },
        "share-connections": { type: "boolean" },
        check: { type: "boolean" },
        "max-fanout-ms": { type: "string" },
        network: { type: "string" },
        seed: { type: "string" },
        "time-limit": { type: "string" },
        "etcd-image": { type: "string" },
        keep: { type: "boolean" },
        "from-sources": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    // parseArgs names the offending argument in its message; its code says which rule.
    const code = (e as { code?: unknown }).code;
    const text = e instanceof Error ? e.message : String(e);
    const flag = /'([^']+)'/.exec(text)?.[1] ?? "arguments";
    const why = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? "unknown flag" : code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" ? "unexpected argument" : "needs a value";
    return bad(flag.startsWith("-") ? flag.split(" ")[0]! : flag, `${why} (see --help)`);
  }
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const int = (name: string, fallback: number, min: number, max: number): Result<number, ScaleArgsError> => {
    const text = str(name);
    if (text === undefined) return ok(fallback);
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) return bad(`--${name}`, `"${text}" is not a whole number from ${min} to ${max}`);
    return ok(n);
  };

  const hosts = int("hosts", 100, 1, 20_000);
  if (hosts.isErr()) return err(hosts.error);
  const nodes = int("etcd-nodes", 3, 1, 9);
  if (nodes.isErr()) return err(nodes.error);
  let workers: number | "auto" = "auto";
  if (str("workers") !== undefined && str("workers") !== "auto") {
    const w = int("workers", 1, 1, 64);
    if (w.isErr()) return err(w.error);
    if (w.value > hosts.value) return bad("--workers", `${w.value} workers for ${hosts.value} hosts leaves some without work`);
    workers = w.value;
  }
  const ramp = int("ramp", 0, 0, 3600);
  if (ramp.isErr()) return err(ramp.error);
  const ttl = int("ttl", 120, 5, 24 * 3600);
  if (ttl.isErr()) return err(ttl.error);
  const margin = int("renew-margin", Math.min(60, Math.floor(ttl.value / 2)), 1, 24 * 3600);
  if (margin.isErr()) return err(margin.error);
  if (margin.value >= ttl.value) return bad("--renew-margin", `${margin.value} s must be below --ttl ${ttl.value} s, or no renewal happens before expiry`);
  const retry = int("retry", 10, 1, 3600);
  if (retry.isErr()) return err(retry.error);
  const interval = ttl.value - margin.value;
  const steady = int("steady", Math.min(2 * interval, 300), 1, 3600);
  if (steady.isErr()) return err(steady.error);
  const rounds = int("fanout-rounds", 10, 1, 500);
  if (rounds.isErr()) return err(rounds.error);
  const maxFanout = int("max-fanout-ms", 2_000, 1, 600_000);
  if (maxFanout.isErr()) return err(maxFanout.error);
  const seed = int("seed", 1, 0, 2 ** 32 - 1);
  if (seed.isErr()) return err(seed.error);
  const limit = int("time-limit", 600, 10, 24 * 3600);
  if (limit.isErr()) return err(limit.error);

  const networkText = str("network") ?? "10.0.0.0/12";
  const network = parseCidr4(networkText);
  if (network.isErr()) return bad("--network", network.error.message);
  if (network.value.prefix > 22) return bad("--network", `${networkText} is too small for /24 subnets`);
  // flannel leaves out the network's first subnet; the probes need one free subnet each.
  const subnets = 2 ** (24 - network.value.prefix) - 1;
  if (hosts.value + 1 > subnets / 2) {
    return bad("--network", `${networkText} has ${subnets} subnets of /24: give at least twice as many as --hosts ${hosts.value}, so that picks do not mostly collide`);
  }

  const faults: Fault[] = [];
  for (const text of (values.fault as string[] | undefined) ?? []) {
    for (const part of text.split(",")) {
      if (part === "leader-kill") {
        if (nodes.value < 3) return bad("--fault", `leader-kill needs --etcd-nodes 3 or more (${nodes.value} members lose their quorum with the leader)`);
        faults.push({ kind: "leader-kill" });
        continue;
      }
      const stop = /^cluster-stop=(\d+)$/.exec(part);
      const seconds = stop === null ? Number.NaN : Number(stop[1]);
      if (!(seconds >= 1 && seconds <= 600)) return bad("--fault", `"${part}" is not leader-kill or cluster-stop=SECONDS (1 to 600)`);
      faults.push({ kind: "cluster-stop", seconds });
    }
  }
  const image = str("etcd-image");
  return ok({
    hosts: hosts.value,
    etcdNodes: nodes.value,
    workers,
    rampSeconds: ramp.value,
    ttlSeconds: ttl.value,
    renewMarginSeconds: margin.value,
    retrySeconds: retry.value,
    steadySeconds: steady.value,
    fanoutRounds: rounds.value,
    faults,
    shareConnections: values["share-connections"] === true,
    check: values.check === true,
    maxFanoutP99Ms: maxFanout.value,
    network: networkText,
    seed: seed.value,
    timeLimitSeconds: limit.value,
    ...(image === undefined ? {} : { etcdImage: image }),
    keep: values.keep === true,
    fromSources: values["from-sources"] === true,
    help: values.help === true,
  });
}

/**
 * The number of worker processes for a run: as asked, or one per 250 hosts
 * and at most 4 (the machine this was measured on has 2 cores, shared with
 * etcd; see docs/reliability.md).
 *
 * @param options the run's options
 * @returns at least 1, at most the number of hosts
 */
export function workerCount(options: Pick<ScaleOptions, "hosts" | "workers">): number {
  if (options.workers !== "auto") return options.workers;
  return Math.min(4, Math.max(1, Math.ceil(options.hosts / 250)));
}
