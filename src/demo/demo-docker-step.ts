/**
 * The demo's Docker step for the agent: the seed's daemon.json with the
 * lease's `bip` and `mtu` merged in and checked with dockerd's rules, as the
 * real step plans it, but kept in memory: no file is written and no dockerd
 * restarted. Validation errors stop the agent as they would on a real host;
 * security findings (a plain-TCP API, an insecure registry) are reported.
 *
 * @module
 */
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import { dockerNetworkSettings } from "../dockerconf/network-settings.ts";
import { type DaemonJsonPlan, planDaemonJson } from "../dockerconf/plan-daemon-json.ts";
import type { DaemonJsonIssue } from "../dockerconf/validate-daemon-json.ts";
import type { DockerStep, DockerTarget, PortError } from "../flannel/agent-ports.ts";
import { bridgeAddress } from "../subnet/bridge-address.ts";
import { type Cidr4, formatCidr } from "../subnet/cidr.ts";

/** A host's Docker step, and what it did; the demo prints it once the agent runs. */
export interface DemoDockerStep {
  /** The step the agent runs. */
  readonly step: DockerStep;
  /** Lines that show what the step made (the merged daemon.json, what changed); none before it ran. */
  readonly describe: () => readonly string[];
  /** The log line that replaces the agent's "docker configured" (which speaks of a dockerd restart). */
  readonly configured: (subnet: Cidr4, mtu: number) => string;
}

/** Options for {@link demoDockerStep}. */
export interface DemoDockerStepOptions {
  /** The daemon.json text the host starts from. */
  readonly seed: string;
  /**
   * What stands in for dockerd's restart, run after a successful plan (e.g.
   * a docker0 bridge with the bip in a namespace). Default: nothing.
   */
  readonly apply?: (target: DockerTarget) => ResultAsync<void, PortError>;
  /** What `apply` did, for the log line. Default: "no dockerd to restart here". */
  readonly appliedNote?: string;
}

/** Where the step says the file is. */
export const DEMO_DAEMON_JSON_PATH = "/etc/docker/daemon.json";

// As the agent's own Docker step words them: an error-level security issue is a "finding".
function describeIssue(issue: DaemonJsonIssue): string {
  const level = issue.level === "error" && issue.category === "security" ? "finding" : issue.level;
  return `${level}${issue.line === undefined ? "" : ` at line ${issue.line}`}: ${issue.message}`;
}

/**
 * A Docker step that merges the lease into the seed's daemon.json in memory.
 *
 * @param options the seed's text, and what stands in for dockerd's restart
 * @returns the step for the agent, and the lines that show what it made
 * @example
 * ```ts
 * import { demoDockerStep } from "./demo-docker-step.ts";
 * import { SEED_DAEMON_JSON } from "./seed-daemon-json.ts";
 * import { parseCidr4 } from "../subnet/cidr.ts";
 * const docker = demoDockerStep({ seed: SEED_DAEMON_JSON });
 * const report = await docker.step({ subnet: parseCidr4("172.20.62.0/24")._unsafeUnwrap(), mtu: 1472, ipMasq: false });
 * report.map((r) => r.changed); // ok(true)
 * docker.describe(); // the merged file, what changed, the findings
 * ```
 */
export function demoDockerStep(options: DemoDockerStepOptions): DemoDockerStep {
  const { seed } = options;
  let plan: DaemonJsonPlan | undefined;
  const step: DockerStep = (target) => {
    const settings = dockerNetworkSettings({ subnet: target.subnet, mtu: target.mtu, ipMasq: target.ipMasq });
    if (settings.isErr()) return errAsync({ kind: settings.error.kind, message: settings.error.message });
    const planned = planDaemonJson({ path: DEMO_DAEMON_JSON_PATH, current: seed, settings: settings.value, allowFindings: true });
    if (planned.isErr()) return errAsync({ kind: planned.error.kind, message: planned.error.message });
    plan = planned.value;
    if (plan.blocking.length > 0) {
      return errAsync({ kind: "daemon-json-invalid", message: `the merged daemon.json would not start dockerd: ${plan.blocking.map(describeIssue).join("; ")}` });
    }
    const report = { path: DEMO_DAEMON_JSON_PATH, changed: plan.changed, restarted: false, warnings: plan.issues.map(describeIssue) };
    return options.apply === undefined ? okAsync(report) : options.apply(target).map(() => report);
  };
  const describe = (): readonly string[] => {
    if (plan === undefined) return [];
    const changes = plan.changes.map((c) => `${c.key} ${c.before === undefined ? "added" : `changed from ${JSON.stringify(c.before)}`}: ${JSON.stringify(c.after)}`);
    return [
      `${DEMO_DAEMON_JSON_PATH} (the seed's, with the lease merged in; every other key kept):`,
      ...plan.after.replace(/\n$/, "").split("\n").map((line) => `  ${line}`),
      `  changed: ${changes.length === 0 ? "nothing" : changes.join(", ")}`,
    ];
  };
  const configured = (subnet: Cidr4, mtu: number): string =>
    `docker step: ${DEMO_DAEMON_JSON_PATH} merged bip ${formatCidr(bridgeAddress(subnet))} and mtu ${mtu} (shown below; ${options.appliedNote ?? "no dockerd to restart here"})`;
  return { step, describe, configured };
}
