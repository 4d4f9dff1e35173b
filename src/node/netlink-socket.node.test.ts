// The rtnetlink socket against this machine's kernel, read-only: nothing
// here changes a device, address, route or neighbour.
import { describe, expect, it } from "vitest";
import { deleteLink, RT_TABLE, RTN } from "../netlink/index.ts";
import { formatCidr } from "../subnet/cidr.ts";
import { openRtnetlink } from "./netlink-socket.ts";

describe("openRtnetlink on this kernel", () => {
  it("finds the loopback device by name and in the dump of all devices", async () => {
    const rtnl = openRtnetlink()._unsafeUnwrap();
    const lo = (await rtnl.linkByName("lo"))._unsafeUnwrap();
    expect([lo?.index, lo?.name, lo?.up, lo?.type]).toEqual([1, "lo", true, 772]);
    expect((await rtnl.linkByName("nl-absent0"))._unsafeUnwrap()).toBeUndefined();
    expect((await rtnl.links())._unsafeUnwrap().find((l) => l.index === 1)).toEqual(lo);
    rtnl.close();
  });

  it("dumps the local table's loopback route and the loopback address", async () => {
    const rtnl = openRtnetlink()._unsafeUnwrap();
    const local = (await rtnl.routes({ family: 4, table: RT_TABLE.LOCAL, oif: 1 }))._unsafeUnwrap();
    expect(local.filter((r) => r.type === RTN.LOCAL).map((r) => formatCidr(r.dst))).toContain("127.0.0.0/8");
    expect((await rtnl.addresses({ family: 4, link: 1 }))._unsafeUnwrap().map((a) => formatCidr(a.address))).toEqual(["127.0.0.1/8"]);
    rtnl.close();
  });

  it("runs exchanges one after another, and reports a refusal with the request's description", async () => {
    const rtnl = openRtnetlink()._unsafeUnwrap();
    const [links, refused, lo] = await Promise.all([rtnl.links(), rtnl.apply([deleteLink(0x7ffffff0)]), rtnl.linkByName("lo")]);
    expect(links.isOk() && lo.isOk()).toBe(true);
    // Without CAP_NET_ADMIN the kernel says EPERM before it looks for the device.
    expect(refused._unsafeUnwrap().failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/^delete link ifindex 2147483632: (ENODEV|EPERM)$/),
    ]);
    rtnl.close();
  });
});
