// Starts and drives one etcd container; startEtcd and startEtcdCluster build on it.
import Docker from "dockerode";
import type { ExecResult, StartedNetwork, StartedTestContainer } from "testcontainers";
import { isStatus } from "./_image-build.ts";
import { freePort, isPortClash } from "./_free-port.ts";
import { kitLabels, loadTestcontainers } from "./_testcontainers-env.ts";
import type { EtcdctlOptions, EtcdMember, EtcdTlsFiles } from "./etcd-member.ts";

/** What the cluster or single-node starter tells a member to do. */
export interface EtcdMemberSpec {
  readonly image: string;
  readonly name: string;
  readonly network: StartedNetwork | undefined;
  /** `--initial-cluster` value; peers are reached by name on the network. */
  readonly initialCluster: string;
  readonly clusterToken: string;
  readonly tls: EtcdTlsFiles | undefined;
  readonly etcdPath: string;
  readonly etcdctlPath: string;
  readonly extraArgs: readonly string[];
  readonly startupTimeoutMs: number;
}

const tlsDir = "/etc/flannel-ts-etcd";
const clientPort = 2379;
const peerPort = 2380;

/** etcd 3.4, 3.5 and 3.6 all log this once the client listener is up (after the member joined its cluster). */
const readyLine = /serving client traffic/;

/** The etcd command line; only absolute paths and flags, so images without a shell (the official ones) work too. */
export function etcdCommand(spec: EtcdMemberSpec): string[] {
  const scheme = spec.tls === undefined ? "http" : "https";
  const advertiseHost = spec.network === undefined ? "127.0.0.1" : spec.name;
  const peerHost = spec.network === undefined ? "127.0.0.1" : spec.name;
  const args = [
    spec.etcdPath,
    `--name=${spec.name}`,
    "--data-dir=/etcd-data",
    `--listen-client-urls=${scheme}://0.0.0.0:${clientPort}`,
    `--advertise-client-urls=${scheme}://${advertiseHost}:${clientPort}`,
    `--listen-peer-urls=http://0.0.0.0:${peerPort}`,
    `--initial-advertise-peer-urls=http://${peerHost}:${peerPort}`,
    `--initial-cluster=${spec.initialCluster}`,
    `--initial-cluster-token=${spec.clusterToken}`,
    "--initial-cluster-state=new",
    "--logger=zap",
    "--log-outputs=stderr",
  ];
  if (spec.tls !== undefined) {
    args.push(`--cert-file=${tlsDir}/server.crt`, `--key-file=${tlsDir}/server.key`, `--trusted-ca-file=${tlsDir}/ca.crt`);
    if (spec.tls.clientCertAuth ?? true) args.push("--client-cert-auth");
  }
  return [...args, ...spec.extraArgs];
}

/** The peer URL a member advertises, for `--initial-cluster`. */
export function peerUrl(name: string, onNetwork: boolean): string {
  return `http://${onNetwork ? name : "127.0.0.1"}:${peerPort}`;
}

class Member implements EtcdMember {
  running = true;
  rootPassword: string | undefined;
  readonly networkEndpoint: string | undefined;
  private removed: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly endpoint: string,
    readonly container: StartedTestContainer,
    private readonly spec: EtcdMemberSpec,
  ) {
    const scheme = spec.tls === undefined ? "http" : "https";
    this.networkEndpoint = spec.network === undefined ? undefined : `${scheme}://${name}:${clientPort}`;
  }

  etcdctl(args: readonly string[], options: EtcdctlOptions = {}): Promise<ExecResult> {
    const scheme = this.spec.tls === undefined ? "http" : "https";
    const cmd = [this.spec.etcdctlPath, `--endpoints=${scheme}://127.0.0.1:${clientPort}`];
    if (this.spec.tls !== undefined) cmd.push(`--cacert=${tlsDir}/ca.crt`, `--cert=${tlsDir}/client.crt`, `--key=${tlsDir}/client.key`);
    if (this.rootPassword !== undefined && (options.asRoot ?? true)) cmd.push(`--user=root:${this.rootPassword}`);
    return this.container.exec([...cmd, ...args], { env: { ETCDCTL_API: "3" } });
  }

  async halt(): Promise<void> {
    try {
      await new Docker().getContainer(this.container.getId()).stop({ t: 10 });
    } catch (e) {
      if (!isStatus(e, 304)) throw e;
    }
    this.running = false;
  }

  async resume(): Promise<void> {
    // testcontainers' restart starts a stopped container, re-reads its ports
    // and waits for the log line again, counting only lines since this start.
    await this.container.restart({ timeout: 10 });
    this.running = true;
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.resume();
  }

  async logs(): Promise<string> {
    const buffer = await new Docker().getContainer(this.container.getId()).logs({ stdout: true, stderr: true, follow: false });
    return demuxLogs(buffer);
  }

  /** Removes the container; safe to call again and after a failed test. */
  remove(): Promise<void> {
    this.removed ??= (async () => {
      this.running = false;
      try {
        await this.container.stop({ timeout: 0 });
      } catch {
        await new Docker()
          .getContainer(this.container.getId())
          .remove({ force: true, v: true })
          .catch((e: unknown) => {
            if (!isStatus(e, 404) && !isStatus(e, 409)) throw e;
          });
      }
    })();
    return this.removed;
  }
}

/** Internal view of a member: what the starters need beyond the public handle. */
export interface ManagedEtcdMember extends EtcdMember {
  rootPassword: string | undefined;
  remove(): Promise<void>;
}

/**
 * Starts one member's container (not exported from the package: use
 * `startEtcd` or `startEtcdCluster`). Retries with another host port when
 * Docker reports the chosen one taken.
 */
export async function startEtcdMember(spec: EtcdMemberSpec): Promise<ManagedEtcdMember> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  for (let attempt = 1;; attempt++) {
    const hostPort = await freePort();
    let container = new GenericContainer(spec.image)
      .withCommand(etcdCommand(spec))
      .withExposedPorts({ container: clientPort, host: hostPort })
      .withLabels(kitLabels("etcd"))
      .withWaitStrategy(Wait.forLogMessage(readyLine))
      .withStartupTimeout(spec.startupTimeoutMs);
    if (spec.network !== undefined) container = container.withNetwork(spec.network).withNetworkAliases(spec.name);
    if (spec.tls !== undefined) {
      const t = spec.tls;
      container = container.withCopyFilesToContainer([
        { source: t.caFile, target: `${tlsDir}/ca.crt` },
        { source: t.certFile, target: `${tlsDir}/server.crt` },
        { source: t.keyFile, target: `${tlsDir}/server.key`, mode: 0o600 },
        { source: t.clientCertFile ?? t.certFile, target: `${tlsDir}/client.crt` },
        { source: t.clientKeyFile ?? t.keyFile, target: `${tlsDir}/client.key`, mode: 0o600 },
      ]);
    }
    try {
      const started = await container.start();
      const scheme = spec.tls === undefined ? "http" : "https";
      return new Member(spec.name, `${scheme}://127.0.0.1:${hostPort}`, started, spec);
    } catch (e) {
      if (attempt < 3 && isPortClash(e)) continue;
      throw e;
    }
  }
}

/** Turns enabled auth on for a member: user root with the password, the root role, `auth enable`. */
export async function enableRootAuth(member: ManagedEtcdMember, password: string): Promise<void> {
  for (const args of [["user", "add", `root:${password}`], ["user", "grant-role", "root", "root"], ["auth", "enable"]]) {
    const r = await member.etcdctl(args);
    if (r.exitCode !== 0) throw new Error(`etcd auth: etcdctl ${args.join(" ")} exited with ${r.exitCode}: ${r.stderr.trim()}`);
  }
  member.rootPassword = password;
}

/** Docker's log stream without a TTY frames each chunk with an 8-byte header. */
export function demuxLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
