/**
 * `flannel-ts docker-config`: merge the lease's bip and mtu (from
 * subnet.env) into Docker's daemon.json, checked with dockerd's rules
 * against dockerd's real command line and, where the installed dockerd has
 * `--validate` (23 and later), by dockerd itself, as the agent's Docker step
 * does; written atomically or not at all.
 */
import { spawnSync } from "node:child_process";
import { parseDockerdArgs } from "../../dockerconf/dockerd-args.ts";
import type { DockerdVersion } from "../../dockerconf/dockerd-flags.ts";
import { defaultBridgeExpectation, type DefaultBridgeReport, type EngineNetworkApi, verifyDefaultBridge } from "../../dockerconf/engine-verify.ts";
import { dockerNetworkSettings } from "../../dockerconf/network-settings.ts";
import type { DaemonJsonPlan } from "../../dockerconf/plan-daemon-json.ts";
import type { DaemonJsonIssue, DockerdCommandLine } from "../../dockerconf/validate-daemon-json.ts";
import { planDaemonJsonFile, writeDaemonJsonPlan } from "../../node/daemon-json-file.ts";
import { type DockerdValidateError, type DockerdValidateOutcome, validateWithDockerd } from "../../node/dockerd-validate.ts";
import { readSubnetEnvFile } from "../../node/subnet-env-file.ts";
import { dockerdCommandLineFromSystemd } from "../../node/systemd-unit-files.ts";
import type { ResultAsync } from "neverthrow";
import { defineCommand } from "../define-command.ts";
import { dockerConfigSpec, type DockerHost, parseDockerHost } from "../specs/docker-config.ts";

interface Report {
  readonly daemonJson: string;
  readonly changed: boolean;
  readonly written: boolean;
  readonly dryRun: boolean;
  readonly backup?: string;
  readonly changes: DaemonJsonPlan["changes"];
  readonly issues: readonly DaemonJsonIssue[];
  readonly blocking: number;
  readonly diff?: string;
  readonly verify?: { readonly ok: boolean; readonly report?: DefaultBridgeReport; readonly message?: string };
  /** What the installed dockerd said of the merged file (asked only when the file would change). */
  readonly dockerdValidate?: DockerdValidateOutcome;
}

/** What `docker-config` is built from. */
export interface DockerConfigOptions {
  /**
   * Asks the installed dockerd about the merged file before it is written.
   * Default {@link validateWithDockerd} (`dockerd --validate`; without a
   * dockerd that has it, the TypeScript rules alone decide).
   */
  readonly validate?: (text: string) => ResultAsync<DockerdValidateOutcome, DockerdValidateError>;
}

function detectVersion(): DockerdVersion {
  const out = spawnSync("dockerd", ["--version"], { encoding: "utf8", timeout: 5000 });
  const m = /version (\d+)\.(\d+)/.exec(out.stdout ?? "");
  if (m === null) return "26";
  return Number(m[1]) < 23 ? "20.10" : "26";
}

function engineFor(host: DockerHost): Promise<EngineNetworkApi> {
  return import("dockerode").then(({ default: Docker }) =>
    "socketPath" in host ? new Docker({ socketPath: host.socketPath }) : new Docker({ host: host.host, port: host.port, protocol: "http" })
  );
}

/**
 * The command, with dockerd's own check replaceable (tests).
 *
 * @param options how the merged file is checked by dockerd; default the installed one
 * @returns the command
 */
export function dockerConfigCommand(options: DockerConfigOptions = {}) {
  const validate = options.validate ?? validateWithDockerd;
  return defineCommand(dockerConfigSpec, async ({ values, io, report }) => {
    const path = values.daemonJson;
    const base: Report = { daemonJson: path, changed: false, written: false, dryRun: values.dryRun, changes: [], issues: [], blocking: 0 };
    const state = { report: base };
    const finish = (code: number, error?: { readonly kind: string; readonly message: string }): number => {
      if (values.json) io.out(`${JSON.stringify(error === undefined ? state.report : { ...state.report, error: error.message }, null, 2)}\n`);
      return error === undefined ? code : report.error(error, code);
    };
    // Checked by the spec before the command ran; read again here for its value.
    const dockerHost = values.verify ? parseDockerHost(io.env["DOCKER_HOST"]) : undefined;
    if (dockerHost?.isErr() === true) return report.error(dockerHost.error, 2);

    const env = await readSubnetEnvFile(values.subnetFile);
    if (env.isErr()) return finish(1, env.error);
    if (env.value === undefined) {
      return finish(1, { kind: "no-subnet-file", message: `${values.subnetFile} does not exist: start flanneld (or flannel-ts agent) first, or name the file with --subnet-file` });
    }
    const settings = dockerNetworkSettings(env.value, {
      ipMasq: values.ipMasq,
      fixedCidr: values.fixedCidr,
      ...(values.defaultAddressPool.length > 0 && { defaultAddressPools: values.defaultAddressPool }),
    });
    if (settings.isErr()) return finish(1, settings.error);
    const version: DockerdVersion = values.dockerdVersion ?? detectVersion();

    let dockerd: DockerdCommandLine | undefined;
    const words = values.dockerdArgs;
    if (words !== undefined) {
      const [first, ...rest] = words;
      const program = first !== undefined && !first.startsWith("-") ? first : "dockerd";
      const args = parseDockerdArgs(program === first ? rest : words, version);
      if (args.isErr()) return finish(1, { ...args.error, message: `--dockerd-args: ${args.error.message}` });
      dockerd = { program, args: args.value };
    } else if (values.systemdUnit !== "none") {
      const unit = values.systemdUnit ?? "docker.service";
      const fromUnit = await dockerdCommandLineFromSystemd(unit, { root: values.systemdRoot, version });
      if (fromUnit.isOk()) dockerd = fromUnit.value;
      else if (values.systemdUnit !== undefined || !/not found/.test(fromUnit.error.message)) return finish(1, fromUnit.error);
    }

    const planned = await planDaemonJsonFile({ path, settings: settings.value, version, allowFindings: values.allowFindings, ...(dockerd !== undefined && { dockerd }) });
    if (planned.isErr()) return finish(1, planned.error);
    const plan = planned.value;
    state.report = { ...state.report, changed: plan.changed, changes: plan.changes, issues: plan.issues, blocking: plan.blocking.length };
    if (!values.json) {
      for (const issue of plan.issues) {
        const label = issue.category === "security" ? (issue.level === "error" ? (values.allowFindings ? "finding (allowed)" : "finding") : "warning") : issue.level;
        io.err(`flannel-ts docker-config: ${label}: ${issue.message}\n`);
      }
    }

    // dockerd's own word on the merged file, before anything is written (a dry run asks too: it says whether a write would go through).
    if (plan.changed && plan.blocking.length === 0) {
      const asked = await validate(plan.after);
      if (asked.isErr()) {
        const e = asked.error;
        // dockerd's exit code under its own name: the report's exitCode is this command's.
        const fields = e.kind === "dockerd-refused"
          ? { kind: e.kind, dockerd: e.dockerd, dockerdMessage: e.dockerdMessage, dockerdExitCode: e.exitCode }
          : { kind: e.kind, dockerd: e.dockerd };
        return finish(1, { ...fields, message: `${path} not ${values.dryRun ? "to be written" : "written"}: ${e.message}` });
      }
      state.report = { ...state.report, dockerdValidate: asked.value };
    }

    if (values.dryRun) {
      state.report = { ...state.report, diff: plan.diff };
      if (!values.json) io.out(plan.changed ? plan.diff : `${path} already has the lease's settings; nothing would change\n`);
      return finish(plan.blocking.length > 0 ? 1 : 0);
    }
    if (plan.blocking.length > 0) {
      return finish(1, {
        kind: "blocked",
        message: `${path} not written: ${plan.blocking.length} blocking issue${plan.blocking.length === 1 ? "" : "s"} (see above${
          values.allowFindings ? "" : "; --allow-findings accepts security findings"
        })`,
      });
    }
    const backupPath = values.noBackup ? false : (values.backup ?? `${path}.flannel-ts.bak`);
    const written = await writeDaemonJsonPlan(plan, { backupPath });
    if (written.isErr()) return finish(1, written.error);
    if (written.value.written) {
      const backup = written.value.report.backupPath;
      state.report = { ...state.report, written: true, ...(backup !== undefined && { backup }) };
      if (!values.json) {
        const what = plan.changes.map((c) => `${c.key} ${JSON.stringify(c.after)}`).join(", ");
        const kept = backup === undefined ? "" : `; the previous file is ${backup}`;
        io.out(`wrote ${path} (${what})${kept}; restart dockerd to apply it\n`);
      }
    } else if (!values.json) {
      io.out(`${path} already has the lease's settings; nothing written\n`);
    }

    if (dockerHost !== undefined && dockerHost.isOk()) {
      const engine = await engineFor(dockerHost.value);
      const verified = await verifyDefaultBridge(engine, defaultBridgeExpectation(settings.value));
      if (verified.isErr()) {
        state.report = {
          ...state.report,
          verify: { ok: false, ...(verified.error.kind === "bridge-mismatch" && { report: verified.error.report }), message: verified.error.message },
        };
        return finish(1, verified.error);
      }
      state.report = { ...state.report, verify: { ok: true, report: verified.value } };
      if (!values.json) {
        io.out(`dockerd's default bridge has the lease's settings: subnet ${verified.value.subnet}, gateway ${verified.value.gateway}, mtu ${verified.value.mtu}\n`);
      }
    }
    return finish(0);
  });
}

export default dockerConfigCommand();
