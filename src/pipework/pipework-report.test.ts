import { describe, expect, it } from "vitest";
import { parseCidr, parseIp } from "../subnet/index.ts";
import { parsePipeworkArgs } from "./parse-pipework-args.ts";
import type { PipeworkObservation } from "./pipework-observation.ts";
import { pipeworkReport } from "./pipework-report.ts";
import { planPipework } from "./plan-pipework.ts";

const container = { id: "45ab2b0db5bc", name: "web", pid: 4242 };
const lo = { index: 1, name: "lo", mtu: 65536, up: true, addresses: [] };
const request = parsePipeworkArgs(["br-test", "web", "10.9.0.2/24@10.9.0.1"])._unsafeUnwrap();
const before: PipeworkObservation = { container, host: [], containerLinks: [lo], containerRoutes: [] };
const plan = planPipework(request, before)._unsafeUnwrap();

describe("pipeworkReport", () => {
  it("after adding: what was done, and the interface as it is now", () => {
    const after: PipeworkObservation = {
      ...before,
      containerLinks: [lo, {
        index: 41,
        name: "eth1",
        kind: "veth",
        peerIndex: 40,
        mtu: 1500,
        mac: "02:42:0a:09:00:02",
        up: true,
        addresses: [{ cidr: parseCidr("10.9.0.2/24")._unsafeUnwrap(), tentative: false, dadFailed: false }],
      }],
      containerRoutes: [{ family: 4, gateway: parseIp("10.9.0.1")._unsafeUnwrap(), dev: "eth1" }],
    };
    const done = plan.steps.map((s) => s.step);
    expect(pipeworkReport(request, plan, done, after)).toEqual({
      action: "add",
      changed: true,
      container,
      bridge: "br-test",
      bridgeCreated: true,
      bridgeRemoved: false,
      interfaceRemoved: false,
      interface: "eth1",
      hostInterface: plan.hostInterface,
      address: "10.9.0.2/24",
      gateway: "10.9.0.1",
      mac: "02:42:0a:09:00:02",
      mtu: 1500,
      steps: [
        "ip link add name br-test type bridge",
        "ip link set dev br-test alias 'flannel-ts pipework' up",
        `ip link add name ${plan.hostInterface} mtu 1500 type veth peer name ${plan.hostInterface.replace("fp", "fc")} mtu 1500`,
        `ip link set dev ${plan.hostInterface} master br-test up`,
        `ip link set dev ${plan.hostInterface.replace("fp", "fc")} netns 4242`,
        `nsenter -t 4242 -n ip link set dev ${plan.hostInterface.replace("fp", "fc")} name eth1`,
        "nsenter -t 4242 -n ip link set dev eth1 alias 'flannel-ts pipework'",
        "nsenter -t 4242 -n ip addr add 10.9.0.2/24 brd + dev eth1",
        "nsenter -t 4242 -n ip link set dev eth1 up",
        "nsenter -t 4242 -n ip -4 route add default via 10.9.0.1 dev eth1",
      ],
      notes: [],
    });
  });

  it("nothing done: not changed, no bridge created", () => {
    expect(pipeworkReport(request, plan, [])).toMatchObject({ changed: false, bridgeCreated: false, steps: [] });
  });
});
