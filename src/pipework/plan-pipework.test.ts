import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseCidr, parseIp } from "../subnet/index.ts";
import { parsePipeworkArgs } from "./parse-pipework-args.ts";
import type { ObservedLink, ObservedRoute, PipeworkObservation } from "./pipework-observation.ts";
import type { PipeworkStep } from "./pipework-step.ts";
import { type PipeworkPlan, planPipework } from "./plan-pipework.ts";
import { vethNames } from "./veth-names.ts";

const ID = "45ab2b0db5bc1b17f9dd8c3e7972252fac843dfdf1c866fd779b132f6b6df7ee";
const { host: FP, peer: FC } = vethNames(ID, "eth1");
const container = { id: ID, name: "web", pid: 4242 };
const ip = (text: string) => parseIp(text)._unsafeUnwrap();
const address = (text: string, more: { tentative?: boolean; dadFailed?: boolean } = {}) => ({
  cidr: parseCidr(text)._unsafeUnwrap(),
  tentative: more.tentative ?? false,
  dadFailed: more.dadFailed ?? false,
});
const link = (name: string, index: number, more: Partial<ObservedLink> = {}): ObservedLink => ({ index, name, mtu: 1500, up: true, addresses: [], ...more });
const request = (...argv: string[]) => parsePipeworkArgs(argv)._unsafeUnwrap();
const onHost = (...args: string[]): PipeworkStep => ({ kind: "ip", where: "host", args });
const inside = (...args: string[]): PipeworkStep => ({ kind: "ip", where: "container", args });

const lo = link("lo", 1, { mtu: 65536, addresses: [address("127.0.0.1/8")] });
const docker0 = link("docker0", 3, { kind: "bridge", mtu: 1472, addresses: [address("172.20.59.1/24")] });
const eth0 = link("eth0", 12, { kind: "veth", peerIndex: 13, mtu: 1472, addresses: [address("172.20.59.2/24")] });
const viaDocker0: ObservedRoute = { family: 4, gateway: ip("172.20.59.1"), dev: "eth0" };

function observe(more: Partial<Omit<PipeworkObservation, "container">> = {}): PipeworkObservation {
  return { container, host: [], containerLinks: [lo], containerRoutes: [], ...more };
}

/** The host end and the container end of a pair that flannel-ts made, as they look when done. */
function attached(more: { bridge?: string; inside?: Partial<ObservedLink>; hostEnd?: Partial<ObservedLink> } = {}): { hostEnd: ObservedLink; inside: ObservedLink } {
  return {
    hostEnd: link(FP, 40, { kind: "veth", peerIndex: 41, master: more.bridge ?? "br-test", ...more.hostEnd }),
    inside: link("eth1", 41, {
      kind: "veth",
      peerIndex: 40,
      mac: "02:42:0a:09:00:02",
      alias: "flannel-ts pipework",
      addresses: [address("10.9.0.2/24"), address("fe80::42:aff:fe09:2/64")],
      ...more.inside,
    }),
  };
}

const plan = (more: Partial<PipeworkPlan>): PipeworkPlan => ({
  action: "add",
  container,
  bridge: "br-test",
  containerInterface: "eth1",
  hostInterface: FP,
  createsBridge: false,
  removesBridge: false,
  removesInterface: false,
  steps: [],
  notes: [],
  ...more,
});

describe("planPipework: adding", () => {
  it("on a container with no network and no bridge yet: creates the bridge, the veth, moves and sets up its end", () => {
    expect(planPipework(request("br-test", "web", "10.9.0.2/24"), observe())).toEqual(
      ok(
        plan({
          createsBridge: true,
          steps: [
            { step: onHost("link", "add", "name", "br-test", "type", "bridge"), undo: onHost("link", "del", "dev", "br-test") },
            { step: onHost("link", "set", "dev", "br-test", "alias", "flannel-ts pipework", "up") },
            { step: onHost("link", "add", "name", FP, "mtu", "1500", "type", "veth", "peer", "name", FC, "mtu", "1500"), undo: onHost("link", "del", "dev", FP) },
            { step: onHost("link", "set", "dev", FP, "master", "br-test", "up") },
            { step: onHost("link", "set", "dev", FC, "netns", "4242") },
            { step: inside("link", "set", "dev", FC, "name", "eth1") },
            { step: inside("link", "set", "dev", "eth1", "alias", "flannel-ts pipework") },
            { step: inside("addr", "add", "10.9.0.2/24", "brd", "+", "dev", "eth1") },
            { step: inside("link", "set", "dev", "eth1", "up") },
          ],
        }),
      ),
    );
  });

  it("the seed's use: onto docker0 at an address of the lease, with the MTU of docker0, replacing the default route", () => {
    const observed = observe({ host: [docker0], containerLinks: [lo, eth0], containerRoutes: [viaDocker0] });
    expect(planPipework(request("docker0", "-i", "eth1", "web", "172.20.59.200/24@172.20.59.1"), observed)).toEqual(
      ok(
        plan({
          bridge: "docker0",
          steps: [
            { step: onHost("link", "add", "name", FP, "mtu", "1472", "type", "veth", "peer", "name", FC, "mtu", "1472"), undo: onHost("link", "del", "dev", FP) },
            { step: onHost("link", "set", "dev", FP, "master", "docker0", "up") },
            { step: onHost("link", "set", "dev", FC, "netns", "4242") },
            { step: inside("link", "set", "dev", FC, "name", "eth1") },
            { step: inside("link", "set", "dev", "eth1", "alias", "flannel-ts pipework; replaced IPv4 default via 172.20.59.1 dev eth0") },
            { step: inside("addr", "add", "172.20.59.200/24", "brd", "+", "dev", "eth1") },
            { step: inside("link", "set", "dev", "eth1", "up") },
            {
              step: inside("-4", "route", "del", "default", "via", "172.20.59.1", "dev", "eth0"),
              undo: inside("-4", "route", "add", "default", "via", "172.20.59.1", "dev", "eth0"),
            },
            { step: inside("-4", "route", "add", "default", "via", "172.20.59.1", "dev", "eth1") },
          ],
          notes: ["replaces the IPv4 default route via 172.20.59.1 dev eth0 (--remove puts it back)"],
        }),
      ),
    );
  });

  it("with --mtu and a MAC, on a bridge that is down: brings it up (undone by setting it down again)", () => {
    const observed = observe({ host: [link("br-test", 5, { kind: "bridge", up: false })] });
    const steps = planPipework(request("br-test", "web", "10.9.0.2/24", "02:42:0A:09:00:02", "--mtu", "9000"), observed)._unsafeUnwrap().steps;
    expect(steps.slice(0, 2)).toEqual([
      { step: onHost("link", "set", "dev", "br-test", "up"), undo: onHost("link", "set", "dev", "br-test", "down") },
      { step: onHost("link", "add", "name", FP, "mtu", "9000", "type", "veth", "peer", "name", FC, "mtu", "9000"), undo: onHost("link", "del", "dev", FP) },
    ]);
    expect(steps[5]).toEqual({ step: inside("link", "set", "dev", "eth1", "address", "02:42:0a:09:00:02", "alias", "flannel-ts pipework") });
  });

  it("a new bridge gets the MTU of --mtu", () => {
    const steps = planPipework(request("br-test", "web", "10.9.0.2/24", "--mtu", "1400"), observe())._unsafeUnwrap().steps;
    expect(steps[0]).toEqual({ step: onHost("link", "add", "name", "br-test", "mtu", "1400", "type", "bridge"), undo: onHost("link", "del", "dev", "br-test") });
  });

  it("IPv6: turned on for the interface, no broadcast, waits for duplicate address detection before the route", () => {
    const observed = observe({ host: [link("br-test", 5, { kind: "bridge" })], containerRoutes: [{ family: 4, gateway: ip("172.20.59.1"), dev: "eth0" }] });
    const steps = planPipework(request("br-test", "web", "fd00:9::2/64@fd00:9::1"), observed)._unsafeUnwrap().steps;
    expect(steps.slice(4)).toEqual([
      { step: inside("link", "set", "dev", "eth1", "alias", "flannel-ts pipework") },
      { step: { kind: "enable-ipv6", interface: "eth1" } },
      { step: inside("addr", "add", "fd00:9::2/64", "dev", "eth1") },
      { step: inside("link", "set", "dev", "eth1", "up") },
      { step: { kind: "await-dad", interface: "eth1", address: parseCidr("fd00:9::2/64")._unsafeUnwrap() } },
      { step: inside("-6", "route", "add", "default", "via", "fd00:9::1", "dev", "eth1") },
    ]);
  });

  it("nothing to do when the container already has exactly that interface", () => {
    const { hostEnd, inside: eth1 } = attached();
    const bridge = link("br-test", 5, { kind: "bridge", alias: "flannel-ts pipework" });
    expect(planPipework(request("br-test", "web", "10.9.0.2/24"), observe({ host: [bridge, hostEnd], containerLinks: [lo, eth1] }))).toEqual(ok(plan({})));
    const routes: ObservedRoute[] = [{ family: 4, gateway: ip("10.9.0.1"), dev: "eth1" }];
    expect(
      planPipework(
        request("br-test", "web", "10.9.0.2/24@10.9.0.1", "02:42:0a:09:00:02", "--mtu", "1500"),
        observe({ host: [bridge, hostEnd], containerLinks: [lo, eth1], containerRoutes: routes }),
      ),
    ).toEqual(ok(plan({})));
  });

  it.each(
    [
      ["another address", ["10.9.0.3/24"], {}, [], "it has 10.9.0.2/24, not 10.9.0.3/24"],
      ["another prefix", ["10.9.0.2/16"], {}, [], "it has 10.9.0.2/24, not 10.9.0.2/16"],
      ["another bridge", ["10.9.0.2/24"], { bridge: "br-other" }, [], `its host end ${FP} is a port of br-other, not of br-test`],
      ["another MAC", ["10.9.0.2/24", "02:00:00:00:00:01"], {}, [], "its MAC is 02:42:0a:09:00:02, not 02:00:00:00:00:01"],
      ["another MTU", ["10.9.0.2/24", "--mtu", "1400"], {}, [], "its MTU is 1500, not 1400"],
      ["down", ["10.9.0.2/24"], { inside: { up: false } }, [], "it is down"],
      ["no default route yet", ["10.9.0.2/24@10.9.0.1"], {}, [], "the IPv4 default route is none, not via 10.9.0.1 dev eth1"],
      [
        "a default route not asked for",
        ["10.9.0.2/24"],
        {},
        [{ family: 4, gateway: ip("10.9.0.1"), dev: "eth1" }],
        "the IPv4 default route goes through it (via 10.9.0.1 dev eth1) though no gateway was asked for",
      ],
      [
        "an address that failed DAD",
        ["fd00:9::2/64"],
        { inside: { addresses: [address("fd00:9::2/64", { dadFailed: true })] } },
        [],
        "it has fd00:9::2/64 (a duplicate on the link), not fd00:9::2/64",
      ],
    ] as const,
  )("an interface from an earlier run with %s is an error, not a change", (_, args, more, routes, difference) => {
    const { hostEnd, inside: eth1 } = attached(more);
    const observed = observe({ host: [link("br-test", 5, { kind: "bridge" }), hostEnd], containerLinks: [lo, eth1], containerRoutes: [...routes] });
    expect(planPipework(request("br-test", "web", ...args), observed)).toEqual(
      err({
        kind: "interface-differs",
        interface: "eth1",
        differences: [difference],
        message: `container web already has eth1 from flannel-ts pipework, set up otherwise (${difference}); remove it first (--remove) to set it up anew`,
      }),
    );
  });

  it.each([
    ["the bridge's name is a device of another kind", observe({ host: [link("br-test", 5, { kind: "veth" })] }), {
      kind: "not-a-bridge",
      bridge: "br-test",
      linkKind: "veth",
      message: "br-test is a veth, not a Linux bridge; flannel-ts attaches containers to Linux bridges only",
    }],
    ["the bridge's name is a plain device", observe({ host: [link("br-test", 2)] }), {
      kind: "not-a-bridge",
      bridge: "br-test",
      linkKind: "device",
      message: "br-test is a device, not a Linux bridge; flannel-ts attaches containers to Linux bridges only",
    }],
    [
      "the container has an eth1 of its own",
      observe({ containerLinks: [lo, link("eth1", 9, { kind: "veth", peerIndex: 10 })] }),
      { kind: "interface-in-use", interface: "eth1", message: "container web already has an interface eth1, not made by flannel-ts pipework; choose another name with -i" },
    ],
    [
      "the veth's name is left on the host",
      observe({ host: [link(FP, 40, { kind: "veth" })] }),
      {
        kind: "name-in-use",
        name: FP,
        where: "host",
        message:
          `the host already has an interface ${FP}, the name flannel-ts gives this veth (left over from an interrupted run?); run with --remove, or delete it (ip link del dev ${FP})`,
      },
    ],
    [
      "the peer's name is taken in the container",
      observe({ containerLinks: [lo, link(FC, 40)] }),
      {
        kind: "name-in-use",
        name: FC,
        where: "container",
        message: `container web already has an interface ${FC}, the name flannel-ts gives this veth on its way in; rename or delete it there`,
      },
    ],
    ["the address is on another interface of the container", observe({ containerLinks: [lo, link("eth0", 2, { addresses: [address("10.9.0.2/16")] })] }), {
      kind: "address-in-use",
      address: "10.9.0.2",
      interface: "eth0",
      message: "container web already has 10.9.0.2 (as 10.9.0.2/16 on eth0)",
    }],
    [
      "the address is the bridge's",
      observe({ host: [link("br-test", 5, { kind: "bridge", addresses: [address("10.9.0.2/24")] })] }),
      {
        kind: "address-on-bridge",
        address: "10.9.0.2",
        bridge: "br-test",
        message: "10.9.0.2 is the address of the bridge br-test itself; give the container another one (the bridge's can be its gateway)",
      },
    ],
  ])("refuses when %s, before any step", (_, observed, error) => {
    expect(planPipework(request("br-test", "web", "10.9.0.2/24"), observed)).toEqual(err(error));
  });

  it("refuses IPv6 on a bridge whose MTU is below 1280", () => {
    const observed = observe({ host: [link("br-test", 5, { kind: "bridge", mtu: 1200 })] });
    expect(planPipework(request("br-test", "web", "fd00:9::2/64"), observed)).toEqual(
      err({ kind: "mtu-too-small", mtu: 1200, message: "the MTU would be 1200 (the bridge br-test's), but IPv6 needs at least 1280; give --mtu" }),
    );
  });
});

describe("planPipework: removing", () => {
  const ours = link("br-test", 5, { kind: "bridge", alias: "flannel-ts pipework" });

  it("deletes the interface, puts back the default route it replaced, and deletes the bridge flannel-ts made when nothing else is on it", () => {
    const { hostEnd, inside: eth1 } = attached({ inside: { alias: "flannel-ts pipework; replaced IPv4 default via 172.20.59.1 dev eth0" } });
    const observed = observe({ host: [ours, hostEnd], containerLinks: [lo, eth0, eth1], containerRoutes: [{ family: 4, gateway: ip("10.9.0.1"), dev: "eth1" }] });
    expect(planPipework(request("--remove", "br-test", "web", "10.9.0.2/24@10.9.0.1"), observed)).toEqual(
      ok(
        plan({
          action: "remove",
          removesBridge: true,
          removesInterface: true,
          steps: [
            { step: inside("link", "del", "dev", "eth1") },
            { step: inside("-4", "route", "add", "default", "via", "172.20.59.1", "dev", "eth0") },
            { step: onHost("link", "del", "dev", "br-test") },
          ],
        }),
      ),
    );
  });

  it("keeps a bridge with other ports, a bridge it did not make, and a default route set since", () => {
    const { hostEnd, inside: eth1 } = attached({ inside: { alias: "flannel-ts pipework; replaced IPv4 default via 172.20.59.1 dev eth0" } });
    const other = link("fp000000000000", 50, { kind: "veth", master: "br-test" });
    const observed = observe({ host: [ours, hostEnd, other], containerLinks: [lo, eth0, eth1], containerRoutes: [{ family: 4, gateway: ip("172.20.59.254"), dev: "eth0" }] });
    expect(planPipework(request("--remove", "br-test", "web"), observed)).toEqual(
      ok(
        plan({
          action: "remove",
          removesInterface: true,
          steps: [{ step: inside("link", "del", "dev", "eth1") }],
          notes: ["keeps the IPv4 default route set since; the one replaced (via 172.20.59.1 dev eth0) is not put back", "keeps the bridge br-test: fp000000000000 is on it too"],
        }),
      ),
    );
    const theirs = link("br-test", 5, { kind: "bridge" });
    expect(planPipework(request("--remove", "br-test", "web"), observe({ host: [theirs, hostEnd], containerLinks: [lo, eth1] }))._unsafeUnwrap().steps).toEqual([{
      step: inside("link", "del", "dev", "eth1"),
    }]);
  });

  it("nothing to do when the interface is not there; a veth left by an interrupted run is deleted", () => {
    expect(planPipework(request("--remove", "br-test", "web"), observe({ host: [link("br-test", 5, { kind: "bridge" })] }))).toEqual(ok(plan({ action: "remove" })));
    expect(planPipework(request("--remove", "br-test", "web"), observe({ host: [link(FC, 40, { kind: "veth", peerIndex: 41 })] }))).toEqual(
      ok(plan({ action: "remove", steps: [{ step: onHost("link", "del", "dev", FC) }], notes: [`deletes ${FC}, left on the host by an interrupted run`] })),
    );
  });

  it("refuses an interface flannel-ts did not make, or one that does not match the command", () => {
    expect(planPipework(request("--remove", "br-test", "web"), observe({ containerLinks: [lo, link("eth1", 2)] }))).toEqual(
      err({ kind: "not-ours", interface: "eth1", message: "eth1 in container web was not made by flannel-ts pipework; not removing it" }),
    );
    const { hostEnd, inside: eth1 } = attached();
    expect(planPipework(request("--remove", "br-test", "web", "10.9.0.3/24"), observe({ host: [ours, hostEnd], containerLinks: [lo, eth1] }))).toEqual(
      err({
        kind: "remove-mismatch",
        interface: "eth1",
        differences: ["it has 10.9.0.2/24, not 10.9.0.3/24"],
        message: "eth1 in container web does not match the command (it has 10.9.0.2/24, not 10.9.0.3/24); nothing removed",
      }),
    );
    expect(planPipework(request("--remove", "br-other", "web"), observe({ host: [ours, hostEnd], containerLinks: [lo, eth1] }))._unsafeUnwrapErr().kind).toBe("remove-mismatch");
  });
});
