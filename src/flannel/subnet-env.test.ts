import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { type Cidr4, cidr4, type Cidr6, cidr6, cidrNetwork, parseCidr4, parseCidr6 } from "../subnet/cidr.ts";
import { checkSubnetEnv, formatSubnetEnv, parseSubnetEnv, type SubnetEnv, subnetEnvVariables, subnetGateway } from "./subnet-env.ts";

const c4 = (t: string): Cidr4 => parseCidr4(t)._unsafeUnwrap();
const c6 = (t: string): Cidr6 => parseCidr6(t)._unsafeUnwrap();

const v4: SubnetEnv = { network: c4("10.5.0.0/16"), subnet: c4("10.5.52.0/24"), mtu: 1472, ipMasq: true };
const v4Text = "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n";
const dual: SubnetEnv = { ...v4, ipv6Network: c6("fc00::/48"), ipv6Subnet: c6("fc00:0:0:34::/64"), ipMasq: false };
const dualText =
  "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_IPV6_NETWORK=fc00::/48\nFLANNEL_IPV6_SUBNET=fc00:0:0:34::1/64\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n";
const v6only: SubnetEnv = { ipv6Network: c6("fc00::/48"), ipv6Subnet: c6("fc00:0:0:34::/64"), mtu: 1450, ipMasq: true };
const v6Text = "FLANNEL_IPV6_NETWORK=fc00::/48\nFLANNEL_IPV6_SUBNET=fc00:0:0:34::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";

describe("formatSubnetEnv writes what flanneld writes", () => {
  it.each([
    ["IPv4", v4, v4Text],
    ["dual stack", dual, dualText],
    ["IPv6 only", v6only, v6Text],
    ["subnet given by its first address", { ...v4, subnet: c4("10.5.52.1/24") }, v4Text],
    ["a /32 lease", { ...v4, subnet: c4("10.5.52.7/32") }, v4Text.replace("10.5.52.1/24", "10.5.52.8/32")],
  ])("%s", (_name, env, text) => {
    expect(formatSubnetEnv(env)).toBe(text);
  });

  it("drops extra keys unless asked to keep them", () => {
    const env: SubnetEnv = { ...v4, extra: [{ key: "NODE", value: "a b", line: 5 }, { key: "X", value: "1", line: 6 }] };
    expect(formatSubnetEnv(env)).toBe(v4Text);
    expect(formatSubnetEnv(env, { extra: "keep" })).toBe(`${v4Text}NODE='a b'\nX=1\n`);
  });
});

describe("parseSubnetEnv", () => {
  it.each([
    ["IPv4", v4Text, v4],
    ["dual stack", dualText, dual],
    ["IPv6 only", v6Text, v6only],
  ])("reads flanneld's %s file", (_name, text, env) => {
    expect(parseSubnetEnv(text)).toEqual(ok({ ...env, extra: [] }));
  });

  it("recovers the leased subnet from FLANNEL_SUBNET", () => {
    const parsed = parseSubnetEnv(v4Text)._unsafeUnwrap();
    expect(parsed.subnet).toEqual(c4("10.5.52.0/24"));
    expect(parseSubnetEnv(v4Text.replace("10.5.52.1/24", "10.5.52.0/24"))._unsafeUnwrap().subnet).toEqual(c4("10.5.52.0/24"));
  });

  it("reads the dotenv forms and keeps unknown keys", () => {
    const text = [
      "# written by hand",
      "",
      "export FLANNEL_NETWORK='10.5.0.0/16'",
      'FLANNEL_SUBNET="10.5.52.1/24"   # this host',
      "NODE_NAME=worker-1",
      "FLANNEL_MTU=1472",
      "FLANNEL_IPMASQ=true",
      "",
    ].join("\n");
    expect(parseSubnetEnv(text)).toEqual(ok({ ...v4, extra: [{ key: "NODE_NAME", value: "worker-1", line: 5 }] }));
  });

  it.each([
    ["bad CIDR", v4Text.replace("10.5.0.0/16", "10.5.0.0"), {
      kind: "invalid-value",
      key: "FLANNEL_NETWORK",
      value: "10.5.0.0",
      line: 1,
      message: 'line 1: FLANNEL_NETWORK="10.5.0.0" is not a CIDR (missing prefix length (/N)); write an IPv4 address with a prefix length, e.g. 10.5.0.0/16',
    }],
    ["IPv6 in FLANNEL_SUBNET", v4Text.replace("10.5.52.1/24", "fc00::1/64"), {
      kind: "invalid-value",
      key: "FLANNEL_SUBNET",
      value: "fc00::1/64",
      line: 2,
      message: 'line 2: FLANNEL_SUBNET="fc00::1/64" is an IPv6 CIDR; write an IPv4 one, e.g. 10.5.0.0/16',
    }],
    ["IPv4 in FLANNEL_IPV6_SUBNET", dualText.replace("fc00:0:0:34::1/64", "10.5.1.0/24"), {
      kind: "invalid-value",
      key: "FLANNEL_IPV6_SUBNET",
      value: "10.5.1.0/24",
      line: 4,
      message: 'line 4: FLANNEL_IPV6_SUBNET="10.5.1.0/24" is an IPv4 CIDR; write an IPv6 one, e.g. fc00::/48',
    }],
    ["MTU not a number", v4Text.replace("1472", "1472b"), {
      kind: "invalid-value",
      key: "FLANNEL_MTU",
      value: "1472b",
      line: 3,
      message: 'line 3: FLANNEL_MTU="1472b" is not a decimal MTU; write a whole number from 68 to 65535, e.g. 1472',
    }],
    ["MTU with a leading zero", v4Text.replace("1472", "01472"), {
      kind: "invalid-value",
      key: "FLANNEL_MTU",
      value: "01472",
      line: 3,
      message: 'line 3: FLANNEL_MTU="01472" is not a decimal MTU; write a whole number from 68 to 65535, e.g. 1472',
    }],
    ["MTU too small", v4Text.replace("1472", "67"), {
      kind: "invalid-value",
      key: "FLANNEL_MTU",
      value: "67",
      line: 3,
      message: 'line 3: FLANNEL_MTU="67" is out of range; write a whole number from 68 to 65535, e.g. 1472',
    }],
    ["MTU too large", v4Text.replace("1472", "65536"), {
      kind: "invalid-value",
      key: "FLANNEL_MTU",
      value: "65536",
      line: 3,
      message: 'line 3: FLANNEL_MTU="65536" is out of range; write a whole number from 68 to 65535, e.g. 1472',
    }],
    ["boolean spelled differently", v4Text.replace("=true", "=True"), {
      kind: "invalid-value",
      key: "FLANNEL_IPMASQ",
      value: "True",
      line: 4,
      message: 'line 4: FLANNEL_IPMASQ="True" is not a boolean; write true or false',
    }],
    ["boolean as 1", v4Text.replace("=true", "=1"), {
      kind: "invalid-value",
      key: "FLANNEL_IPMASQ",
      value: "1",
      line: 4,
      message: 'line 4: FLANNEL_IPMASQ="1" is not a boolean; write true or false',
    }],
    ["a key twice", `${v4Text}FLANNEL_MTU=1400\n`, {
      kind: "duplicate-key",
      key: "FLANNEL_MTU",
      line: 5,
      firstLine: 3,
      message: "line 5: FLANNEL_MTU is set again (first on line 3); keep one",
    }],
    ["syntax", `${v4Text}oops\n`, {
      kind: "dotenv-syntax",
      line: 5,
      column: 5,
      message: 'line 5: expected "=" after oops, found end of line (names are letters, digits, "_" and ".")',
    }],
    ["subnet without network", v4Text.replace("FLANNEL_NETWORK=10.5.0.0/16\n", ""), {
      kind: "missing-key",
      key: "FLANNEL_NETWORK",
      message: "FLANNEL_NETWORK is missing: FLANNEL_SUBNET is set, and flanneld writes both",
    }],
    ["IPv6 network without subnet", dualText.replace("FLANNEL_IPV6_SUBNET=fc00:0:0:34::1/64\n", ""), {
      kind: "missing-key",
      key: "FLANNEL_IPV6_SUBNET",
      message: "FLANNEL_IPV6_SUBNET is missing: FLANNEL_IPV6_NETWORK is set, and flanneld writes both",
    }],
    ["no subnet at all", "FLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n", {
      kind: "missing-key",
      key: "FLANNEL_SUBNET",
      message: "FLANNEL_SUBNET is missing: the file names no subnet (neither FLANNEL_SUBNET nor FLANNEL_IPV6_SUBNET)",
    }],
    ["no MTU", v4Text.replace("FLANNEL_MTU=1472\n", ""), { kind: "missing-key", key: "FLANNEL_MTU", message: "FLANNEL_MTU is missing: flanneld always writes it" }],
    ["no IPMASQ", v4Text.replace("FLANNEL_IPMASQ=true\n", ""), { kind: "missing-key", key: "FLANNEL_IPMASQ", message: "FLANNEL_IPMASQ is missing: flanneld always writes it" }],
  ])("refuses %s", (_name, text, error) => {
    expect(parseSubnetEnv(text)).toEqual(err(error));
  });

  it("errors name the line even after comments and multi-line values", () => {
    const text = `# a\n\nNOTE="two\nlines"\n${v4Text.replace("1472", "x")}`;
    expect(parseSubnetEnv(text)._unsafeUnwrapErr()).toMatchObject({ kind: "invalid-value", key: "FLANNEL_MTU", line: 7 });
  });
});

describe("subnet.env round trip", () => {
  const network4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 30 }));
  const network6 = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 1, max: 126 }));
  const extraEntry = fc.record({
    key: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/).filter((k) => !k.startsWith("FLANNEL_")),
    value: fc.stringMatching(/^[A-Za-z0-9 ./:,_#'"-]{0,20}$/),
  });
  const envArb = fc
    .record({
      v4: fc.option(fc.tuple(network4, fc.integer({ min: 0, max: 8 }), fc.nat()), { nil: undefined }),
      v6: fc.option(fc.tuple(network6, fc.integer({ min: 0, max: 2 }), fc.bigInt({ min: 0n, max: 1n << 64n })), { nil: undefined }),
      mtu: fc.integer({ min: 68, max: 65535 }),
      ipMasq: fc.boolean(),
      extra: fc.uniqueArray(extraEntry, { selector: (e) => e.key, maxLength: 3 }),
    })
    .filter((r) => r.v4 !== undefined || r.v6 !== undefined)
    .map((r): SubnetEnv => {
      // IPv6 needs a link MTU of 1280 or more.
      const env: { -readonly [K in keyof SubnetEnv]: SubnetEnv[K] } = { mtu: r.v6 === undefined ? r.mtu : Math.max(r.mtu, 1280), ipMasq: r.ipMasq };
      if (r.v4 !== undefined) {
        const [[addr, prefix], more, pick] = r.v4;
        const network = cidrNetwork(cidr4(addr, prefix));
        const len = Math.min(31, prefix + more);
        const offset = (pick % 2 ** (len - prefix)) * 2 ** (32 - len);
        env.network = network;
        env.subnet = cidr4(network.address + offset, len);
      }
      if (r.v6 !== undefined) {
        const [[addr, prefix], more, pick] = r.v6;
        const network = cidrNetwork(cidr6(addr, prefix));
        const len = Math.min(127, prefix + more);
        env.ipv6Network = network;
        env.ipv6Subnet = cidr6(network.address + ((pick % (1n << BigInt(len - prefix))) << BigInt(128 - len)), len);
      }
      return env;
    });

  // Lease lengths up to /31 (/127): flanneld writes a /32 lease as the next
  // address, which names a different /32 (see the test below).
  it("parse(format(env)) == env for every env", () => {
    fc.assert(
      fc.property(envArb, (env) => {
        expect(parseSubnetEnv(formatSubnetEnv(env))).toEqual(ok({ ...env, extra: [] }));
      }),
    );
  });

  it("format(parse(text)) == text for every text flanneld writes", () => {
    fc.assert(
      fc.property(envArb, (env) => {
        const text = formatSubnetEnv(env);
        expect(parseSubnetEnv(text).map((e) => formatSubnetEnv(e))).toEqual(ok(text));
      }),
    );
  });

  it("extra keys survive a round trip with extra: keep", () => {
    fc.assert(
      fc.property(envArb, fc.uniqueArray(extraEntry, { selector: (e) => e.key, maxLength: 3 }), (env, extras) => {
        const lines = formatSubnetEnv(env).split("\n").length - 1;
        const extra = extras.map((e, i) => ({ ...e, line: lines + i + 1 }));
        expect(parseSubnetEnv(formatSubnetEnv({ ...env, extra }, { extra: "keep" }))).toEqual(ok({ ...env, extra }));
      }),
    );
  });
});

describe("helpers", () => {
  it("a /32 lease cannot be recovered: flanneld writes the next address", () => {
    const text = formatSubnetEnv({ ...v4, subnet: c4("10.5.52.7/32") });
    expect(text).toContain("FLANNEL_SUBNET=10.5.52.8/32\n");
    expect(parseSubnetEnv(text)._unsafeUnwrap().subnet).toEqual(c4("10.5.52.8/32"));
  });

  it("subnetGateway is flanneld's first address", () => {
    expect(subnetGateway(c4("10.5.52.0/24"))).toEqual(c4("10.5.52.1/24"));
    expect(subnetGateway(c4("10.5.52.9/24"))).toEqual(c4("10.5.52.1/24"));
    expect(subnetGateway(c6("fc00:0:0:34::/64"))).toEqual(c6("fc00:0:0:34::1/64"));
  });

  it("subnetEnvVariables are the file's values as strings", () => {
    expect(subnetEnvVariables({ ...v4, extra: [{ key: "X", value: "1", line: 9 }] })).toEqual({
      FLANNEL_NETWORK: "10.5.0.0/16",
      FLANNEL_SUBNET: "10.5.52.1/24",
      FLANNEL_MTU: "1472",
      FLANNEL_IPMASQ: "true",
      X: "1",
    });
  });
});

describe("checks before anything is done", () => {
  it.each([
    [
      "a subnet outside the network",
      v4Text.replace("10.5.52.1/24", "10.6.52.1/24"),
      {
        kind: "subnet-outside-network",
        key: "FLANNEL_SUBNET",
        value: "10.6.52.1/24",
        line: 2,
        message: "line 2: FLANNEL_SUBNET=10.6.52.1/24 is not inside FLANNEL_NETWORK=10.5.0.0/16: a host's subnet is a part of the flannel network",
      },
    ],
    [
      "a subnet larger than the network",
      v4Text.replace("10.5.52.1/24", "10.5.0.1/8"),
      {
        kind: "subnet-outside-network",
        key: "FLANNEL_SUBNET",
        value: "10.0.0.1/8",
        line: 2,
        message: "line 2: FLANNEL_SUBNET=10.0.0.1/8 is not inside FLANNEL_NETWORK=10.5.0.0/16: a host's subnet is a part of the flannel network",
      },
    ],
    [
      "the whole address space",
      v4Text.replace("10.5.0.0/16", "0.0.0.0/0"),
      {
        kind: "whole-address-space",
        key: "FLANNEL_NETWORK",
        value: "0.0.0.0/0",
        line: 1,
        message:
          "line 1: FLANNEL_NETWORK=0.0.0.0/0 is the whole address space: an overlay of every address would take the host's default route; give the flannel network, e.g. 10.5.0.0/16",
      },
    ],
    [
      "the whole IPv6 address space",
      dualText.replace("fc00::/48", "::/0"),
      {
        kind: "whole-address-space",
        key: "FLANNEL_IPV6_NETWORK",
        value: "::/0",
        line: 3,
        message:
          "line 3: FLANNEL_IPV6_NETWORK=::/0 is the whole address space: an overlay of every address would take the host's default route; give the flannel network, e.g. fd00:5::/48",
      },
    ],
    [
      "an IPv6 subnet outside its network",
      dualText.replace("fc00:0:0:34::1/64", "fd00:0:0:34::1/64"),
      {
        kind: "subnet-outside-network",
        key: "FLANNEL_IPV6_SUBNET",
        value: "fd00:0:0:34::1/64",
        line: 4,
        message: "line 4: FLANNEL_IPV6_SUBNET=fd00:0:0:34::1/64 is not inside FLANNEL_IPV6_NETWORK=fc00::/48: a host's subnet is a part of the flannel network",
      },
    ],
    [
      "an MTU too small for IPv6",
      dualText.replace("1472", "1279"),
      {
        kind: "mtu-too-small-for-ipv6",
        key: "FLANNEL_MTU",
        value: "1279",
        line: 5,
        message: "line 5: FLANNEL_MTU=1279 is below 1280, IPv6's minimum, and the host has an IPv6 subnet: the kernel turns IPv6 off on such a link",
      },
    ],
  ])("refuses %s, naming the line", (_name, text, error) => {
    expect(parseSubnetEnv(text)).toEqual(err(error));
  });

  it.each<[string, SubnetEnv, string, string]>([
    ["an MTU of 1", { ...v4, mtu: 1 }, "mtu-out-of-range", "FLANNEL_MTU=1 is outside 68..65535: give the MTU of the overlay, e.g. 1472"],
    ["an MTU above 65535", { ...v4, mtu: 70_000 }, "mtu-out-of-range", "FLANNEL_MTU=70000 is outside 68..65535: give the MTU of the overlay, e.g. 1472"],
    ["a fractional MTU", { ...v4, mtu: 1472.5 }, "mtu-out-of-range", "FLANNEL_MTU=1472.5 is outside 68..65535: give the MTU of the overlay, e.g. 1472"],
    ["NaN", { ...v4, mtu: Number.NaN }, "mtu-out-of-range", "FLANNEL_MTU=NaN is outside 68..65535: give the MTU of the overlay, e.g. 1472"],
    [
      "a subnet without its network",
      { subnet: c4("10.5.52.0/24"), mtu: 1472, ipMasq: false },
      "incomplete",
      "FLANNEL_SUBNET=10.5.52.1/24 comes without FLANNEL_NETWORK: flanneld writes both",
    ],
    [
      "a network without its subnet",
      { ipv6Network: c6("fc00::/48"), mtu: 1472, ipMasq: false },
      "incomplete",
      "FLANNEL_IPV6_NETWORK=fc00::/48 comes without FLANNEL_IPV6_SUBNET: flanneld writes both",
    ],
    [
      "the whole address space",
      { ...v4, network: c4("0.0.0.0/0") },
      "whole-address-space",
      "FLANNEL_NETWORK=0.0.0.0/0 is the whole address space: an overlay of every address would take the host's default route; give the flannel network, e.g. 10.5.0.0/16",
    ],
  ])("checkSubnetEnv refuses %s, without a line when no file is involved", (_name, env, kind, message) => {
    expect(checkSubnetEnv(env)).toEqual(err(expect.objectContaining({ kind, message })));
    expect(checkSubnetEnv(env)._unsafeUnwrapErr()).not.toHaveProperty("line");
  });

  it("accepts what flanneld writes", () => {
    expect([checkSubnetEnv(v4), checkSubnetEnv(dual), checkSubnetEnv(v6only), checkSubnetEnv({ ...v4, subnet: c4("10.5.0.0/16") })].map((r) => r.isOk())).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it("never throws, whatever the text", () => {
    const line = fc.constantFrom("FLANNEL_NETWORK=", "FLANNEL_SUBNET=", "FLANNEL_IPV6_NETWORK=", "FLANNEL_IPV6_SUBNET=", "FLANNEL_MTU=", "FLANNEL_IPMASQ=", "X=");
    const value = fc.constantFrom("10.5.0.0/16", "10.5.52.1/24", "0.0.0.0/0", "::/0", "fc00::/48", "fc00:0:0:34::1/64", "1472", "1", "true", "$X$X", "", "\u0000");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.array(fc.tuple(line, value), { maxLength: 8 }).map((ls) => ls.map(([k, v]) => `${k}${v}\n`).join(""))), (text) => {
        const result = parseSubnetEnv(text);
        if (result.isOk()) expect(checkSubnetEnv(result.value).isOk()).toBe(true);
        else expect(typeof result.error.message).toBe("string");
      }),
      { numRuns: 2000 },
    );
  });
});
