import { describe, expect, it } from "vitest";
import { parseCidr4 } from "../../subnet/index.ts";
import { tunSetupCommands } from "./tun-setup-commands.ts";

const c = (text: string) => parseCidr4(text)._unsafeUnwrap();

describe("tunSetupCommands", () => {
  it("configures the device as flanneld's UDP backend: subnet address as /32, MTU, up, the network's route", () => {
    expect(tunSetupCommands({ name: "flannel0", subnet: c("10.5.1.0/24"), network: c("10.5.0.0/16"), mtu: 1472 })).toEqual([
      ["addr", "replace", "10.5.1.0/32", "dev", "flannel0"],
      ["link", "set", "dev", "flannel0", "mtu", "1472", "up"],
      ["route", "replace", "10.5.0.0/16", "dev", "flannel0"],
    ]);
  });

  it("uses the network addresses when given host bits", () => {
    expect(tunSetupCommands({ name: "fl0", subnet: c("172.20.59.7/24"), network: c("172.20.3.1/16"), mtu: 8951 }).map((a) => a.join(" "))).toEqual([
      "addr replace 172.20.59.0/32 dev fl0",
      "link set dev fl0 mtu 8951 up",
      "route replace 172.20.0.0/16 dev fl0",
    ]);
  });
});
