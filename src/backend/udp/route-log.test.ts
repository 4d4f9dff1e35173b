import { describe, expect, it } from "vitest";
import { addr } from "../../../test/helpers/ipv4-packets.ts";
import { parseCidr4, parseIp4 } from "../../subnet/index.ts";
import { publishRoutes, RouteLog } from "./route-log.ts";
import { RouteTable } from "./route-table.ts";

const c = (text: string) => parseCidr4(text)._unsafeUnwrap();
const ip = (text: string) => parseIp4(text)._unsafeUnwrap();

describe("RouteLog", () => {
  it("carries sets, deletes and clears to every reader's replica", () => {
    const log = RouteLog.create({ readers: 2, capacity: 8 });
    const reader = new RouteLog(log.buffer);
    const a = new RouteTable();
    const b = new RouteTable();
    expect(log.tryAppend({ op: "set", network: addr("10.5.2.0"), prefix: 24, address: addr("192.0.2.2"), port: 8285 })).toBe(true);
    expect(log.tryAppend({ op: "set", network: addr("10.5.3.0"), prefix: 24, address: addr("203.0.113.250"), port: 8286 })).toBe(true);
    expect(reader.drain(0, a)).toBe(2);
    expect(reader.drain(0, a)).toBe(0);
    expect(a.lookup(addr("10.5.3.1"))).toEqual({ address: addr("203.0.113.250"), port: 8286 });
    log.tryAppend({ op: "delete", network: addr("10.5.2.0"), prefix: 24 });
    expect(reader.drain(1, b)).toBe(3);
    expect(b.routes()).toEqual(a.routes().filter((r) => r.subnet.address !== addr("10.5.2.0")));
    log.tryAppend({ op: "clear" });
    reader.drain(0, a);
    expect(a.size).toBe(0);
  });

  it("refuses to overwrite what a lagging reader has not read", () => {
    const log = RouteLog.create({ readers: 2, capacity: 4 });
    const change = { op: "delete", network: 0, prefix: 8 } as const;
    for (let i = 0; i < 4; i++) expect(log.tryAppend(change)).toBe(true);
    expect(log.tryAppend(change)).toBe(false);
    log.drain(0, new RouteTable());
    expect(log.tryAppend(change)).toBe(false);
    log.drain(1, new RouteTable());
    expect(log.tryAppend(change)).toBe(true);
  });

  it("keeps going across the ring's end", () => {
    const log = RouteLog.create({ readers: 1, capacity: 2 });
    const replica = new RouteTable();
    for (let i = 0; i < 50; i++) {
      expect(log.tryAppend({ op: "set", network: addr("10.5.0.0") + i * 256, prefix: 24, address: addr("192.0.2.1") + i, port: 8285 })).toBe(true);
      log.drain(0, replica);
    }
    expect(replica.size).toBe(50);
  });
});

describe("publishRoutes", () => {
  it("writes the existing routes, then every change, holding back what does not fit", async () => {
    const table = new RouteTable([{ subnet: c("10.5.2.0/24"), peer: ip("192.0.2.2"), port: 8285 }]);
    const log = RouteLog.create({ readers: 1, capacity: 2 });
    const stop = publishRoutes(table, log, 1);
    for (let i = 3; i < 10; i++) table.set(c(`10.5.${i}.0/24`), ip(`192.0.2.${i}`));
    const replica = new RouteTable();
    for (let round = 0; round < 100 && replica.size < 8; round++) {
      log.drain(0, replica);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(replica.routes()).toEqual(table.routes());
    stop();
  });
});
