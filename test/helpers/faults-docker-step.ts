// The agent's Docker step interrupted, in a Docker-in-Docker host from the
// test kit with a real dockerd: the agent (the built CLI) is killed with
// SIGKILL at one point of the step (test/helpers/faults-docker holds the
// in-host scripts that do it), a watcher in the host records every text
// daemon.json had, and the agent is started again to finish the job.
import { fileURLToPath } from "node:url";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { type DockerHost, type DockerHosts, flannelTsMounts, runAgent, type SpawnedProcess, startDockerHosts } from "../../src/testing/index.ts";

/** Where the agent is killed. */
export const DOCKER_STEP_POINTS = ["before-write", "during-write", "before-restart", "mid-restart"] as const;
export type DockerStepPoint = (typeof DOCKER_STEP_POINTS)[number];

/** The daemon.json the host starts from (no tcp:// host: dockerd 26 would wait 15 s at every start). */
export const DOCKER_STEP_SEED = '{\n  "log-level": "warn",\n  "registry-mirrors": ["https://mirror.example.invalid"]\n}\n';

const SCRIPTS = fileURLToPath(new URL("./faults-docker", import.meta.url));
const DAEMON_JSON = "/etc/docker/daemon.json";
const PATH = "/opt/faults:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface DockerStepEnv {
  readonly env: DockerHosts;
  readonly host: DockerHost;
  readonly registry: Etcd3Registry;
  teardown(): Promise<void>;
}

export async function startDockerStepEnv(): Promise<DockerStepEnv> {
  process.env["TESTCONTAINERS_RYUK_DISABLED"] ??= "true";
  const env = await startDockerHosts({
    count: 1,
    etcd: true,
    namePrefix: "f2-d",
    host: { daemonJson: DOCKER_STEP_SEED, mounts: [...flannelTsMounts(), { source: SCRIPTS, target: "/opt/faults" }] },
  });
  const registry = new Etcd3Registry({ endpoints: [...env.etcd!.endpoints], prefix: "/f2-d/network" });
  const teardown = async (): Promise<void> => {
    await registry.close();
    await env.stop();
  };
  try {
    (await registry.putConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"udp"}}'))._unsafeUnwrap();
    return { env, host: env.hosts[0]!, registry, teardown };
  } catch (e) {
    await teardown();
    throw e;
  }
}

/** Which file a text is. */
export type FileVersion = "old" | "new" | "missing" | "other";

export interface DockerStepReport {
  readonly point: DockerStepPoint;
  /** The killed agent's exit status, as the host reports it (137 after SIGKILL). */
  readonly killedExit: number | null;
  readonly killedLog: string;
  /** Right after the kill. */
  readonly fileAfterKill: FileVersion;
  readonly temporariesAfterKill: readonly string[];
  readonly dockerdAnsweredAfterKill: boolean;
  /** Every text daemon.json had while the watcher ran (the kill and the next start), and the temporary files it saw. */
  readonly seen: readonly FileVersion[];
  readonly temporariesSeen: readonly string[];
  /** The next start: from start to `running`, what it logged about Docker, and the host afterwards. */
  readonly recoveryMs: number;
  readonly dockerLine: string;
  readonly fileAfter: FileVersion;
  readonly backupAfter: FileVersion;
  readonly temporariesAfter: readonly string[];
  /** The default bridge as dockerd reports it, and what the lease asks for. */
  readonly bridge: { readonly subnet: string; readonly gateway: string; readonly mtu: string };
  readonly wanted: { readonly subnet: string; readonly gateway: string; readonly mtu: string };
}

const agentArgs = [
  "--etcd-endpoints",
  "http://etcd:2379",
  "--etcd-prefix",
  "/f2-d/network",
  "--docker-config",
  DAEMON_JSON,
  "--docker-restart-command",
  "/opt/faults/restart-dockerd",
];

async function temporaries(host: DockerHost): Promise<string[]> {
  const r = await host.exec(["ls", "-A", "/etc/docker"]);
  return r.stdout.split("\n").filter((f) => f.endsWith(".tmp"));
}

async function readOrMissing(host: DockerHost, path: string): Promise<string | undefined> {
  const r = await host.exec(["cat", "--", path]);
  return r.exitCode === 0 ? r.stdout : undefined;
}

/**
 * Puts the host back to its seed (daemon.json, no backup, dockerd restarted
 * on its default bridge), kills the agent at `point` of its Docker step,
 * and starts it again.
 */
export async function interruptDockerStep(env: DockerStepEnv, point: DockerStepPoint): Promise<DockerStepReport> {
  const { host } = env;
  await host.writeFile(DAEMON_JSON, DOCKER_STEP_SEED);
  await host.exec(["rm", "-f", `${DAEMON_JSON}.flannel-ts.bak`]);
  await host.restartDockerd();
  await host.writeFile("/run/faults/kill", point);
  const watcher: SpawnedProcess = await host.spawn(["node", "/opt/faults/watch-daemon-json.mjs"]);
  await watcher.waitForOutput("watching");

  const killed = await runAgent(host, { args: agentArgs, env: { PATH }, waitUntilRunning: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killedExit = await Promise.race([
    killed.process.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the agent was not killed at ${point} within 90 s:\n${killed.log}`)), 90_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const afterKill = await readOrMissing(host, DAEMON_JSON);
  const temporariesAfterKill = await temporaries(host);
  const dockerdAnsweredAfterKill = (await host.exec(["docker", "info"])).exitCode === 0;

  const started = Date.now();
  const again = await runAgent(host, { args: agentArgs, env: { PATH } });
  const recoveryMs = Date.now() - started;
  const dockerLine = /docker configured: .*/.exec(again.log)?.[0] ?? "";
  const after = await readOrMissing(host, DAEMON_JSON);
  const backup = await readOrMissing(host, `${DAEMON_JSON}.flannel-ts.bak`);
  const temporariesAfter = await temporaries(host);
  const inspect = JSON.parse((await host.exec(["docker", "network", "inspect", "bridge", "--format", "{{json .}}"])).stdout) as {
    IPAM: { Config: { Subnet: string; Gateway: string }[] };
    Options: Record<string, string>;
  };
  const subnet = again.subnet!;
  await again.stop("TERM");
  await watcher.kill("TERM");
  await watcher.exited;
  const seen = JSON.parse(watcher.stdout.split("\n").find((l) => l.startsWith("{")) ?? "{}") as { versions?: string[]; temporaries?: string[] };

  // The new file is the seed with bip and mtu added, byte for byte as the agent wrote it.
  const expected = { ...(JSON.parse(DOCKER_STEP_SEED) as object), bip: subnet.replace(/0\/24$/, "1/24"), mtu: 1472 };
  const newText = after !== undefined && JSON.stringify(JSON.parse(after)) === JSON.stringify(expected) ? after : undefined;
  const version = (text: string | undefined): FileVersion =>
    text === undefined || text === "<missing>" ? "missing" : text === DOCKER_STEP_SEED ? "old" : text === newText ? "new" : "other";
  return {
    point,
    killedExit,
    killedLog: killed.log,
    fileAfterKill: version(afterKill),
    temporariesAfterKill,
    dockerdAnsweredAfterKill,
    seen: [...new Set((seen.versions ?? []).map(version))],
    temporariesSeen: seen.temporaries ?? [],
    recoveryMs,
    dockerLine,
    fileAfter: version(after),
    backupAfter: version(backup),
    temporariesAfter,
    bridge: { subnet: inspect.IPAM.Config[0]?.Subnet ?? "", gateway: inspect.IPAM.Config[0]?.Gateway ?? "", mtu: inspect.Options["com.docker.network.driver.mtu"] ?? "" },
    wanted: { subnet, gateway: subnet.replace(/0\/24$/, "1"), mtu: "1472" },
  };
}
