/**
 * Scale benchmark: N simulated hosts (each the library's lease manager and
 * peer watch with an etcd client of its own, many per worker process, no TUN,
 * no root) on a K-member etcd cluster of local processes. Measures
 * acquisition, duplicates, lost leases, fan-out of a lease change, the steady
 * load on etcd from renewals and watches, memory per host, and optionally the
 * recovery from faults. The last line of stdout is the machine-readable
 * result. See docs/reliability.md.
 *
 *   npm run bench:scale -- --hosts 300 --etcd-nodes 3 [--fault leader-kill --fault cluster-stop=30] [--check]
 *
 * Needs Docker once (to copy etcd out of the test kit's image); run it under
 * the shared lock: flock /tmp/flannel-ts-root.lock npm run bench:scale -- ...
 * The hosts run the built library (dist/, `npm run build`; the npm script
 * builds first) unless --from-sources. FLANNEL_TS_SCALE_CPU_PROF=DIR writes a
 * CPU profile of each worker process into DIR.
 */
import { existsSync } from "node:fs";
import { formatResultLine } from "./result-line.ts";
import { runScale } from "./run-scale.ts";
import { parseScaleArgs, SCALE_USAGE } from "./scale-args.ts";

const cleanups: (() => void)[] = [];
const cleanUp = (): void => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch {
      // keep going: the other cleanups matter as much
    }
  }
};
const log = (line: string): void => void process.stderr.write(`[scale] ${line}\n`);

async function main(): Promise<number> {
  const parsed = parseScaleArgs(process.argv.slice(2));
  if (parsed.isErr()) {
    process.stderr.write(`bench:scale: ${parsed.error.message}\n\n${SCALE_USAGE}`);
    return 2;
  }
  const options = parsed.value;
  if (options.help) {
    process.stdout.write(SCALE_USAGE);
    return 0;
  }
  if (!options.fromSources && !existsSync(new URL("../../dist/flannel/lease-manager.js", import.meta.url))) {
    process.stderr.write("bench:scale: dist/ is missing: run `npm run build` first (npm run bench:scale does), or pass --from-sources\n");
    return 2;
  }
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      cleanUp();
      process.exit(130);
    });
  }
  process.once("exit", cleanUp);
  const limit = setTimeout(() => {
    log(`time limit of ${options.timeLimitSeconds} s reached: cleaning up`);
    cleanUp();
    process.exit(3);
  }, options.timeLimitSeconds * 1000);
  limit.unref();
  const result = await runScale(options, { log, print: (line) => void process.stdout.write(`${line}\n`), onCleanup: (c) => cleanups.push(c) });
  for (const f of result.failures) log(`bound broken: ${f}`);
  process.stdout.write(`${formatResultLine(result.fields)}\n`);
  return options.check && result.failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    cleanUp();
    process.exit(code);
  },
  (e: unknown) => {
    log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    cleanUp();
    process.exit(1);
  },
);
