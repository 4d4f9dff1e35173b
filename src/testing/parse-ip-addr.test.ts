import { describe, expect, it } from "vitest";
import { parseIpAddr } from "./parse-ip-addr.ts";

// Output captured from iproute2 in the Docker-in-Docker host and from busybox in an inner container.
const hostOutput = [
  "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
  "2: docker0    inet 172.18.0.1/16 brd 172.18.255.255 scope global docker0\\       valid_lft forever preferred_lft forever",
  "3: flannel0    inet 10.5.52.0/16 scope global flannel0\\       valid_lft forever preferred_lft forever",
  "",
].join("\n");

describe("parseIpAddr", () => {
  it.each([
    {
      name: "iproute2, several interfaces",
      text: hostOutput,
      want: [
        { index: 1, interface: "lo", family: "inet", address: "127.0.0.1", prefixLength: 8, cidr: "127.0.0.1/8", scope: "host" },
        { index: 2, interface: "docker0", family: "inet", address: "172.18.0.1", prefixLength: 16, cidr: "172.18.0.1/16", scope: "global" },
        { index: 3, interface: "flannel0", family: "inet", address: "10.5.52.0", prefixLength: 16, cidr: "10.5.52.0/16", scope: "global" },
      ],
    },
    {
      name: "busybox, inet6 with an empty label",
      text:
        "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n4: eth0    inet 10.5.52.2/24 brd 10.5.52.255 scope global eth0\\       valid_lft forever preferred_lft forever",
      want: [
        { index: 1, interface: "lo", family: "inet6", address: "::1", prefixLength: 128, cidr: "::1/128", scope: "host" },
        { index: 4, interface: "eth0", family: "inet", address: "10.5.52.2", prefixLength: 24, cidr: "10.5.52.2/24", scope: "global" },
      ],
    },
    {
      name: "point-to-point address takes its length from the peer",
      text: "5: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0",
      want: [{ index: 5, interface: "tun0", family: "inet", address: "10.8.0.1", prefixLength: 32, cidr: "10.8.0.1/32", peer: "10.8.0.2", scope: "global" }],
    },
    {
      name: "an @peer suffix and lines that are not addresses",
      text: "garbage\n7: eth0@if8    inet 192.0.2.7/24 scope global eth0\n",
      want: [{ index: 7, interface: "eth0", family: "inet", address: "192.0.2.7", prefixLength: 24, cidr: "192.0.2.7/24", scope: "global" }],
    },
    { name: "empty output", text: "", want: [] },
  ])("$name", ({ text, want }) => {
    expect(parseIpAddr(text)).toEqual(want);
  });
});
