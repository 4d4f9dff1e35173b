import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { DEFAULT_ETCD_PREFIX } from "../core/defaults.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { cleanEtcdPath, flannelKeyLayout } from "./key-layout.ts";

describe("cleanEtcdPath", () => {
  it.each([
    ["/coreos.com/network", "/coreos.com/network"],
    ["/coreos.com/network/", "/coreos.com/network"],
    ["//coreos.com///network", "/coreos.com/network"],
    ["/a/./b/../c", "/a/c"],
    ["/../a", "/a"],
    ["a/../../b", "../b"],
    ["", "."],
    ["/", "/"],
  ])("%j -> %j", (input, expected) => {
    expect(cleanEtcdPath(input)).toBe(expected);
  });
});

describe("flannelKeyLayout", () => {
  const subnet = parseSubnetKey("10.5.34.0-24")._unsafeUnwrap();
  const dual = parseSubnetKey("10.5.34.0-24&fd00:12:13::-56")._unsafeUnwrap();

  it("uses flanneld's default prefix", () => {
    const layout = flannelKeyLayout();
    expect(layout.prefix).toBe(DEFAULT_ETCD_PREFIX);
    expect(layout.configKey).toBe("/coreos.com/network/config");
    expect(layout.subnetsPrefix).toBe("/coreos.com/network/subnets/");
    expect(layout.leaseKey(subnet)).toBe("/coreos.com/network/subnets/10.5.34.0-24");
    expect(layout.leaseKey(dual)).toBe("/coreos.com/network/subnets/10.5.34.0-24&fd00:12:13::-56");
  });

  it.each([
    ["/atomic.io/network", "/atomic.io/network/config"],
    ["/atomic.io/network/", "/atomic.io/network/config"],
    ["atomic.io//network", "atomic.io/network/config"],
    ["", "config"],
  ])("prefix %j has config key %j", (prefix, configKey) => {
    expect(flannelKeyLayout(prefix).configKey).toBe(configKey);
  });

  it("reads lease keys back", () => {
    const layout = flannelKeyLayout("/atomic.io/network");
    expect(layout.parseLeaseKey("/atomic.io/network/subnets/10.5.34.0-24")).toEqual(ok(subnet));
    expect(layout.parseLeaseKey("/atomic.io/network/subnets/10.5.34.0-24&fd00:12:13::-56")).toEqual(ok(dual));
  });

  it.each([
    "/coreos.com/network/subnets/10.5.34.0-24",
    "/atomic.io/network/subnetsX/10.5.34.0-24",
    "/atomic.io/network/subnets/a/10.5.34.0-24",
    "/atomic.io/network/config",
  ])("%j is not a lease key under /atomic.io/network", (key) => {
    expect(flannelKeyLayout("/atomic.io/network").parseLeaseKey(key)).toEqual(
      err({
        kind: "not-a-lease-key",
        key,
        message: `"${key}" is not a lease key: lease keys are /atomic.io/network/subnets/<subnet key>`,
      }),
    );
  });

  it("says why a subnet key is invalid", () => {
    const key = "/coreos.com/network/subnets/10.5.34.300-24";
    const result = flannelKeyLayout().parseLeaseKey(key);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "invalid-subnet-key", key, input: "10.5.34.300-24" });
  });
});
