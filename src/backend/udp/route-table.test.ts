import { describe, expect, it } from "vitest";
import { addr } from "../../../test/helpers/ipv4-packets.ts";
import { cidr4, ip4, parseCidr4, parseIp4 } from "../../subnet/index.ts";
import { type RouteChange, RouteTable } from "./route-table.ts";

const c = (text: string) => parseCidr4(text)._unsafeUnwrap();
const ip = (text: string) => parseIp4(text)._unsafeUnwrap();

describe("RouteTable", () => {
  it("finds the peer of the subnet that holds a destination", () => {
    const routes = new RouteTable();
    routes.set(c("10.5.2.0/24"), ip("192.0.2.2"));
    routes.set(c("10.5.3.0/24"), ip("192.0.2.3"), 9000);
    expect(routes.lookup(addr("10.5.2.0"))).toEqual({ address: addr("192.0.2.2"), port: 8285 });
    expect(routes.lookup(addr("10.5.2.255"))).toEqual({ address: addr("192.0.2.2"), port: 8285 });
    expect(routes.lookup(addr("10.5.3.77"))).toEqual({ address: addr("192.0.2.3"), port: 9000 });
    expect(routes.lookup(addr("10.5.4.1"))).toBeUndefined();
    expect(routes.size).toBe(2);
  });

  it("follows lease events: added, updated (new PublicIP), removed", () => {
    const routes = new RouteTable();
    routes.set(c("10.5.2.0/24"), ip("192.0.2.2"));
    expect(routes.lookup(addr("10.5.2.9"))?.address).toBe(addr("192.0.2.2"));
    routes.set(c("10.5.2.0/24"), ip("192.0.2.20"));
    expect(routes.lookup(addr("10.5.2.9"))?.address).toBe(addr("192.0.2.20"));
    expect(routes.hasPeer(addr("192.0.2.2"))).toBe(false);
    expect(routes.hasPeer(addr("192.0.2.20"))).toBe(true);
    expect(routes.size).toBe(1);
    expect(routes.delete(c("10.5.2.0/24"))).toBe(true);
    expect(routes.delete(c("10.5.2.0/24"))).toBe(false);
    expect(routes.lookup(addr("10.5.2.9"))).toBeUndefined();
    expect(routes.hasPeer(addr("192.0.2.20"))).toBe(false);
    expect(routes.size).toBe(0);
  });

  it("clears host bits of the subnet it is given", () => {
    const routes = new RouteTable();
    routes.set(c("10.5.2.77/24"), ip("192.0.2.2"));
    expect(routes.get(c("10.5.2.0/24"))).toEqual({ subnet: cidr4(addr("10.5.2.0"), 24), peer: ip4(addr("192.0.2.2")), port: 8285 });
    expect(routes.delete(c("10.5.2.1/24"))).toBe(true);
  });

  it("prefers the longest prefix, whatever the order of insertion", () => {
    const routes = new RouteTable();
    routes.set(c("10.5.0.0/16"), ip("192.0.2.16"));
    routes.set(c("10.5.2.128/25"), ip("192.0.2.25"));
    routes.set(c("10.5.2.0/24"), ip("192.0.2.24"));
    routes.set(c("0.0.0.0/0"), ip("192.0.2.99"));
    expect(routes.lookup(addr("10.5.2.200"))?.address).toBe(addr("192.0.2.25"));
    expect(routes.lookup(addr("10.5.2.100"))?.address).toBe(addr("192.0.2.24"));
    expect(routes.lookup(addr("10.5.9.1"))?.address).toBe(addr("192.0.2.16"));
    expect(routes.lookup(addr("8.8.8.8"))?.address).toBe(addr("192.0.2.99"));
    routes.delete(c("10.5.2.128/25"));
    expect(routes.lookup(addr("10.5.2.200"))?.address).toBe(addr("192.0.2.24"));
  });

  it("does not serve a stale cached answer after a change", () => {
    const routes = new RouteTable();
    routes.set(c("10.5.2.0/24"), ip("192.0.2.2"));
    expect(routes.lookup(addr("10.5.2.1"))?.address).toBe(addr("192.0.2.2"));
    routes.set(c("10.5.2.0/25"), ip("192.0.2.3"));
    expect(routes.lookup(addr("10.5.2.1"))?.address).toBe(addr("192.0.2.3"));
    routes.clear();
    expect(routes.lookup(addr("10.5.2.1"))).toBeUndefined();
  });

  it("counts peers that hold several subnets: the source filter keeps them until the last goes", () => {
    const routes = new RouteTable();
    routes.set(c("10.5.2.0/24"), ip("192.0.2.2"));
    routes.set(c("10.5.3.0/24"), ip("192.0.2.2"));
    routes.delete(c("10.5.2.0/24"));
    expect(routes.hasPeer(addr("192.0.2.2"))).toBe(true);
    routes.delete(c("10.5.3.0/24"));
    expect(routes.hasPeer(addr("192.0.2.2"))).toBe(false);
  });

  it("lists its routes in order and starts from a list", () => {
    const list = [
      { subnet: c("10.5.3.0/24"), peer: ip("192.0.2.3"), port: 8285 },
      { subnet: c("10.5.2.0/24"), peer: ip("192.0.2.2"), port: 8286 },
    ];
    expect(new RouteTable(list).routes()).toEqual([list[1], list[0]]);
  });

  it("publishes changes that rebuild the same table elsewhere", () => {
    const primary = new RouteTable();
    const replica = new RouteTable();
    const changes: RouteChange[] = [];
    primary.subscribe((change) => {
      changes.push(change);
      replica.apply(change);
    });
    primary.set(c("10.5.2.0/24"), ip("192.0.2.2"));
    primary.set(c("10.5.3.0/24"), ip("192.0.2.3"));
    primary.delete(c("10.5.2.0/24"));
    expect(changes).toEqual([
      { op: "set", network: addr("10.5.2.0"), prefix: 24, address: addr("192.0.2.2"), port: 8285 },
      { op: "set", network: addr("10.5.3.0"), prefix: 24, address: addr("192.0.2.3"), port: 8285 },
      { op: "delete", network: addr("10.5.2.0"), prefix: 24 },
    ]);
    expect(replica.routes()).toEqual(primary.routes());
  });

  it("refuses an invalid port (a bug in the caller)", () => {
    expect(() => new RouteTable().set(c("10.5.2.0/24"), ip("192.0.2.2"), 0)).toThrow(RangeError);
  });

  it("keeps lookups flat with 10,000 peers", () => {
    const routes = new RouteTable();
    for (let i = 0; i < 10_000; i++) routes.set(cidr4(addr("10.0.0.0") + i * 256, 24), ip4(addr("100.64.0.0") + i));
    expect(routes.size).toBe(10_000);
    let found = 0;
    const started = performance.now();
    for (let n = 0; n < 1_000_000; n++) {
      // A different destination every time, so the one-entry cache never helps.
      if (routes.lookup(addr("10.0.0.0") + ((n * 7919) % 10_000) * 256 + (n & 0xff)) !== undefined) found++;
    }
    const elapsed = performance.now() - started;
    expect(found).toBe(1_000_000);
    // About 50 ns a lookup here; the bound only catches a linear scan (~100 times slower).
    expect(elapsed).toBeLessThan(2000);
  });
});
