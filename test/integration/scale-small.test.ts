// The scale benchmark at a size that fits CI: 50 simulated hosts on a
// three-member etcd, a leader killed and the whole cluster stopped under
// load. `--check` makes the run fail when a lease is held twice or lost, or
// fan-out is slow; the last line carries the figures.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseResultLine } from "../../bench/scale/result-line.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Run {
  readonly code: number | null;
  readonly fields: ReadonlyMap<string, string>;
  readonly stderr: string;
}

// Runs the benchmark from the TypeScript sources (so that it checks this
// code, not an older build), bounded by a timeout.
function bench(args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/scale/main.ts", "--from-sources", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    // SIGINT lets the benchmark remove its etcd processes and workers.
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "";
      const fields = parseResultLine(last);
      if (fields.isErr()) reject(new Error(`no result line (exit ${code}): ${fields.error.message}\n${stderr}`));
      else resolve({ code, fields: fields.value, stderr });
    });
  });
}

describe("bench:scale, CI size", () => {
  it("50 hosts on 3 members: no duplicate, no lost lease, fan-out p99 under 2 s, through a leader kill and a stopped cluster", async () => {
    const run = await bench(
      [
        "--hosts",
        "50",
        "--etcd-nodes",
        "3",
        "--check",
        "--ttl",
        "20",
        "--renew-margin",
        "10",
        "--steady",
        "12",
        "--fanout-rounds",
        "5",
        "--fault",
        "leader-kill",
        "--fault",
        "cluster-stop=5",
      ],
      110_000,
    );
    const f = run.fields;
    expect({ code: run.code, check: f.get("check") }, run.stderr).toEqual({ code: 0, check: "pass" });
    expect([f.get("hosts"), f.get("etcd_nodes"), f.get("duplicates"), f.get("lost"), f.get("acquire_failed"), f.get("fanout_missed"), f.get("final_missed")]).toEqual([
      "50",
      "3",
      "0",
      "0",
      "0",
      "0",
      "0",
    ]);
    expect([f.get("leader_kill_lost"), f.get("leader_kill_duplicates"), f.get("cluster_stop_lost"), f.get("cluster_stop_duplicates")]).toEqual(["0", "0", "0", "0"]);
    expect(Number(f.get("fanout_p99_ms"))).toBeLessThan(2_000);
    // Renewals happened during the run, and etcd's own metrics were read.
    expect(Number(f.get("renewals_per_s"))).toBeGreaterThan(0);
    expect(Number(f.get("etcd_watchers"))).toBe(50);
  }, 120_000);

  it("--check fails the run when a bound is broken (here a fan-out bound of 1 ms)", async () => {
    const run = await bench(["--hosts", "5", "--etcd-nodes", "1", "--check", "--max-fanout-ms", "1", "--steady", "1", "--fanout-rounds", "1"], 60_000);
    expect({ code: run.code, check: run.fields.get("check") }).toEqual({ code: 1, check: "fail" });
    expect(run.stderr).toMatch(/bound broken: fan-out p99 \d+ ms over 1 ms/);
  }, 70_000);
});
