import { describe, expect, it } from "vitest";
import { parseIpRoute } from "./parse-ip-route.ts";

describe("parseIpRoute", () => {
  it.each([
    {
      name: "iproute2 in the Docker-in-Docker host",
      text: [
        "default via 172.17.0.1 dev eth0 ",
        "10.5.0.0/16 dev flannel0 proto kernel scope link src 10.5.52.0 linkdown ",
        "10.6.0.0/16 via 172.18.0.1 dev docker0 metric 5 linkdown ",
      ].join("\n"),
      want: [
        { destination: "default", via: "172.17.0.1", dev: "eth0", raw: "default via 172.17.0.1 dev eth0" },
        {
          destination: "10.5.0.0/16",
          dev: "flannel0",
          proto: "kernel",
          scope: "link",
          src: "10.5.52.0",
          raw: "10.5.0.0/16 dev flannel0 proto kernel scope link src 10.5.52.0 linkdown",
        },
        { destination: "10.6.0.0/16", via: "172.18.0.1", dev: "docker0", metric: 5, raw: "10.6.0.0/16 via 172.18.0.1 dev docker0 metric 5 linkdown" },
      ],
    },
    {
      name: "busybox's double space, a typed route, a multipath continuation",
      text: "172.18.0.0/16 dev eth0 scope link  src 172.18.0.2 \nunreachable 10.9.0.0/16 \n10.7.0.0/16 \n\tnexthop via 192.0.2.1 dev eth0 weight 1\n",
      want: [
        { destination: "172.18.0.0/16", dev: "eth0", scope: "link", src: "172.18.0.2", raw: "172.18.0.0/16 dev eth0 scope link  src 172.18.0.2" },
        { destination: "10.9.0.0/16", type: "unreachable", raw: "unreachable 10.9.0.0/16" },
        { destination: "10.7.0.0/16", raw: "10.7.0.0/16" },
      ],
    },
    { name: "empty output", text: "", want: [] },
  ])("$name", ({ text, want }) => {
    expect(parseIpRoute(text)).toEqual(want);
  });
});
