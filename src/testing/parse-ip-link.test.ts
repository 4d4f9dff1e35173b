import { describe, expect, it } from "vitest";
import { parseIpLink } from "./parse-ip-link.ts";

describe("parseIpLink", () => {
  it.each([
    {
      name: "iproute2: loopback, bridge, TUN, veth",
      text: [
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        "2: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default \\    link/ether 02:42:19:71:99:7a brd ff:ff:ff:ff:ff:ff",
        "3: flannel0: <NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1472 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 500\\    link/none ",
        "59: eth0@if60: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0",
      ].join("\n"),
      want: [
        { index: 1, name: "lo", flags: ["LOOPBACK", "UP", "LOWER_UP"], mtu: 65536, state: "UNKNOWN", linkType: "loopback", mac: "00:00:00:00:00:00" },
        { index: 2, name: "docker0", flags: ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"], mtu: 1500, state: "DOWN", linkType: "ether", mac: "02:42:19:71:99:7a" },
        { index: 3, name: "flannel0", flags: ["NO-CARRIER", "POINTOPOINT", "MULTICAST", "NOARP", "UP"], mtu: 1472, state: "DOWN", linkType: "none" },
        { index: 59, name: "eth0", peer: "if60", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], mtu: 1500, state: "UP", linkType: "ether", mac: "02:42:ac:11:00:02" },
      ],
    },
    {
      name: "busybox prints no state",
      text: "4: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \\    link/ether 02:42:ac:12:00:02 brd ff:ff:ff:ff:ff:ff\n",
      want: [{ index: 4, name: "eth0", peer: "if5", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP", "M-DOWN"], mtu: 1500, linkType: "ether", mac: "02:42:ac:12:00:02" }],
    },
    { name: "empty output", text: "", want: [] },
  ])("$name", ({ text, want }) => {
    expect(parseIpLink(text)).toEqual(want);
  });
});
