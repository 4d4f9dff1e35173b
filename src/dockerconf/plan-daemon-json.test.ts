import { describe, expect, it } from "vitest";
import { parseCidr4 } from "../subnet/cidr.ts";
import { parseDockerdArgs } from "./dockerd-args.ts";
import { planDaemonJson } from "./plan-daemon-json.ts";

const SEED = `{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
}
`;
const settings = { bip: parseCidr4("10.5.52.1/24")._unsafeUnwrap(), mtu: 1472 };
const path = "/etc/docker/daemon.json";

describe("planDaemonJson", () => {
  it("the seed: bip and mtu added, the diff shows only them, the TCP finding blocks unless allowed", () => {
    const plan = planDaemonJson({ path, current: SEED, settings })._unsafeUnwrap();
    expect(plan.changed).toBe(true);
    expect(plan.diff).toBe(
      `--- ${path}\n+++ ${path}\n@@ -1,5 +1,7 @@\n {\n   "registry-mirrors": ["https://mirror.example.invalid"],\n   "insecure-registries": ["registry.example.invalid:5000"],\n-  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]\n+  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],\n+  "bip": "10.5.52.1/24",\n+  "mtu": 1472\n }\n`,
    );
    expect(plan.issues.map((i) => i.kind)).toEqual(["tcp-without-tls", "insecure-registry"]);
    expect(plan.blocking.map((i) => i.kind)).toEqual(["tcp-without-tls"]);
    expect(planDaemonJson({ path, current: SEED, settings, allowFindings: true })._unsafeUnwrap().blocking).toEqual([]);
  });

  it("with Debian's -H fd:// the seed's hosts conflict and block even with findings allowed", () => {
    const dockerd = { program: "/usr/sbin/dockerd", args: parseDockerdArgs(["-H", "fd://"])._unsafeUnwrap() };
    const plan = planDaemonJson({ path, current: SEED, settings, dockerd, allowFindings: true })._unsafeUnwrap();
    expect(plan.blocking.map((i) => i.kind)).toEqual(["flag-conflict"]);
  });

  it("a missing file is created; an up-to-date file has nothing to write", () => {
    const created = planDaemonJson({ path, current: undefined, settings })._unsafeUnwrap();
    expect(created).toMatchObject({ exists: false, before: "", after: '{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n}\n', changed: true, blocking: [] });
    expect(created.diff.startsWith(`--- /dev/null\n+++ ${path}\n`)).toBe(true);
    const again = planDaemonJson({ path, current: created.after, settings })._unsafeUnwrap();
    expect(again).toMatchObject({ changed: false, changes: [], diff: "" });
  });

  it("a file that is not JSON is an error naming the path, line and column", () => {
    expect(planDaemonJson({ path, current: '{\n  "mtu": 1450,\n}\n', settings })._unsafeUnwrapErr()).toMatchObject({
      kind: "json-syntax",
      path,
      line: 3,
      column: 1,
      message:
        `${path}: line 3, column 1: trailing commas are not allowed in JSON; remove the comma before } (dockerd: invalid character '}' looking for beginning of object key string)`,
    });
  });
});
