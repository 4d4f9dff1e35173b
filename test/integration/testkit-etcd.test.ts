// The etcd half of the test kit against real containers: a single node (put,
// get, lease expiry, restart keeping data), TLS with certificates made here
// by openssl, root auth, and a three-member cluster that loses its leader.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { Etcd3 } from "etcd3";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { startEtcd, startEtcdCluster } from "../../src/testing/index.ts";

const kitContainers = async (): Promise<string[]> =>
  (await new Docker().listContainers({ all: true, filters: { label: [`org.flannel-ts.testing.pid=${process.pid}`] } })).map((c) => c.Id);

describe("startEtcd", () => {
  it("serves put, get and leases, and keeps its data and endpoint across restart()", async () => {
    const etcd = await startEtcd();
    onTestFinished(() => etcd.stop());
    expect(etcd.endpoints).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)]);
    const client = new Etcd3({ hosts: [...etcd.endpoints], dialTimeout: 5000 });
    onTestFinished(() => client.close());

    await client.put("/coreos.com/network/config").value('{"Network":"10.5.0.0/16"}');
    expect(await client.get("/coreos.com/network/config").string()).toBe('{"Network":"10.5.0.0/16"}');

    const lease = client.lease(1, { autoKeepAlive: false });
    await lease.put("/short").value("lived");
    expect(await client.get("/short").string()).toBe("lived");
    await expect.poll(() => client.get("/short").string(), { timeout: 5000, interval: 200 }).toBeNull();

    const before = etcd.endpoint;
    await etcd.restart();
    expect(etcd.endpoint).toBe(before);
    expect(etcd.running).toBe(true);
    await expect.poll(() => client.get("/coreos.com/network/config").string(), { timeout: 10_000, interval: 200 }).toBe('{"Network":"10.5.0.0/16"}');

    const r = await etcd.etcdctl(["get", "/coreos.com/network/config", "--print-value-only"]);
    expect(r).toMatchObject({ exitCode: 0, stdout: '{"Network":"10.5.0.0/16"}\n' });
  });

  it("stop() removes the container and may be called twice", async () => {
    const etcd = await startEtcd();
    const id = etcd.container.getId();
    expect(await kitContainers()).toContain(id);
    await etcd.stop();
    await etcd.stop();
    expect(await kitContainers()).not.toContain(id);
  });

  it("serves TLS with client certificates and root auth", async () => {
    const dir = mkdtempSync(join(tmpdir(), "testkit-tls-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const f = (n: string): string => join(dir, n);
    const ossl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: "pipe" });
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=testkit-ca", "-keyout", f("ca.key"), "-out", f("ca.crt"));
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=etcd", "-keyout", f("etcd.key"), "-out", f("etcd.csr"));
    writeFileSync(f("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:etcd\nextendedKeyUsage=serverAuth,clientAuth\n");
    ossl("x509", "-req", "-in", f("etcd.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "1", "-extfile", f("ext.cnf"), "-out", f("etcd.crt"));

    const etcd = await startEtcd({ tls: { caFile: f("ca.crt"), certFile: f("etcd.crt"), keyFile: f("etcd.key") }, rootPassword: "s3cret" });
    onTestFinished(() => etcd.stop());
    expect(etcd.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const { readFileSync } = await import("node:fs");
    const credentials = { rootCertificate: readFileSync(f("ca.crt")), certChain: readFileSync(f("etcd.crt")), privateKey: readFileSync(f("etcd.key")) };
    const root = new Etcd3({ hosts: [...etcd.endpoints], credentials, auth: { username: "root", password: "s3cret" }, dialTimeout: 5000 });
    onTestFinished(() => root.close());
    await root.put("k").value("v");
    expect(await root.get("k").string()).toBe("v");

    const anonymous = await etcd.etcdctl(["get", "k"], { asRoot: false });
    expect(anonymous.exitCode).not.toBe(0);
    expect(anonymous.stderr).toMatch(/user name is empty|permission denied/);
    expect((await etcd.etcdctl(["get", "k", "--print-value-only"])).stdout).toBe("v\n");
  });
});

describe("startEtcdCluster", () => {
  it("elects a leader, keeps serving when it stops, and takes it back", async () => {
    const cluster = await startEtcdCluster({ size: 3 });
    onTestFinished(() => cluster.stop());
    expect(cluster.members.map((m) => m.name)).toEqual(["etcd-0", "etcd-1", "etcd-2"]);
    expect(cluster.networkEndpoints).toEqual(["http://etcd-0:2379", "http://etcd-1:2379", "http://etcd-2:2379"]);
    const client = new Etcd3({ hosts: [...cluster.endpoints], dialTimeout: 5000 });
    onTestFinished(() => client.close());
    await client.put("before").value("1");

    const leader = await cluster.leader();
    await leader.halt();
    expect(leader.running).toBe(false);
    const next = await cluster.leader();
    expect(next.name).not.toBe(leader.name);

    await expect.poll(async () => {
      await client.put("after").value("2");
      return client.get("after").string();
    }, { timeout: 20_000, interval: 500 }).toBe("2");

    await leader.resume();
    const r = await leader.etcdctl(["get", "after", "--print-value-only"]);
    expect(r.stdout).toBe("2\n");

    const ids = cluster.members.map((m) => m.container.getId());
    await cluster.stop();
    const left = await kitContainers();
    expect(ids.filter((id) => left.includes(id))).toEqual([]);
  });
});

afterAll(async () => {
  // Nothing the kit started from this process may outlive it.
  expect(await kitContainers()).toEqual([]);
});
