/**
 * `flannel-ts docker-config`: merge the lease's bip and mtu (from
 * subnet.env) into Docker's daemon.json, checked with dockerd's rules
 * against dockerd's real command line, written atomically or not at all.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { DEFAULT_DAEMON_JSON, DEFAULT_SUBNET_FILE } from "../../core/defaults.ts";
import { parseDockerdArgs } from "../../dockerconf/dockerd-args.ts";
import type { DockerdVersion } from "../../dockerconf/dockerd-flags.ts";
import { defaultBridgeExpectation, verifyDefaultBridge, type DefaultBridgeReport, type EngineNetworkApi } from "../../dockerconf/engine-verify.ts";
import { dockerNetworkSettings, type AddressPool } from "../../dockerconf/network-settings.ts";
import type { DaemonJsonPlan } from "../../dockerconf/plan-daemon-json.ts";
import { splitUnitWords } from "../../dockerconf/systemd-unit.ts";
import type { DaemonJsonIssue, DockerdCommandLine } from "../../dockerconf/validate-daemon-json.ts";
import { planDaemonJsonFile, writeDaemonJsonPlan } from "../../node/daemon-json-file.ts";
import { readSubnetEnvFile } from "../../node/subnet-env-file.ts";
import { dockerdCommandLineFromSystemd } from "../../node/systemd-unit-files.ts";
import { parseCidr4 } from "../../subnet/cidr.ts";
import type { CliCommand, CliIo } from "../io.ts";

const usage = `Usage: flannel-ts docker-config [--subnet-file F] [--daemon-json F] [--dockerd-args "..."] [--dry-run] [--json]

Merge the lease's bip and mtu (from flanneld's subnet.env) into Docker's
daemon.json, keeping everything else in the file. The result is checked with
dockerd's rules before anything is written: on any error the file is left
untouched and the exit status is 1.

Options:
  --subnet-file F           flanneld's subnet.env (default ${DEFAULT_SUBNET_FILE})
  --daemon-json F           Docker's daemon.json (default ${DEFAULT_DAEMON_JSON})
  --dockerd-args "..."      dockerd's command line, to find directives set both as a
                            flag and in the file (default: read from the systemd unit)
  --systemd-unit U          the unit to read dockerd's ExecStart from, with its drop-ins
                            and environment files (default docker.service when it
                            exists; "none" to skip)
  --systemd-root DIR        read unit files under DIR instead of / (default /)
  --dockerd-version V       whose rules: 20.10 or 26 (default: from dockerd --version,
                            26 when there is no dockerd)
  --ip-masq                 also set ip-masq (the inverse of FLANNEL_IPMASQ)
  --fixed-cidr              also set fixed-cidr to the leased subnet
  --default-address-pool P  also set default-address-pools; P is base=CIDR,size=N
                            (repeatable)
  --allow-findings          write even with error-level security findings (an API
                            socket on TCP without TLS); they are still reported
  --backup F                keep the previous file here (default <daemon-json>.flannel-ts.bak)
  --no-backup               keep no copy of the previous file
  --dry-run                 print the unified diff and the issues; write nothing
  --verify                  check the running dockerd (Engine API, DOCKER_HOST or
                            /var/run/docker.sock): the default bridge must have the
                            lease's subnet, gateway and MTU
  --json                    print one JSON report on stdout
  -h, --help                show this help

After a write, restart dockerd (systemctl restart docker), then run again with
--verify.
`;

interface Report {
  daemonJson: string;
  changed: boolean;
  written: boolean;
  dryRun: boolean;
  backup?: string;
  changes: DaemonJsonPlan["changes"];
  issues: readonly DaemonJsonIssue[];
  blocking: number;
  diff?: string;
  verify?: { ok: boolean; report?: DefaultBridgeReport; message?: string };
  error?: string;
}

function detectVersion(): DockerdVersion {
  const out = spawnSync("dockerd", ["--version"], { encoding: "utf8", timeout: 5000 });
  const m = /version (\d+)\.(\d+)/.exec(out.stdout ?? "");
  if (m === null) return "26";
  return Number(m[1]) < 23 ? "20.10" : "26";
}

function engineFor(io: CliIo): Promise<EngineNetworkApi> {
  const host = io.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
  return import("dockerode").then(({ default: Docker }) => {
    if (host.startsWith("unix://")) return new Docker({ socketPath: host.slice("unix://".length) });
    const url = new URL(host.replace(/^tcp:/, "http:"));
    return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: "http" });
  });
}

const command: CliCommand = {
  summary: "Merge the lease's bip and mtu into Docker's daemon.json",
  usage,
  run: async (argv, io) => {
    let values;
    try {
      // A dockerd command line starts with a dash, which parseArgs takes
      // for a missing value unless it is attached with "=".
      const args = argv.flatMap((a, i) => (a === "--dockerd-args" && i + 1 < argv.length ? [] : argv[i - 1] === "--dockerd-args" ? [`--dockerd-args=${a}`] : [a]));
      ({ values } = parseArgs({
        args,
        options: {
          "subnet-file": { type: "string", default: DEFAULT_SUBNET_FILE },
          "daemon-json": { type: "string", default: DEFAULT_DAEMON_JSON },
          "dockerd-args": { type: "string" },
          "systemd-unit": { type: "string" },
          "systemd-root": { type: "string", default: "/" },
          "dockerd-version": { type: "string" },
          "ip-masq": { type: "boolean", default: false },
          "fixed-cidr": { type: "boolean", default: false },
          "default-address-pool": { type: "string", multiple: true, default: [] },
          "allow-findings": { type: "boolean", default: false },
          backup: { type: "string" },
          "no-backup": { type: "boolean", default: false },
          "dry-run": { type: "boolean", default: false },
          verify: { type: "boolean", default: false },
          json: { type: "boolean", default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (cause) {
      io.err(`flannel-ts docker-config: ${cause instanceof Error ? cause.message : String(cause)}\n${usage}`);
      return 2;
    }
    const usageError = (message: string): number => {
      io.err(`flannel-ts docker-config: ${message}\n`);
      return 2;
    };
    const versionArg = values["dockerd-version"];
    if (versionArg !== undefined && versionArg !== "20.10" && versionArg !== "26") return usageError(`--dockerd-version must be 20.10 or 26, not ${JSON.stringify(versionArg)}`);
    if (values.backup !== undefined && values["no-backup"]) return usageError("--backup and --no-backup exclude each other");
    const pools: AddressPool[] = [];
    for (const spec of values["default-address-pool"]) {
      const fields = new Map(spec.split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
      const base = parseCidr4(fields.get("base") ?? "");
      const size = Number(fields.get("size"));
      if (base.isErr() || !Number.isInteger(size) || size < base.value.prefix || size > 32) {
        return usageError(`--default-address-pool ${JSON.stringify(spec)}: write base=CIDR,size=N with N from the base's length to 32, e.g. base=192.168.0.0/16,size=24`);
      }
      pools.push({ base: base.value, size });
    }

    const path = values["daemon-json"];
    const report: Report = { daemonJson: path, changed: false, written: false, dryRun: values["dry-run"], changes: [], issues: [], blocking: 0 };
    const finish = (code: number, error?: string): number => {
      if (values.json) io.out(`${JSON.stringify(error === undefined ? report : { ...report, error }, null, 2)}\n`);
      else if (error !== undefined) io.err(`flannel-ts docker-config: ${error}\n`);
      return code;
    };

    const env = await readSubnetEnvFile(values["subnet-file"]);
    if (env.isErr()) return finish(1, env.error.message);
    if (env.value === undefined) return finish(1, `${values["subnet-file"]} does not exist: start flanneld (or flannel-ts agent) first, or name the file with --subnet-file`);
    const settings = dockerNetworkSettings(env.value, { ipMasq: values["ip-masq"], fixedCidr: values["fixed-cidr"], ...(pools.length > 0 && { defaultAddressPools: pools }) });
    if (settings.isErr()) return finish(1, settings.error.message);
    const version: DockerdVersion = versionArg ?? detectVersion();

    let dockerd: DockerdCommandLine | undefined;
    const argsText = values["dockerd-args"];
    if (argsText !== undefined) {
      const words = splitUnitWords(argsText);
      if (words.isErr()) return usageError(`--dockerd-args: ${words.error}`);
      const [first, ...rest] = words.value;
      const program = first !== undefined && !first.startsWith("-") ? first : "dockerd";
      const args = parseDockerdArgs(program === first ? rest : words.value, version);
      if (args.isErr()) return finish(1, `--dockerd-args: ${args.error.message}`);
      dockerd = { program, args: args.value };
    } else if (values["systemd-unit"] !== "none") {
      const unit = values["systemd-unit"] ?? "docker.service";
      const fromUnit = await dockerdCommandLineFromSystemd(unit, { root: values["systemd-root"], version });
      if (fromUnit.isOk()) dockerd = fromUnit.value;
      else if (values["systemd-unit"] !== undefined || !/not found/.test(fromUnit.error.message)) return finish(1, fromUnit.error.message);
    }

    const planned = await planDaemonJsonFile({ path, settings: settings.value, version, allowFindings: values["allow-findings"], ...(dockerd !== undefined && { dockerd }) });
    if (planned.isErr()) return finish(1, planned.error.message);
    const plan = planned.value;
    Object.assign(report, { changed: plan.changed, changes: plan.changes, issues: plan.issues, blocking: plan.blocking.length });
    if (!values.json) {
      for (const issue of plan.issues) {
        const label = issue.category === "security" ? (issue.level === "error" ? (values["allow-findings"] ? "finding (allowed)" : "finding") : "warning") : issue.level;
        io.err(`flannel-ts docker-config: ${label}: ${issue.message}\n`);
      }
    }

    if (values["dry-run"]) {
      report.diff = plan.diff;
      if (!values.json) io.out(plan.changed ? plan.diff : `${path} already has the lease's settings; nothing would change\n`);
      return finish(plan.blocking.length > 0 ? 1 : 0);
    }
    if (plan.blocking.length > 0) {
      return finish(1, `${path} not written: ${plan.blocking.length} blocking issue${plan.blocking.length === 1 ? "" : "s"} (see above${values["allow-findings"] ? "" : "; --allow-findings accepts security findings"})`);
    }
    const backupPath = values["no-backup"] ? false : (values.backup ?? `${path}.flannel-ts.bak`);
    const written = await writeDaemonJsonPlan(plan, { backupPath });
    if (written.isErr()) return finish(1, written.error.message);
    if (written.value.written) {
      report.written = true;
      if (written.value.report.backupPath !== undefined) report.backup = written.value.report.backupPath;
      if (!values.json) {
        const what = plan.changes.map((c) => `${c.key} ${JSON.stringify(c.after)}`).join(", ");
        const kept = report.backup === undefined ? "" : `; the previous file is ${report.backup}`;
        io.out(`wrote ${path} (${what})${kept}; restart dockerd to apply it\n`);
      }
    } else if (!values.json) {
      io.out(`${path} already has the lease's settings; nothing written\n`);
    }

    if (values.verify) {
      const engine = await engineFor(io);
      const verified = await verifyDefaultBridge(engine, defaultBridgeExpectation(settings.value));
      if (verified.isErr()) {
        report.verify = { ok: false, ...(verified.error.kind === "bridge-mismatch" && { report: verified.error.report }), message: verified.error.message };
        return finish(1, verified.error.message);
      }
      report.verify = { ok: true, report: verified.value };
      if (!values.json) io.out(`dockerd's default bridge has the lease's settings: subnet ${verified.value.subnet}, gateway ${verified.value.gateway}, mtu ${verified.value.mtu}\n`);
    }
    return finish(0);
  },
};
export default command;
