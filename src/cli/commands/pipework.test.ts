import { okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import type { CommandRunner } from "../../core/command-runner.ts";
import { vethNames } from "../../pipework/veth-names.ts";
import type { ContainerInspectApi } from "../../node/pipework-container.ts";
import { runCaptured } from "../_run-captured.ts";
import { pipeworkCommand } from "./pipework.ts";

const ID = "c1db2501df57a5347766636cecbfcec7a079d2477f03a68fbdda30f59d7e9eee";
const FP = vethNames(ID, "eth1").host;
const engine: ContainerInspectApi = {
  getContainer: (id) => ({
    inspect: () =>
      id === "web"
        ? Promise.resolve({ Id: ID, Name: "/web", State: { Status: "running", Running: true, Pid: 4242 } })
        : Promise.reject(Object.assign(new Error("no such container"), { statusCode: 404 })),
  }),
};
const lo = { ifindex: 1, ifname: "lo", flags: ["UP"], mtu: 65536, addr_info: [] };
const attachedHost = [
  { ifindex: 5, ifname: "br-test", flags: ["UP"], mtu: 1500, linkinfo: { info_kind: "bridge" }, ifalias: "flannel-ts pipework", addr_info: [] },
  { ifindex: 40, link_index: 41, ifname: FP, flags: ["UP"], mtu: 1500, master: "br-test", linkinfo: { info_kind: "veth" }, addr_info: [] },
];
const attachedContainer = [
  lo,
  {
    ifindex: 41,
    link_index: 40,
    ifname: "eth1",
    flags: ["UP"],
    mtu: 1500,
    link_type: "ether",
    address: "76:88:b3:8c:b8:6c",
    linkinfo: { info_kind: "veth" },
    addr_info: [{ family: "inet", local: "10.9.0.2", prefixlen: 24 }],
  },
];

/** A pretend host: empty (or with eth1 on br-test) until a step runs, then the other way round. */
function fakeHost(startAttached = false): { run: CommandRunner; steps: string[] } {
  const steps: string[] = [];
  const run: CommandRunner = (command, args) => {
    const line = [command, ...args].join(" ");
    const attached = startAttached === (steps.length === 0);
    const json = (v: unknown) => okAsync({ code: 0, stdout: JSON.stringify(v), stderr: "" });
    if (line === "ip -d -j addr show") return json(attached ? attachedHost : []);
    if (line === "nsenter -t 4242 -n ip -d -j addr show") return json(attached ? attachedContainer : [lo]);
    if (line.endsWith("route show default")) return json([]);
    steps.push(line);
    return okAsync({ code: 0, stdout: "", stderr: "" });
  };
  return { run, steps };
}

describe("flannel-ts pipework", () => {
  it("adds the interface, showing each command as it runs, and says where it is", async () => {
    const host = fakeHost();
    const result = await runCaptured(pipeworkCommand({ engine, run: host.run }), ["br-test", "web", "10.9.0.2/24"]);
    expect(result.code).toBe(0);
    expect(result.out).toBe(`eth1 of web is on br-test (host end ${FP}): 10.9.0.2/24, MAC 76:88:b3:8c:b8:6c, MTU 1500; created the bridge br-test\n`);
    expect(result.err.split("\n").slice(0, 2)).toEqual(["+ ip link add name br-test type bridge", "+ ip link set dev br-test alias 'flannel-ts pipework' up"]);
    expect(host.steps).toHaveLength(9);
  });

  it("says there is nothing to do the second time, and exits 0", async () => {
    const host = fakeHost(true);
    expect(await runCaptured(pipeworkCommand({ engine, run: host.run }), ["br-test", "web", "10.9.0.2/24"])).toEqual({
      code: 0,
      out: `nothing to do: eth1 of web is on br-test (host end ${FP}): 10.9.0.2/24, MAC 76:88:b3:8c:b8:6c, MTU 1500\n`,
      err: "",
    });
    expect(host.steps).toEqual([]);
  });

  it("prints the report as JSON with --json", async () => {
    const result = await runCaptured(pipeworkCommand({ engine, run: fakeHost().run }), ["br-test", "web", "10.9.0.2/24", "--json"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    expect(JSON.parse(result.out)).toMatchObject({
      action: "add",
      changed: true,
      bridgeCreated: true,
      interface: "eth1",
      hostInterface: FP,
      address: "10.9.0.2/24",
      mtu: 1500,
      container: { id: ID, name: "web", pid: 4242 },
    });
  });

  it("removes with --remove", async () => {
    const host = fakeHost(true);
    const result = await runCaptured(pipeworkCommand({ engine, run: host.run }), ["--remove", "br-test", "web"]);
    expect(result).toEqual({ code: 0, out: "removed eth1 of web; deleted the bridge br-test\n", err: "+ nsenter -t 4242 -n ip link del dev eth1\n+ ip link del dev br-test\n" });
  });

  it.each([
    [["br-test", "web", "10.9.0.2/33"], 'flannel-ts pipework: <address> "10.9.0.2/33": prefix length 33 is above 32\n'],
    [["br-test"], "flannel-ts pipework: missing <container> (a name or ID); run flannel-ts pipework --help for usage\n"],
    [
      ["br-test", "web", "10.9.0.2/24", "--mtu", "65536"],
      "flannel-ts pipework: --mtu: \"65536\" is out of range: give an MTU from 68 (IPv4's minimum) to 65535 (a veth's maximum)\n",
    ],
    [["br-test", "web", "fd00::2/64", "--mtu", "1200"], 'flannel-ts pipework: --mtu: "1200": IPv6 needs an MTU of at least 1280\n'],
    [
      ["br-test", "-i", "eth1:0", "web", "10.9.0.2/24"],
      'flannel-ts pipework: --interface: "eth1:0" is not an interface name: character ":" is not allowed (use letters, digits, "_", "." and "-")\n',
    ],
    [["br-test", "web", "10.9.0.2/24", "02:00:00:00:00:01", "x"], 'flannel-ts pipework: unexpected argument "x": pipework takes <host-bridge> <container> <address> [<mac>]\n'],
    [["br-test", "web", "10.9.0.2/24", "--bogus"], 'flannel-ts pipework: unknown flag "--bogus"; run flannel-ts pipework --help for the list\n'],
  ])("%j exits 2 naming the argument at fault, before looking at anything", async (argv, message) => {
    const host = fakeHost();
    expect(await runCaptured(pipeworkCommand({ engine, run: host.run }), argv)).toEqual({ code: 2, out: "", err: message });
    expect(host.steps).toEqual([]);
  });

  it("with --json, a usage error is one JSON object on stderr", async () => {
    const host = fakeHost();
    expect(await runCaptured(pipeworkCommand({ engine, run: host.run }), ["br-test", "--json"])).toEqual({
      code: 2,
      out: "",
      err: `${
        JSON.stringify({
          error: { kind: "missing-argument", argument: "<container>", message: "missing <container> (a name or ID); run flannel-ts pipework --help for usage", exitCode: 2 },
        })
      }\n`,
    });
    expect(host.steps).toEqual([]);
  });

  it("--help prints the usage on stdout and exits 0", async () => {
    const result = await runCaptured(pipeworkCommand({ engine, run: fakeHost().run }), ["br-test", "--help"]);
    expect(result).toMatchObject({ code: 0, err: "" });
    expect(result.out).toMatch(/^Usage: flannel-ts pipework <host-bridge> \[-i <container-interface>\] <container> /);
    expect(result.out).toContain("  -i, --interface NAME\n");
  });

  it("takes the last -i when it is given twice, as every flag of the layer", async () => {
    const host = fakeHost();
    const result = await runCaptured(pipeworkCommand({ engine, run: host.run }), ["br-test", "-i", "eth9", "web", "10.9.0.2/24", "--interface=eth1"]);
    expect(result.code).toBe(0);
    expect(host.steps).toContain(`nsenter -t 4242 -n ip link set dev ${FP.replace("fp", "fc")} name eth1`);
  });

  it("exits 1 when the container is unknown, with the error as JSON on stderr under --json", async () => {
    expect(await runCaptured(pipeworkCommand({ engine, run: fakeHost().run }), ["br-test", "db", "10.9.0.2/24", "--json"])).toEqual({
      code: 1,
      out: "",
      err: `${
        JSON.stringify({ error: { kind: "container-not-found", container: "db", message: "no container db: the engine knows no container by that name or ID", exitCode: 1 } })
      }\n`,
    });
    expect(await runCaptured(pipeworkCommand({ engine, run: fakeHost().run }), ["br-test", "db", "10.9.0.2/24"])).toEqual({
      code: 1,
      out: "",
      err: "flannel-ts pipework: no container db: the engine knows no container by that name or ID\n",
    });
  });

  it("a failed step: the JSON shows the commands done and undone", async () => {
    const steps: string[] = [];
    const inner = fakeHost();
    const run: CommandRunner = (command, args) => {
      const line = [command, ...args].join(" ");
      if (line.includes(" netns ")) {
        steps.push(line);
        return okAsync({ code: 2, stdout: "", stderr: "RTNETLINK answers: Invalid argument\n" });
      }
      return inner.run(command, args);
    };
    const result = await runCaptured(pipeworkCommand({ engine, run }), ["br-test", "web", "10.9.0.2/24", "--json"]);
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    const { error } = JSON.parse(result.err) as { error: Record<string, unknown> };
    expect(error).toMatchObject({
      kind: "step-failed",
      step: `ip link set dev ${FP.replace("fp", "fc")} netns 4242`,
      undone: [`ip link del dev ${FP}`, "ip link del dev br-test"],
      undoFailures: [],
    });
    expect(error["done"]).toHaveLength(4);
  });
});
