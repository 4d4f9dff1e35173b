import Docker from "dockerode";
import type { ExecResult, GenericContainer, StartedNetwork, StartedTestContainer } from "testcontainers";
import { isStatus } from "./_image-build.ts";
import { spawnInContainer } from "./_container-spawn.ts";
import { kitLabels, loadTestcontainers } from "./_testcontainers-env.ts";
import { ensureDockerHostImage, innerBusyboxImage, innerBusyboxTar } from "./ensure-docker-host-image.ts";
import type { SpawnedProcess, SpawnOptions } from "./spawned-process.ts";

/** A host directory or file to mount into a Docker-in-Docker host. */
export interface DockerHostMount {
  /** Absolute path on the machine running the tests. */
  readonly source: string;
  /** Absolute path inside the host container. */
  readonly target: string;
  /** Mount read-only. Default true. */
  readonly readOnly?: boolean;
}

/** An image tarball inside the host to `docker import` once its dockerd answers. */
export interface InnerImage {
  /** Path of the tarball inside the host container. */
  readonly tar: string;
  /** Name to import it as, e.g. "flannel-ts/busybox:latest". */
  readonly name: string;
}

/** Options for {@link startDockerHost}. */
export interface StartDockerHostOptions {
  /** Image to run. Default: FLANNEL_TS_DIND_IMAGE, else the local image from {@link ensureDockerHostImage}. */
  readonly image?: string;
  /** Hostname, and network alias on `network`. Default "docker-host". */
  readonly name?: string;
  /** Docker network to join (shared with etcd and other hosts). Default: Docker's default bridge only. */
  readonly network?: StartedNetwork;
  /** Text of /etc/docker/daemon.json before dockerd first starts. Default: no file. */
  readonly daemonJson?: string;
  /**
   * dockerd's command-line flags, written to /etc/dockerd-args where the
   * local image's `dockerd-ctl` reads them (e.g. `["-H", "unix:///var/run/docker.sock"]`).
   * Default none: dockerd takes everything from daemon.json.
   */
  readonly dockerdArgs?: readonly string[];
  /** Bind mounts, e.g. the repository read-only at /opt/flannel-ts. Default none. */
  readonly mounts?: readonly DockerHostMount[];
  /**
   * Image tarballs to import into the inner dockerd after it first answers.
   * Default: the local image's busybox as `flannel-ts/busybox:latest`
   * (skipped when the image has no such tarball).
   */
  readonly innerImages?: readonly InnerImage[];
  /** Where the inner dockerd keeps its data: a tmpfs (default) or an anonymous volume removed with the container. */
  readonly dockerStorage?: "tmpfs" | "volume";
  /** Environment of the container. Default none. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Command of the container, for an image of your own. Default: the image's
   * (the local image runs `dind-entry`). Keep PID 1 something other than
   * dockerd, or `restartDockerd()` ends the container.
   */
  readonly command?: readonly string[];
  /** Command that restarts dockerd inside the host and returns once it answers. Default `["/usr/local/bin/dockerd-ctl", "restart"]`. */
  readonly restartDockerdCommand?: readonly string[];
  /**
   * Wait for dockerd before returning (and import `innerImages`). Default
   * true; false returns as soon as the container runs (e.g. to look at a
   * dockerd that refuses its daemon.json).
   */
  readonly waitForDockerd?: boolean;
  /** How long to wait for the container and its dockerd. Default 120 s. */
  readonly startupTimeoutMs?: number;
}

/** A Docker-in-Docker host, from {@link startDockerHost}. */
export interface DockerHost extends AsyncDisposable {
  /** Hostname and network alias. */
  readonly name: string;
  /** The testcontainers handle. */
  readonly container: StartedTestContainer;
  /** The network given at start, if any. */
  readonly network: StartedNetwork | undefined;
  /** The host's address on `network` (else on Docker's default bridge). */
  readonly ipAddress: string;
  /**
   * Runs a command in the host and waits for it. A non-zero exit is
   * returned, not thrown.
   * @param cmd Program and arguments, e.g. `["ip", "-o", "addr"]`.
   * @param options Environment, working directory, user.
   * @returns exit code, stdout, stderr.
   */
  exec(cmd: readonly string[], options?: { env?: Record<string, string>; workingDir?: string; user?: string }): Promise<ExecResult>;
  /** `exec(["sh", "-c", script])`. */
  sh(script: string): Promise<ExecResult>;
  /**
   * Reads a file inside the host as UTF-8 text.
   * @throws Error when it does not exist.
   */
  readFile(path: string): Promise<string>;
  /**
   * Writes a file inside the host (parent directories are created).
   * @param mode Default 0o644.
   */
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  /**
   * Restarts the inner dockerd (e.g. after writing daemon.json) and returns
   * once `docker info` answers.
   * @throws Error with the end of dockerd's log when it does not come back.
   */
  restartDockerd(): Promise<void>;
  /**
   * Waits until `docker info` answers inside the host.
   * @param timeoutMs Default 60 s.
   * @throws Error with the end of dockerd's log after the time is up.
   */
  waitForDockerd(timeoutMs?: number): Promise<void>;
  /** dockerd's log inside the host (/var/log/dockerd.log with the local image). */
  dockerdLog(): Promise<string>;
  /**
   * Starts a long-running process in the host (e.g. the agent) and returns
   * at once; its output is captured. It ends with the host at `stop()`.
   * @param cmd Program and arguments.
   * @returns Its handle: output, `waitForOutput`, `kill`, `exited`.
   */
  spawn(cmd: readonly string[], options?: SpawnOptions): Promise<SpawnedProcess>;
  /** Removes the container (and its inner containers, data and volume). Idempotent. */
  stop(): Promise<void>;
}

// What dockerd in a container needs without --privileged (CAP_SYS_RESOURCE is
// not in every machine's bounding set, which makes --privileged fail). The
// class is made once testcontainers is loaded (an optional peer dependency).
function dockerHostContainer(base: typeof GenericContainer, image: string, storage: "tmpfs" | "volume"): GenericContainer {
  class DockerHostContainer extends base {
    constructor() {
      super(image);
      this.hostConfig.Devices = [{ PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rwm" }];
      // The CLI's `--security-opt systempaths=unconfined` is these two empty lists in the API.
      this.hostConfig.MaskedPaths = [];
      this.hostConfig.ReadonlyPaths = [];
      if (storage === "tmpfs") this.hostConfig.Tmpfs = { "/var/lib/docker": "rw,exec,dev,suid,mode=0711" };
      // An anonymous volume; testcontainers removes volumes with the container.
      else this.hostConfig.Mounts = [{ Type: "volume", Source: "", Target: "/var/lib/docker" }];
    }
  }
  return new DockerHostContainer();
}

/**
 * Starts a Docker-in-Docker host: a container whose own dockerd runs inner
 * containers, started with `--cap-add=ALL --cap-drop=SYS_RESOURCE`,
 * seccomp, AppArmor and system paths unconfined, /sys/fs/cgroup mounted
 * read-write, /dev/net/tun, and a tmpfs at /var/lib/docker. It waits for
 * the inner dockerd and imports the inner images (busybox by default), so
 * `docker run flannel-ts/busybox:latest ...` works inside without a registry.
 *
 * @param options Image, daemon.json, network, mounts; all optional.
 * @returns The host; stop it in `afterAll` or `onTestFinished`.
 * @throws Error when the container or its dockerd does not start (the container is removed first).
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { afterAll, expect, it } from "vitest";
 * import { startDockerHost } from "flannel-ts/testing";
 *
 * const host = await startDockerHost({ daemonJson: '{"bip":"10.5.52.1/24","mtu":1472}' });
 * afterAll(() => host.stop());
 *
 * it("puts docker0 on the bip", async () => {
 *   const r = await host.exec(["ip", "-o", "-4", "addr", "show", "docker0"]);
 *   expect(r.stdout).toContain("inet 10.5.52.1/24");
 * });
 * ```
 */
export async function startDockerHost(options: StartDockerHostOptions = {}): Promise<DockerHost> {
  const { GenericContainer: base } = await loadTestcontainers();
  const image = options.image ?? (await ensureDockerHostImage());
  const name = options.name ?? "docker-host";
  const timeoutMs = options.startupTimeoutMs ?? 120_000;
  let container = dockerHostContainer(base, image, options.dockerStorage ?? "tmpfs")
    .withHostname(name)
    .withLabels(kitLabels("docker-host"))
    .withAddedCapabilities("ALL")
    .withDroppedCapabilities("SYS_RESOURCE")
    .withSecurityOpt("seccomp=unconfined", "apparmor=unconfined")
    .withBindMounts([
      { source: "/sys/fs/cgroup", target: "/sys/fs/cgroup", mode: "rw" },
      ...(options.mounts ?? []).map((m) => ({ source: m.source, target: m.target, mode: (m.readOnly ?? true) ? ("ro" as const) : ("rw" as const) })),
    ])
    .withStartupTimeout(timeoutMs);
  if (options.network !== undefined) container = container.withNetwork(options.network).withNetworkAliases(name);
  if (options.env !== undefined) container = container.withEnvironment({ ...options.env });
  if (options.command !== undefined) container = container.withCommand([...options.command]);
  const files = [];
  if (options.daemonJson !== undefined) files.push({ content: options.daemonJson, target: "/etc/docker/daemon.json", mode: 0o644 });
  if (options.dockerdArgs !== undefined) files.push({ content: options.dockerdArgs.join(" "), target: "/etc/dockerd-args", mode: 0o644 });
  if (files.length > 0) container = container.withCopyContentToContainer(files);

  const started = await container.start();
  const host = hostOf(started, name, options);
  try {
    if (options.waitForDockerd ?? true) {
      await host.waitForDockerd(timeoutMs);
      await importInnerImages(host, options.innerImages);
    }
  } catch (e) {
    await host.stop();
    throw e;
  }
  return host;
}

async function importInnerImages(host: DockerHost, images: readonly InnerImage[] | undefined): Promise<void> {
  const explicit = images !== undefined;
  for (const image of images ?? [{ tar: innerBusyboxTar, name: innerBusyboxImage }]) {
    const present = await host.exec(["test", "-f", image.tar]);
    if (present.exitCode !== 0) {
      if (explicit) throw new Error(`docker host ${host.name}: inner image tarball ${image.tar} does not exist in the host`);
      continue;
    }
    const r = await host.exec(["docker", "import", image.tar, image.name]);
    if (r.exitCode !== 0) throw new Error(`docker host ${host.name}: docker import ${image.tar} ${image.name} failed (${r.exitCode}): ${r.stderr.trim()}`);
  }
}

function hostOf(started: StartedTestContainer, name: string, options: StartDockerHostOptions): DockerHost {
  const network = options.network;
  const restartCommand = options.restartDockerdCommand ?? ["/usr/local/bin/dockerd-ctl", "restart"];
  let stopped: Promise<void> | undefined;
  const exec: DockerHost["exec"] = (cmd, opts = {}) => started.exec([...cmd], opts);
  const dockerdLog = async (): Promise<string> => (await exec(["sh", "-c", "cat /var/log/dockerd.log 2>/dev/null"])).stdout;
  const logTail = async (): Promise<string> => (await dockerdLog()).split("\n").slice(-20).join("\n");
  const stop = (): Promise<void> => (stopped ??= (async () => {
    // Inner containers first: with cgroup v1 their cgroups live in the
    // machine's hierarchy, and only their dockerd removes them.
    await Promise.race([
      exec(["sh", "-c", "docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1"]).catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 15_000).unref()),
    ]);
    try {
      await started.stop({ timeout: 0 }); // nothing else inside needs a clean shutdown: it is all removed
    } catch {
      await new Docker()
        .getContainer(started.getId())
        .remove({ force: true, v: true })
        .catch((e: unknown) => {
          if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
        });
    }
  })());
  const host: DockerHost = {
    name,
    container: started,
    network,
    ipAddress: network === undefined ? started.getIpAddress("bridge") : started.getIpAddress(network.getName()),
    exec,
    sh: (script) => exec(["sh", "-c", script]),
    async readFile(path) {
      const r = await exec(["cat", "--", path]);
      if (r.exitCode !== 0) throw new Error(`docker host ${name}: cannot read ${path}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    async writeFile(path, content, mode = 0o644) {
      await started.copyContentToContainer([{ content, target: path, mode }]);
    },
    async restartDockerd() {
      const r = await exec(restartCommand);
      if (r.exitCode !== 0) {
        // dockerd-ctl already prints the end of dockerd's log; another command may not.
        const detail = r.stderr.trim() !== "" ? r.stderr.trim() : `${r.stdout.trim()}\nend of dockerd's log:\n${await logTail()}`;
        throw new Error(`docker host ${name}: ${restartCommand.join(" ")} failed (${r.exitCode}): ${detail}`);
      }
      await host.waitForDockerd();
    },
    async waitForDockerd(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // `docker info --format` exits 0 on docker-cli 26 even when the daemon
        // is unreachable; the server's version is only printed when it answers.
        const r = await exec(["docker", "version", "--format", "{{.Server.Version}}"]);
        if (r.exitCode === 0 && r.stdout.trim() !== "") return;
        if (Date.now() > deadline) {
          throw new Error(`docker host ${name}: dockerd did not answer within ${timeoutMs} ms (${r.stderr.trim()})\nend of dockerd's log:\n${await logTail()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    dockerdLog,
    spawn: (cmd, opts) => spawnInContainer(started.getId(), cmd, opts),
    stop,
    [Symbol.asyncDispose]: stop,
  };
  return host;
}
