import { err } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseScaleArgs, type ScaleOptions, workerCount } from "./scale-args.ts";

const defaults: ScaleOptions = {
  hosts: 100,
  etcdNodes: 3,
  workers: "auto",
  rampSeconds: 0,
  ttlSeconds: 120,
  renewMarginSeconds: 60,
  retrySeconds: 10,
  steadySeconds: 120,
  fanoutRounds: 10,
  faults: [],
  shareConnections: false,
  check: false,
  maxFanoutP99Ms: 2000,
  network: "10.0.0.0/12",
  seed: 1,
  timeLimitSeconds: 600,
  keep: false,
  fromSources: false,
  help: false,
};

describe("parseScaleArgs", () => {
  it.each([
    { argv: [], want: defaults },
    { argv: ["--hosts", "1000", "--etcd-nodes", "3"], want: { ...defaults, hosts: 1000 } },
    {
      argv: ["--hosts", "50", "--check", "--ttl", "20", "--renew-margin", "10", "--steady", "15", "--max-fanout-ms", "500"],
      want: { ...defaults, hosts: 50, check: true, ttlSeconds: 20, renewMarginSeconds: 10, steadySeconds: 15, maxFanoutP99Ms: 500 },
    },
    { argv: ["--ttl", "30"], want: { ...defaults, ttlSeconds: 30, renewMarginSeconds: 15, steadySeconds: 30 } },
    { argv: ["--ttl", "3600", "--renew-margin", "600"], want: { ...defaults, ttlSeconds: 3600, renewMarginSeconds: 600, steadySeconds: 300 } },
    {
      argv: ["--fault", "leader-kill", "--fault", "cluster-stop=30"],
      want: { ...defaults, faults: [{ kind: "leader-kill" }, { kind: "cluster-stop", seconds: 30 }] },
    },
    { argv: ["--fault", "cluster-stop=5,leader-kill"], want: { ...defaults, faults: [{ kind: "cluster-stop", seconds: 5 }, { kind: "leader-kill" }] } },
    { argv: ["--workers", "2", "--share-connections", "--seed", "7"], want: { ...defaults, workers: 2, shareConnections: true, seed: 7 } },
    { argv: ["--etcd-image", "quay.io/coreos/etcd:v3.5.17", "--keep"], want: { ...defaults, etcdImage: "quay.io/coreos/etcd:v3.5.17", keep: true } },
    { argv: ["--hosts", "2000", "--network", "10.0.0.0/8"], want: { ...defaults, hosts: 2000, network: "10.0.0.0/8" } },
    { argv: ["-h"], want: { ...defaults, help: true } },
    { argv: ["--from-sources"], want: { ...defaults, fromSources: true } },
    { argv: ["--ramp", "60"], want: { ...defaults, rampSeconds: 60 } },
  ])("$argv", ({ argv, want }) => {
    expect(parseScaleArgs(argv)._unsafeUnwrap()).toEqual(want);
  });

  const refused = (flag: string, message: string) => err({ kind: "invalid-argument", flag, message: `${flag}: ${message}` });
  it.each([
    { argv: ["--hosts", "0"], want: refused("--hosts", '"0" is not a whole number from 1 to 20000') },
    { argv: ["--hosts", "1e3"], want: refused("--hosts", '"1e3" is not a whole number from 1 to 20000') },
    { argv: ["--hosts", "-5"], want: refused("--hosts", "needs a value (see --help)") },
    { argv: ["--etcd-nodes", "10"], want: refused("--etcd-nodes", '"10" is not a whole number from 1 to 9') },
    { argv: ["--workers", "8", "--hosts", "4"], want: refused("--workers", "8 workers for 4 hosts leaves some without work") },
    { argv: ["--ttl", "60", "--renew-margin", "60"], want: refused("--renew-margin", "60 s must be below --ttl 60 s, or no renewal happens before expiry") },
    { argv: ["--fault", "leader-kill", "--etcd-nodes", "1"], want: refused("--fault", "leader-kill needs --etcd-nodes 3 or more (1 members lose their quorum with the leader)") },
    { argv: ["--fault", "cluster-stop"], want: refused("--fault", '"cluster-stop" is not leader-kill or cluster-stop=SECONDS (1 to 600)') },
    { argv: ["--fault", "cluster-stop=0"], want: refused("--fault", '"cluster-stop=0" is not leader-kill or cluster-stop=SECONDS (1 to 600)') },
    { argv: ["--network", "10.0.0.0/24"], want: refused("--network", "10.0.0.0/24 is too small for /24 subnets") },
    {
      argv: ["--hosts", "3000", "--network", "10.0.0.0/12"],
      want: refused("--network", "10.0.0.0/12 has 4095 subnets of /24: give at least twice as many as --hosts 3000, so that picks do not mostly collide"),
    },
    { argv: ["--bogus"], want: refused("--bogus", "unknown flag (see --help)") },
    { argv: ["extra"], want: refused("extra", "unexpected argument (see --help)") },
  ])("refuses $argv", ({ argv, want }) => {
    expect(parseScaleArgs(argv)).toEqual(want);
  });

  it("names --network when the CIDR does not parse", () => {
    const e = parseScaleArgs(["--network", "10.0.0.300/12"])._unsafeUnwrapErr();
    expect(e.flag).toBe("--network");
    expect(e.message).toContain("10.0.0.300");
  });
});

describe("workerCount", () => {
  it.each([
    { hosts: 1, workers: "auto" as const, want: 1 },
    { hosts: 250, workers: "auto" as const, want: 1 },
    { hosts: 300, workers: "auto" as const, want: 2 },
    { hosts: 1000, workers: "auto" as const, want: 4 },
    { hosts: 5000, workers: "auto" as const, want: 4 },
    { hosts: 1000, workers: 3, want: 3 },
  ])("$hosts hosts, --workers $workers: $want", ({ hosts, workers, want }) => {
    expect(workerCount({ hosts, workers })).toBe(want);
  });
});
