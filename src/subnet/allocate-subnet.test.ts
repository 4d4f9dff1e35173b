import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { allocateSubnet, createSubnetAllocator } from "./allocate-subnet.ts";
import { type Cidr, formatCidr, parseCidr } from "./cidr.ts";
import { parseNetworkConfig } from "./network-config.ts";
import { seededRandom } from "./random.ts";
import { formatSubnetKey, parseSubnetKey } from "./subnet-key.ts";

const c = (text: string): Cidr => parseCidr(text)._unsafeUnwrap();
const key = (text: string) => parseSubnetKey(text)._unsafeUnwrap();
const config = (text: string) => parseNetworkConfig(text)._unsafeUnwrap();
const dual = config(`{"Network": "10.5.0.0/28", "SubnetLen": 30, "EnableIPv6": true, "IPv6Network": "fd00::/124", "IPv6SubnetLen": 126}`);

describe("allocateSubnet", () => {
  it("picks an IPv4 subnet on IPv4 networks", () => {
    const only = config(`{"Network": "10.5.0.0/16", "SubnetMin": "10.5.9.0", "SubnetMax": "10.5.9.0"}`);
    expect(allocateSubnet(only, [], seededRandom(1)).map((s) => formatSubnetKey({ ipv4: s.ipv4! }))).toEqual(ok("10.5.9.0-24"));
  });

  it("picks both subnets on dual-stack networks, avoiding both halves of taken keys", () => {
    // Each range holds 3 subnets (.4, .8, .12); keys take two of each, so one of each is left.
    const taken = [key("10.5.0.4-30&fd00::4-126"), key("10.5.0.12-30"), c("fd00::8/126")];
    expect(allocateSubnet(dual, taken, seededRandom(9)).map((s) => [formatCidr(s.ipv4!), formatCidr(s.ipv6!)])).toEqual(ok(["10.5.0.8/30", "fd00::c/126"]));
  });

  it("fails with the family that is full", () => {
    const taken = [c("fd00::/124")];
    expect(allocateSubnet(dual, taken, seededRandom(1))).toEqual(
      err({ kind: "out-of-subnets", family: 6, total: 3n, message: "out of subnets: all 3 IPv6 subnets of /126 from fd00::4 to fd00::c are taken (or overlap a taken subnet)" }),
    );
  });

  it("picks only an IPv6 subnet on IPv6-only networks", () => {
    const v6 = config(`{"EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "fd00::/124", "IPv6SubnetLen": 126, "IPv6SubnetMin": "fd00::c"}`);
    expect(allocateSubnet(v6, [c("10.0.0.0/8")], seededRandom(1)).map((s) => [s.ipv4, formatCidr(s.ipv6!)])).toEqual(ok([undefined, "fd00::c/126"]));
  });
});

describe("createSubnetAllocator", () => {
  it("keeps both pools current as keys are taken and released", () => {
    const allocator = createSubnetAllocator(dual, [key("10.5.0.4-30&fd00::4-126")]);
    expect([allocator.ipv4?.freeCount(), allocator.ipv6?.freeCount()]).toEqual([2n, 2n]);
    allocator.take(key("10.5.0.8-30&fd00::8-126"));
    expect([allocator.ipv4?.freeCount(), allocator.ipv6?.freeCount()]).toEqual([1n, 1n]);
    expect(allocator.release(key("10.5.0.4-30&fd00::4-126"))).toBe(true);
    expect(allocator.release(c("192.168.0.0/16"))).toBe(false);
    expect([allocator.ipv4?.freeCount(), allocator.ipv6?.freeCount()]).toEqual([2n, 2n]);
    const picked = allocator.pick(seededRandom(4))._unsafeUnwrap();
    expect([allocator.ipv4?.isFree(picked.ipv4!), allocator.ipv6?.isFree(picked.ipv6!)]).toEqual([true, true]);
  });
});
