// The etcd commands of the CLI against real etcd: plain, then TLS with
// certificates made here by openssl together with username/password auth,
// and an etcd that is not there.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { main } from "../../src/cli/main.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { startEtcd } from "../../src/testing/index.ts";

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env };
  const code = await main(argv, io);
  return { code, out: out.join(""), err: err.join("") };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-etcd-cli-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("CLI against etcd", () => {
  it("config set, config get, lease acquire and leases, with flags and with FLANNELD_* variables", async () => {
    const etcd = await startEtcd();
    onTestFinished(() => etcd.stop());
    const flags = ["--etcd-endpoints", etcd.endpoint, "--etcd-prefix", "/atomic.io/network"];
    expect(await cli(["config", "set", '{"Network":"172.20.0.0/16"}', ...flags])).toEqual({ code: 0, out: "wrote /atomic.io/network/config\n", err: "" });
    expect((await cli(["config", "set", '{"Network":"10.9.0.0/16"}', ...flags])).code).toBe(1);
    const stored = await etcd.etcdctl(["get", "/atomic.io/network/config", "--print-value-only"]);
    expect(stored.stdout).toBe('{"Network":"172.20.0.0/16"}\n');

    const env = { FLANNELD_ETCD_ENDPOINTS: etcd.endpoint, FLANNELD_ETCD_PREFIX: "/atomic.io/network" };
    expect(await cli(["config", "get"], env)).toEqual({ code: 0, out: '{"Network":"172.20.0.0/16"}\n', err: "" });

    const file = join(dir, "plain.env");
    const acquired = await cli(["lease", "acquire", "--public-ip", "192.0.2.10", "--subnet-file", file, "--json"], env);
    expect(acquired.code).toBe(0);
    const lease = JSON.parse(acquired.out) as { key: string; subnet: string; leaseId: string };
    expect(readFileSync(file, "utf8")).toMatch(/^FLANNEL_NETWORK=172\.20\.0\.0\/16\nFLANNEL_SUBNET=172\.20\.\d+\.1\/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n$/);
    const ttl = await etcd.etcdctl(["lease", "timetolive", BigInt(lease.leaseId).toString(16)]);
    expect(ttl.stdout).toMatch(/granted with TTL\(86400s\), remaining\(86\d{3}s\)/);

    const again = await cli(["lease", "acquire", "--public-ip", "192.0.2.10", "--subnet-file", file, "--json"], env);
    expect(JSON.parse(again.out)).toMatchObject({ key: lease.key, source: "existing" });

    const table = await cli(["leases"], env);
    expect(table.code).toBe(0);
    expect(table.out.split("\n")[1]?.split(/\s+/)).toEqual([lease.subnet, "192.0.2.10", "-", expect.stringMatching(/^(23h59m5\ds|24h0m0s)$/), "no"]);
  });

  it("TLS with client certificates and username/password auth, and what is refused without them", async () => {
    const tls = makeCertificates(join(dir, "pki"));
    const etcd = await startEtcd({ tls: { caFile: tls.ca, certFile: tls.server, keyFile: tls.serverKey }, rootPassword: "s3cret" });
    onTestFinished(() => etcd.stop());
    expect(etcd.endpoint.startsWith("https://")).toBe(true);
    const secure = ["--etcd-endpoints", etcd.endpoint, "--etcd-cafile", tls.ca, "--etcd-certfile", tls.client, "--etcd-keyfile", tls.clientKey];
    const auth = ["--etcd-username", "root", "--etcd-password", "s3cret"];

    expect(await cli(["config", "set", '{"Network":"10.5.0.0/16"}', ...secure, ...auth])).toMatchObject({ code: 0 });
    const acquired = await cli(["lease", "acquire", "--public-ip", "192.0.2.20", "--subnet-file", join(dir, "tls.env"), "--json", ...secure, ...auth]);
    expect(acquired.code).toBe(0);
    const { key } = JSON.parse(acquired.out) as { key: string };
    expect((await etcd.etcdctl(["get", key, "--print-value-only"])).stdout).toBe('{"PublicIP":"192.0.2.20","PublicIPv6":null}\n');

    // The same settings from flanneld's environment variables.
    const env = {
      FLANNELD_ETCD_ENDPOINTS: etcd.endpoint,
      FLANNELD_ETCD_CAFILE: tls.ca,
      FLANNELD_ETCD_CERTFILE: tls.client,
      FLANNELD_ETCD_KEYFILE: tls.clientKey,
      FLANNELD_ETCD_USERNAME: "root",
      FLANNELD_ETCD_PASSWORD: "s3cret",
    };
    expect((await cli(["leases", "--json"], env)).code).toBe(0);

    const wrongPassword = await cli(["leases", ...secure, "--etcd-username", "root", "--etcd-password", "wrong"]);
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.err).toMatch(/^flannel-ts leases: etcd refused the request: .*authentication failed.*; check --etcd-username\/--etcd-password/);

    const noUser = await cli(["leases", ...secure]);
    expect(noUser.code).toBe(1);
    expect(noUser.err).toMatch(/user name is empty|permission denied|refused/);

    const registry = new Etcd3Registry({
      endpoints: [etcd.endpoint],
      tls: { ca: readFileSync(tls.ca) },
      username: "root",
      password: "s3cret",
      requestTimeoutMs: 1_000,
    });
    onTestFinished(() => registry.close());
    const started = Date.now();
    const noClientCert = await registry.listLeases();
    expect(noClientCert.isErr()).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("an etcd that is not there: a clear error, soon", async () => {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, "close");
    const started = Date.now();
    const result = await cli(["leases", "--etcd-endpoints", `http://127.0.0.1:${port}`]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      new RegExp(
        `^flannel-ts leases: etcd at http://127\\.0\\.0\\.1:${port} did not answer: .*; check --etcd-endpoints, that etcd runs and has a leader, and the TLS settings\\n$`,
      ),
    );
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(pki: string) {
  execFileSync("mkdir", ["-p", pki]);
  const f = (n: string) => join(pki, n);
  const ossl = (...args: string[]) => void execFileSync("openssl", args, { stdio: "pipe" });
  ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=flannel-ts-test-ca", "-keyout", f("ca.key"), "-out", f("ca.crt"));
  for (
    const [name, ext] of [
      ["server", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:etcd\nextendedKeyUsage=serverAuth,clientAuth\n"],
      ["client", "extendedKeyUsage=clientAuth\n"],
    ] as const
  ) {
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`));
    writeFileSync(f(`${name}.cnf`), ext);
    ossl(
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      f("ca.crt"),
      "-CAkey",
      f("ca.key"),
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      f(`${name}.cnf`),
      "-out",
      f(`${name}.crt`),
    );
  }
  return { ca: f("ca.crt"), server: f("server.crt"), serverKey: f("server.key"), client: f("client.crt"), clientKey: f("client.key") };
}
