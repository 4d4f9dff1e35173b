import { errAsync, okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { applyPipeworkPlan, rollbackSteps } from "./apply-pipework-plan.ts";
import { parsePipeworkArgs } from "./parse-pipework-args.ts";
import { formatPipeworkStep, type PipeworkStep } from "./pipework-step.ts";
import { planPipework } from "./plan-pipework.ts";

const container = { id: "45ab2b0db5bc", name: "web", pid: 4242 };
const plan = planPipework(parsePipeworkArgs(["br-test", "web", "10.9.0.2/24@10.9.0.1"])._unsafeUnwrap(), {
  container,
  host: [],
  containerLinks: [{ index: 1, name: "lo", mtu: 65536, up: true, addresses: [] }, { index: 2, name: "eth0", mtu: 1500, up: true, addresses: [] }],
  containerRoutes: [{ family: 4, dev: "eth0" }],
})._unsafeUnwrap();
const show = (steps: readonly PipeworkStep[]): string[] => steps.map((s) => formatPipeworkStep(s, 4242));

/** A runner that fails the steps whose text matches `failing` and records every call. */
function runner(failing: RegExp | undefined) {
  const calls: string[] = [];
  const run = (step: PipeworkStep) => {
    const text = formatPipeworkStep(step, 4242);
    calls.push(text);
    return failing?.test(text) === true ? errAsync({ message: `failed: ${text}` }) : okAsync(undefined);
  };
  return { calls, run };
}

describe("applyPipeworkPlan", () => {
  it("runs every step in order", async () => {
    const { calls, run } = runner(undefined);
    const applied = await applyPipeworkPlan(plan, run);
    expect(applied._unsafeUnwrap()).toEqual(plan.steps.map((s) => s.step));
    expect(calls).toEqual(show(plan.steps.map((s) => s.step)));
  });

  it("takes back what was done when a step fails part-way: the default route, then the veth, then the bridge", async () => {
    const { calls, run } = runner(/route add default via 10\.9\.0\.1/);
    const failed = (await applyPipeworkPlan(plan, run))._unsafeUnwrapErr();
    const undo = [
      "nsenter -t 4242 -n ip -4 route add default dev eth0",
      `ip link del dev ${plan.hostInterface}`,
      "ip link del dev br-test",
    ];
    expect(calls.slice(-3)).toEqual(undo);
    expect(failed).toEqual({
      kind: "step-failed",
      step: plan.steps.at(-1)!.step,
      done: plan.steps.slice(0, -1).map((s) => s.step),
      reason: "failed: nsenter -t 4242 -n ip -4 route add default via 10.9.0.1 dev eth1",
      undone: failed.undone,
      undoFailures: [],
      message: "failed: nsenter -t 4242 -n ip -4 route add default via 10.9.0.1 dev eth1; what was done is undone",
    });
    expect(show(failed.undone)).toEqual(undo);
  });

  it("keeps undoing when an undo step fails, and says so", async () => {
    const { calls, run } = runner(/netns|del dev fp/);
    const failed = (await applyPipeworkPlan(plan, run))._unsafeUnwrapErr();
    expect(calls.slice(-2)).toEqual([`ip link del dev ${plan.hostInterface}`, "ip link del dev br-test"]);
    expect(show(failed.undone)).toEqual(["ip link del dev br-test"]);
    expect(failed.message).toBe(
      `failed: ip link set dev ${plan.hostInterface.replace("fp", "fc")} netns 4242; 1 undo step failed too, something may be left: failed: ip link del dev ${plan.hostInterface}`,
    );
  });

  it("a first step that fails leaves nothing to undo", async () => {
    const { calls, run } = runner(/type bridge/);
    const failed = (await applyPipeworkPlan(plan, run))._unsafeUnwrapErr();
    expect(calls).toEqual(["ip link add name br-test type bridge"]);
    expect(failed.message).toBe("failed: ip link add name br-test type bridge; nothing needed undoing");
  });
});

describe("rollbackSteps", () => {
  it("gives the undo steps of the first N steps, last first", () => {
    expect(show(rollbackSteps(plan, 0))).toEqual([]);
    expect(show(rollbackSteps(plan, 2))).toEqual(["ip link del dev br-test"]);
    expect(show(rollbackSteps(plan, plan.steps.length))).toEqual([
      "nsenter -t 4242 -n ip -4 route add default dev eth0",
      `ip link del dev ${plan.hostInterface}`,
      "ip link del dev br-test",
    ]);
  });
});
