import { describe, expect, it } from "vitest";
import { parseCidr6 } from "../subnet/index.ts";
import { formatPipeworkStep } from "./pipework-step.ts";

describe("formatPipeworkStep", () => {
  it.each(
    [
      [{ kind: "ip", where: "host", args: ["link", "add", "name", "br-test", "type", "bridge"] }, "ip link add name br-test type bridge"],
      [{ kind: "ip", where: "container", args: ["addr", "add", "fd00:9::2/64", "dev", "eth1"] }, "nsenter -t 4242 -n ip addr add fd00:9::2/64 dev eth1"],
      [
        { kind: "ip", where: "container", args: ["link", "set", "dev", "eth1", "alias", "flannel-ts pipework; it's"] },
        "nsenter -t 4242 -n ip link set dev eth1 alias 'flannel-ts pipework; it'\\''s'",
      ],
      [{ kind: "enable-ipv6", interface: "eth1" }, `nsenter -t 4242 -n sh -c 'echo 0 > /proc/sys/net/ipv6/conf/"$1"/disable_ipv6' sh eth1`],
      [{ kind: "await-dad", interface: "eth1", address: parseCidr6("fd00:9::2/64")._unsafeUnwrap() }, "wait until fd00:9::2/64 on eth1 passes duplicate address detection"],
    ] as const,
  )("shows step %# as %s", (step, text) => {
    expect(formatPipeworkStep(step, 4242)).toBe(text);
  });
});
