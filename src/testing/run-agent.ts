// Runs `flannel-ts agent` inside a Docker-in-Docker host from the test kit,
// from this checkout's build mounted read-only, and follows its log.
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DockerHost, DockerHostMount } from "./start-docker-host.ts";
import type { SpawnedProcess } from "./spawned-process.ts";

/** Where {@link flannelTsMounts} puts flannel-ts inside a host, and where {@link runAgent} looks for it. */
export const FLANNEL_TS_IN_HOST = "/opt/flannel-ts";

/** Options of {@link flannelTsMounts}. */
export interface FlannelTsMountsOptions {
  /** The package's root on this machine. Default: the root of the flannel-ts package this module belongs to. */
  readonly root?: string;
  /** Where to mount it inside the host. Default {@link FLANNEL_TS_IN_HOST}. */
  readonly target?: string;
}

function packageRoot(): string {
  // This file is src/testing/run-agent.ts or dist/testing/run-agent.js.
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/**
 * The read-only bind mounts that let a Docker host run this package's CLI
 * as `node /opt/flannel-ts/dist/cli/main.js`: its `dist/`, `package.json`
 * and `node_modules/` (followed when it is a symlink, as in a git worktree).
 * The host image needs Node.js 20 or later (the test kit's image has it).
 *
 * @param options the package root and the target; both optional
 * @returns mounts for `startDockerHost({ mounts })`
 * @throws Error when `dist/cli/main.js` is missing (run `npm run build` first) or node_modules is
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { flannelTsMounts, startDockerHost } from "./index.ts";
 * const host = await startDockerHost({ mounts: flannelTsMounts() });
 * await host.exec(["node", "/opt/flannel-ts/dist/cli/main.js", "--version"]);
 * await host.stop();
 * ```
 */
export function flannelTsMounts(options: FlannelTsMountsOptions = {}): DockerHostMount[] {
  const root = options.root ?? packageRoot();
  const target = options.target ?? FLANNEL_TS_IN_HOST;
  const main = join(root, "dist", "cli", "main.js");
  if (!existsSync(main)) throw new Error(`flannelTsMounts: ${main} does not exist: run \`npm run build\` in ${root} first`);
  const modules = join(root, "node_modules");
  if (!existsSync(modules)) throw new Error(`flannelTsMounts: ${modules} does not exist: run \`npm ci\` in ${root} first`);
  return [
    { source: join(root, "dist"), target: `${target}/dist`, readOnly: true },
    { source: join(root, "package.json"), target: `${target}/package.json`, readOnly: true },
    { source: realpathSync(modules), target: `${target}/node_modules`, readOnly: true },
  ];
}

/** Options of {@link runAgent}. */
export interface RunAgentOptions {
  /** The agent's flags, e.g. `["--etcd-endpoints", "http://etcd:2379"]`. Default none. */
  readonly args?: readonly string[];
  /** Extra environment (FLANNELD_* variables). Default none. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where flannel-ts is inside the host. Default {@link FLANNEL_TS_IN_HOST}. */
  readonly root?: string;
  /** The Node.js binary inside the host. Default "node". */
  readonly node?: string;
  /** Called with each log line, e.g. to echo it with the host's name. Default none. */
  readonly onLine?: (line: string) => void;
  /** Wait until the agent logs that it runs. Default true. */
  readonly waitUntilRunning?: boolean;
  /** How long to wait for that. Default 90 s (it may restart dockerd). */
  readonly timeoutMs?: number;
  /**
   * The backend type the agent must have found in the network config
   * (`found network config: Backend type ...`), e.g. "vxlan"; checked once
   * it runs (so only with `waitUntilRunning`). Default: not checked.
   */
  readonly backend?: string;
}

/** The agent running in a host, from {@link runAgent}. */
export interface HostAgent {
  /** The host it runs in. */
  readonly host: DockerHost;
  /** The agent's process. */
  readonly process: SpawnedProcess;
  /** Its log so far (stdout and stderr). */
  readonly log: string;
  /**
   * The subnet it announced with its last `running: subnet ...` line, e.g.
   * "172.20.5.0/24"; undefined before it runs.
   */
  readonly subnet: string | undefined;
  /** The backend type it found in the network config (its `found network config: Backend type ...` line), e.g. "vxlan"; undefined before that. */
  readonly backend: string | undefined;
  /**
   * Waits for a log line after the first `skip` characters of the log.
   * @param pattern text or regular expression
   * @param options `after`: a log offset to search from (e.g. `agent.log.length` before an action); `timeoutMs` default 30 s
   * @returns the match
   */
  waitForLog(pattern: string | RegExp, options?: { readonly after?: number; readonly timeoutMs?: number }): Promise<RegExpMatchArray>;
  /**
   * Signals the agent (TERM by default) and waits for it to exit.
   * @returns its exit code, or null when the host went away first
   */
  stop(signal?: string, timeoutMs?: number): Promise<number | null>;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Starts `flannel-ts agent` in a Docker host (mounted with
 * {@link flannelTsMounts}) and, by default, waits until it logs
 * `running: subnet ...`. The agent ends with the host, or with `stop()`.
 *
 * @param host a host from `startDockerHost` / `startDockerHosts`
 * @param options flags, environment, waiting; all optional
 * @returns the running agent
 * @throws Error with the agent's log when it exits or does not come up in time
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { flannelTsMounts, runAgent, startDockerHosts } from "./index.ts";
 * const env = await startDockerHosts({ count: 1, etcd: true, host: { mounts: flannelTsMounts() } });
 * // ... write the network config to etcd first ...
 * const agent = await runAgent(env.hosts[0]!, { args: ["--etcd-endpoints", "http://etcd:2379"] });
 * console.log(agent.subnet);
 * await env.stop();
 * ```
 */
export async function runAgent(host: DockerHost, options: RunAgentOptions = {}): Promise<HostAgent> {
  const root = options.root ?? FLANNEL_TS_IN_HOST;
  const command = [options.node ?? "node", `${root}/dist/cli/main.js`, "agent", ...(options.args ?? [])];
  const onLine = options.onLine;
  const process = await host.spawn(command, {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(onLine === undefined ? {} : { onLine: (line: string) => onLine(line) }),
  });
  const waitForLog: HostAgent["waitForLog"] = async (pattern, waitOptions = {}) => {
    const after = waitOptions.after ?? 0;
    const source = typeof pattern === "string" ? escape(pattern) : pattern.source;
    const flags = typeof pattern === "string" ? "" : pattern.flags.replace("g", "");
    // Anchor the search after `after` characters: skip them with a lookbehind-free prefix.
    const re = new RegExp(`^[\\s\\S]{${after}}[\\s\\S]*?(${source})`, flags);
    const m = await process.waitForOutput(re, waitOptions.timeoutMs ?? 30_000);
    const found = m[1] ?? "";
    const groups = m.slice(2);
    const result = [found, ...groups] as RegExpMatchArray;
    result.index = (m.index ?? 0) + m[0].length - found.length;
    return result;
  };
  const agent: HostAgent = {
    host,
    process,
    get log() {
      return process.output;
    },
    get subnet() {
      const all = [...process.output.matchAll(/running: subnet (\S+)/g)];
      return all[all.length - 1]?.[1];
    },
    get backend() {
      const all = [...process.output.matchAll(/found network config: Backend type (\S+?),/g)];
      return all[all.length - 1]?.[1];
    },
    waitForLog,
    async stop(signal = "TERM", timeoutMs = 30_000) {
      await process.kill(signal);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`runAgent: the agent in ${host.name} did not exit within ${timeoutMs} ms of SIG${signal}; its log:\n${process.output}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([process.exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  if (options.waitUntilRunning ?? true) {
    try {
      await process.waitForOutput(/running: subnet \S+/, options.timeoutMs ?? 90_000);
    } catch (e) {
      await process.kill("KILL").catch(() => undefined);
      throw new Error(`runAgent: the agent in ${host.name} did not start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (options.backend !== undefined && agent.backend !== options.backend) {
      await process.kill("KILL").catch(() => undefined);
      throw new Error(`runAgent: the agent in ${host.name} runs backend ${agent.backend ?? "(none logged)"}, not ${options.backend}; its log:\n${process.output}`);
    }
  }
  return agent;
}
