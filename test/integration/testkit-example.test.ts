// The example of docs/testing.md, kept here so that it compiles and passes.
// Users import from "flannel-ts/testing"; inside this repository the same
// module is ../../src/testing/index.ts.
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, expect, it, onTestFinished } from "vitest";
import { type EtcdNode, innerBusyboxImage, inspectContainerNetwork, startDockerHost, startEtcd } from "../../src/testing/index.ts";

let etcd: EtcdNode;
beforeAll(async () => {
  etcd = await startEtcd(); // builds flannel-ts/etcd:debian-<hash> once, then reuses it
});
afterAll(() => etcd?.stop()); // also runs when a test failed; stop() may be called twice

it("a key put with a lease disappears when the lease is revoked", async () => {
  const client = new Etcd3({ hosts: [...etcd.endpoints] });
  onTestFinished(() => client.close());
  const lease = client.lease(60);
  await lease.put("/coreos.com/network/subnets/10.5.34.0-24").value('{"PublicIP":"192.0.2.1","PublicIPv6":null}');
  expect(await client.getAll().prefix("/coreos.com/network/subnets/").keys()).toEqual(["/coreos.com/network/subnets/10.5.34.0-24"]);
  await lease.revoke();
  expect(await client.getAll().prefix("/coreos.com/network/subnets/").keys()).toEqual([]);
});

it("an inner container gets its address from the bip in daemon.json", async () => {
  // `await using` removes the host when the block ends, pass or fail.
  await using host = await startDockerHost({ daemonJson: '{"bip":"10.5.60.1/24","mtu":1472}' });
  const run = await host.exec(["docker", "run", "-d", "--name", "web", innerBusyboxImage, "sleep", "600"]);
  expect(run.exitCode).toBe(0);
  const web = await inspectContainerNetwork(host, "web");
  expect(web.interfaces.find((i) => i.name === "eth0")?.addresses[0]?.cidr).toMatch(/^10\.5\.60\.\d+\/24$/);
});
