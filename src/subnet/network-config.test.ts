import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { cidr4, cidr6 } from "./cidr.ts";
import { ip4, ip6, parseIp } from "./ip.ts";
import {
  type BackendConfig,
  describeNetworkConfig,
  formatNetworkConfig,
  type NetworkConfig,
  type NetworkConfigError,
  parseNetworkConfig,
  subnetRangeSize,
} from "./network-config.ts";

const v4 = (text: string): number => {
  const ip = parseIp(text)._unsafeUnwrap();
  if (ip.family !== 4) throw new Error(text);
  return ip.value;
};
const v6 = (text: string): bigint => {
  const ip = parseIp(text)._unsafeUnwrap();
  if (ip.family !== 6) throw new Error(text);
  return ip.value;
};
const udp = { kind: "udp", type: "udp", port: 8285, settings: { Type: "udp" } };
const vxlanDefaults = { kind: "vxlan", vni: 1, port: 8472, gbp: false, learning: false, directRouting: false };
const range4 = (network: string, prefix: number, subnetLen: number, min: string, max: string) => ({
  network: cidr4(v4(network), prefix),
  subnetLen,
  subnetMin: ip4(v4(min)),
  subnetMax: ip4(v4(max)),
});
const range6 = (network: string, prefix: number, subnetLen: number, min: string, max: string) => ({
  network: cidr6(v6(network), prefix),
  subnetLen,
  subnetMin: ip6(v6(min)),
  subnetMax: ip6(v6(max)),
});
const kinds = (text: string) => parseNetworkConfig(text).mapErr((es) => es.map((e) => [e.kind, e.field]));

describe("parseNetworkConfig: flannel's own cases (pkg/subnet/config_test.go)", () => {
  it("TestConfigDefaults", () => {
    expect(parseNetworkConfig(`{ "network": "10.3.0.0/16" }`)).toEqual(ok({ ipv4: range4("10.3.0.0", 16, 24, "10.3.1.0", "10.3.255.0"), backend: udp }));
  });
  it("TestIPv6ConfigDefaults", () => {
    expect(parseNetworkConfig(`{ "enableIPv6": true, "ipv6Network": "fc00::/48", "enableIPv4": false }`)).toEqual(
      ok({ ipv6: range6("fc00::", 48, 64, "fc00:0:0:1::", "fc00:0:0:ffff::"), backend: udp }),
    );
  });
  it("TestConfigOverrides", () => {
    expect(parseNetworkConfig(`{ "Network": "10.3.0.0/16", "SubnetMin": "10.3.5.0", "SubnetMax": "10.3.8.0", "SubnetLen": 28 }`)).toEqual(
      ok({ ipv4: range4("10.3.0.0", 16, 28, "10.3.5.0", "10.3.8.0"), backend: udp }),
    );
  });
  it("TestIPv6ConfigOverrides", () => {
    const text = `{ "EnableIPv6": true, "IPv6Network": "fc00::/48", "IPv6SubnetMin": "fc00:0:0:1::", "IPv6SubnetMax": "fc00:0:0:f::", "IPv6SubnetLen": 124, "enableIPv4": false }`;
    expect(parseNetworkConfig(text)).toEqual(ok({ ipv6: range6("fc00::", 48, 124, "fc00:0:0:1::", "fc00:0:0:f::"), backend: udp }));
  });
});

describe("parseNetworkConfig: defaults", () => {
  it.each([
    // SubnetLen: 24 up to /22, prefix + 2 above, /28 the smallest network.
    ["10.0.0.0/8", range4("10.0.0.0", 8, 24, "10.0.1.0", "10.255.255.0")],
    ["10.3.0.0/22", range4("10.3.0.0", 22, 24, "10.3.1.0", "10.3.3.0")],
    ["10.3.0.0/23", range4("10.3.0.0", 23, 25, "10.3.0.128", "10.3.1.128")],
    ["10.3.0.0/26", range4("10.3.0.0", 26, 28, "10.3.0.16", "10.3.0.48")],
    ["10.3.0.16/28", range4("10.3.0.16", 28, 30, "10.3.0.20", "10.3.0.28")],
    // Host bits are cleared, as Go's net.ParseCIDR does.
    ["10.3.7.9/16", range4("10.3.0.0", 16, 24, "10.3.1.0", "10.3.255.0")],
    ["128.0.0.0/1", range4("128.0.0.0", 1, 24, "128.0.1.0", "255.255.255.0")],
  ])("Network %s", (network, expected) => {
    expect(parseNetworkConfig(JSON.stringify({ Network: network }))).toEqual(ok({ ipv4: expected, backend: udp }));
  });

  it.each([
    ["fc00::/62", range6("fc00::", 62, 64, "fc00:0:0:1::", "fc00:0:0:3::")],
    ["fc00::/63", range6("fc00::", 63, 65, "fc00::8000:0:0:0", "fc00:0:0:1:8000::")],
    ["fc00::/124", range6("fc00::", 124, 126, "fc00::4", "fc00::c")],
    ["fc00::/7", range6("fc00::", 7, 64, "fc00:0:0:1::", "fdff:ffff:ffff:ffff::")],
  ])("IPv6Network %s", (network, expected) => {
    const text = JSON.stringify({ Network: "10.3.0.0/16", EnableIPv6: true, IPv6Network: network });
    expect(parseNetworkConfig(text)).toEqual(ok({ ipv4: range4("10.3.0.0", 16, 24, "10.3.1.0", "10.3.255.0"), ipv6: expected, backend: udp }));
  });

  it("reads zero SubnetLen, SubnetMin and SubnetMax as unset, as flanneld does", () => {
    const text = `{"Network": "10.3.0.0/16", "SubnetLen": 0, "SubnetMin": "0.0.0.0", "SubnetMax": "0.0.0.0"}`;
    expect(parseNetworkConfig(text)).toEqual(ok({ ipv4: range4("10.3.0.0", 16, 24, "10.3.1.0", "10.3.255.0"), backend: udp }));
  });

  it("reads null as unset where Go leaves the field alone (numbers, booleans, the IPv6 bounds)", () => {
    const text = `{"Network": "10.3.0.0/16", "SubnetLen": null, "EnableIPv4": null, "EnableIPv6": true, "IPv6Network": "fc00::/48", "IPv6SubnetMin": null, "IPv6SubnetMax": null}`;
    expect(parseNetworkConfig(text)).toEqual(
      ok({ ipv4: range4("10.3.0.0", 16, 24, "10.3.1.0", "10.3.255.0"), ipv6: range6("fc00::", 48, 64, "fc00:0:0:1::", "fc00:0:0:ffff::"), backend: udp }),
    );
  });

  it("matches keys case-insensitively as Go does, the last duplicate winning", () => {
    const text = `{"NETWORK": "10.9.0.0/16", "network": "10.3.0.0/16", "subnetlen": 25, "ſubnetLen": 26, "BACKEND": {"tYpE": "vxlan", "VNI": 4096}}`;
    expect(parseNetworkConfig(text)).toEqual(
      ok({
        ipv4: range4("10.3.0.0", 16, 26, "10.3.0.64", "10.3.255.192"),
        backend: { ...vxlanDefaults, type: "vxlan", vni: 4096, settings: { tYpE: "vxlan", VNI: 4096 } },
      }),
    );
  });

  it("ignores unknown keys and IPv4 fields when IPv4 is off", () => {
    const text = `{"Network": "10.3.0.0/16", "EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "fc00::/48", "Networks": [], "Colour": "blue"}`;
    expect(parseNetworkConfig(text)).toEqual(ok({ ipv6: range6("fc00::", 48, 64, "fc00:0:0:1::", "fc00:0:0:ffff::"), backend: udp }));
  });

  it("keeps the whole Backend object", () => {
    const text = `{"Network": "10.3.0.0/16", "Backend": {"Type": "vxlan", "VNI": 1, "Port": 8472, "DirectRouting": true, "MacPrefix": null}}`;
    expect(parseNetworkConfig(text).map((c) => c.backend)).toEqual(
      ok({ ...vxlanDefaults, type: "vxlan", directRouting: true, settings: { Type: "vxlan", VNI: 1, Port: 8472, DirectRouting: true, MacPrefix: null } }),
    );
  });
});

describe("parseNetworkConfig: Backend", () => {
  const backendOf = (backend: string) => parseNetworkConfig(`{"Network": "10.3.0.0/16", "Backend": ${backend}}`).map((c) => c.backend);
  const settings = (backend: string): unknown => JSON.parse(backend);

  it.each([
    // udp: Port 0, null or absent is 8285, as flanneld has it.
    [`{"Type": "udp"}`, { kind: "udp", type: "udp", port: 8285 }],
    [`{"Type": "UDP", "Port": 0}`, { kind: "udp", type: "UDP", port: 8285 }],
    [`{"Type": "udp", "Port": null}`, { kind: "udp", type: "udp", port: 8285 }],
    [`{"Type": "udp", "port": 7890}`, { kind: "udp", type: "udp", port: 7890 }],
    [`{"Type": "udp", "Port": -0}`, { kind: "udp", type: "udp", port: 8285 }],
    [`{"Type": "udp", "Port": 1}`, { kind: "udp", type: "udp", port: 1 }],
    [`{"Type": "udp", "Port": 65535, "Extra": [1]}`, { kind: "udp", type: "udp", port: 65535 }],
    [`{"Type": "udp", "Port": 1, "PORT": 2}`, { kind: "udp", type: "udp", port: 2 }],
    // vxlan: VNI 1, the kernel's port 8472, the flags off; MTU only when written.
    [`{"Type": "vxlan"}`, { kind: "vxlan", type: "vxlan", vni: 1, port: 8472, gbp: false, learning: false, directRouting: false }],
    [`{"Type": "vxlan", "VNI": 0, "Port": 0, "MTU": null}`, { kind: "vxlan", type: "vxlan", vni: 0, port: 8472, gbp: false, learning: false, directRouting: false }],
    [
      `{"type": "VXLAN", "vni": 16777215, "port": 4789, "gbp": true, "LEARNING": true, "directrouting": true, "mtu": 9000}`,
      { kind: "vxlan", type: "VXLAN", vni: 16777215, port: 4789, gbp: true, learning: true, directRouting: true, mtu: 9000 },
    ],
    [`{"Type": "vxlan", "DirectRouting": null, "VNI": null}`, { kind: "vxlan", type: "vxlan", vni: 1, port: 8472, gbp: false, learning: false, directRouting: false }],
    [`{"Type": "host-gw", "Port": "ignored"}`, { kind: "host-gw", type: "host-gw" }],
    [`{"Type": "Host-GW"}`, { kind: "host-gw", type: "Host-GW" }],
    [`{"Type": "wireguard", "PSK": "x", "ListenPort": 51820}`, { kind: "other", type: "wireguard" }],
    [`{"Type": "ipip", "DirectRouting": "not read"}`, { kind: "other", type: "ipip" }],
  ])("%s", (backend, expected) => {
    expect(backendOf(backend)).toEqual(ok({ ...expected, settings: settings(backend) }));
  });

  const one = (backend: string, error: NetworkConfigError) => expect(backendOf(backend)).toEqual(err([error]));
  const column = 39;

  it("refuses a port in quotes or out of range, naming Backend.Port", () => {
    one(`{"Type": "udp", "Port": "8285"}`, {
      kind: "wrong-type",
      field: "Backend.Port",
      value: "8285",
      line: 1,
      column: column + 24,
      message: `line 1, column 63: Backend.Port must be a UDP port (a whole number), found the string "8285": write 8285 without quotes`,
    });
    one(`{"Type": "udp", "Port": 70000}`, {
      kind: "invalid-value",
      field: "Backend.Port",
      value: "70000",
      line: 1,
      column: column + 24,
      message: "line 1, column 63: Backend.Port 70000 is out of range: a UDP port is a whole number from 0 to 65535 (0 or no Port means 8285)",
    });
    one(`{"Type": "vxlan", "VNI": 16777216}`, {
      kind: "invalid-value",
      field: "Backend.VNI",
      value: "16777216",
      line: 1,
      column: column + 25,
      message: "line 1, column 64: Backend.VNI 16777216 is out of range: a VXLAN network identifier is a whole number from 0 to 16777215 (no VNI means 1)",
    });
    one(`{"Type": "vxlan", "Learning": "yes"}`, {
      kind: "wrong-type",
      field: "Backend.Learning",
      value: "yes",
      line: 1,
      column: column + 30,
      message: `line 1, column 69: Backend.Learning must be true or false, found the string "yes": write it without quotes`,
    });
  });

  it.each([
    [`{"Type": "udp", "Port": 8285.0}`, "invalid-value", "Backend.Port"],
    [`{"Type": "udp", "Port": 1e3}`, "invalid-value", "Backend.Port"],
    [`{"Type": "udp", "Port": -1}`, "invalid-value", "Backend.Port"],
    [`{"Type": "udp", "Port": 99999999999999999999}`, "invalid-value", "Backend.Port"],
    [`{"Type": "udp", "Port": [8285]}`, "wrong-type", "Backend.Port"],
    [`{"Type": "udp", "Port": true}`, "wrong-type", "Backend.Port"],
    // Go keeps the first type error even when a later duplicate is valid.
    [`{"Type": "udp", "port": "x", "Port": 8285}`, "wrong-type", "Backend.Port"],
    [`{"Type": "vxlan", "VNI": -1}`, "invalid-value", "Backend.VNI"],
    [`{"Type": "vxlan", "VNI": "1"}`, "wrong-type", "Backend.VNI"],
    [`{"Type": "vxlan", "Port": 65536}`, "invalid-value", "Backend.Port"],
    [`{"Type": "vxlan", "GBP": 1}`, "wrong-type", "Backend.GBP"],
    [`{"Type": "vxlan", "DirectRouting": "true"}`, "wrong-type", "Backend.DirectRouting"],
    [`{"Type": "vxlan", "MTU": 0}`, "invalid-value", "Backend.MTU"],
    [`{"Type": "vxlan", "MTU": 117}`, "invalid-value", "Backend.MTU"],
    [`{"Type": "vxlan", "MTU": 65536}`, "invalid-value", "Backend.MTU"],
  ])("refuses %s", (backend, kind, field) => {
    expect(backendOf(backend).mapErr((es) => es.map((e) => [e.kind, e.field]))).toEqual(err([[kind, field]]));
  });

  it("reports every bad vxlan field at once", () => {
    expect(backendOf(`{"Type": "vxlan", "VNI": 1.5, "Port": "8472", "GBP": null, "Learning": 0}`).mapErr((es) => es.map((e) => e.field))).toEqual(
      err(["Backend.VNI", "Backend.Port", "Backend.Learning"]),
    );
  });
});

describe("parseNetworkConfig: errors", () => {
  const one = (text: string, error: NetworkConfigError) => expect(parseNetworkConfig(text)).toEqual(err([error]));

  it("reports a JSON syntax error with its line and column", () => {
    one(`{"Network": "10.3.0.0/16",\n  "SubnetLen": 24,\n}`, {
      kind: "json-syntax",
      line: 3,
      column: 1,
      message: "line 3, column 1: invalid JSON: trailing commas are not allowed in JSON; remove the comma before }",
    });
    one(`{"Network": '10.3.0.0/16'}`, { kind: "json-syntax", line: 1, column: 13, message: "line 1, column 13: invalid JSON: JSON strings and keys are written in double quotes" });
    one(``, { kind: "json-syntax", line: 1, column: 1, message: "line 1, column 1: invalid JSON: the text is empty" });
    one(`{"Network": "10.3.0.0/16"} x`, { kind: "json-syntax", line: 1, column: 28, message: "line 1, column 28: invalid JSON: invalid character 'x' after top-level value" });
    one(`{"SubnetLen": 024}`, { kind: "json-syntax", line: 1, column: 16, message: "line 1, column 16: invalid JSON: numbers are written without leading zeros (24, not 024)" });
  });

  it("refuses JSON nested deeper than Go's 10,000 levels or larger than etcd's 1.5 MiB", () => {
    one(`{"Network": "10.3.0.0/16", "Backend": {"Type": "udp", "x": ${"[".repeat(10_000)}}}`, {
      kind: "json-too-deep",
      line: 1,
      column: 10_058,
      message: "line 1, column 10058: objects and arrays are nested more than 10000 levels deep",
    });
    one(`{"Network": "10.3.0.0/16", "Backend": {"Type": "udp", "x": "${"x".repeat(1_572_864)}"}}`, {
      kind: "json-too-large",
      line: 1,
      column: 1_572_865,
      message: "line 1, column 1572865: the config is larger than 1572864 bytes, etcd's request limit",
    });
  });

  it("refuses JSON that is not an object", () => {
    one(`["10.3.0.0/16"]`, {
      kind: "not-an-object",
      value: `["10.3.0.0/16"]`,
      line: 1,
      column: 1,
      message: `line 1, column 1: the config must be a JSON object such as {"Network": "10.5.0.0/16"}, found an array`,
    });
  });

  it("names the field, the value, where it is and what to change", () => {
    one(`{"Network": "10.3.0.0/16", "SubnetLen": "24"}`, {
      kind: "wrong-type",
      field: "SubnetLen",
      value: "24",
      line: 1,
      column: 41,
      message: `line 1, column 41: SubnetLen must be a prefix length such as 24, found the string "24": write 24 without quotes`,
    });
    one(`{"Network": "10.3.0.0/33"}`, {
      kind: "invalid-value",
      field: "Network",
      value: "10.3.0.0/33",
      line: 1,
      column: 13,
      message: `line 1, column 13: Network "10.3.0.0/33" is not a CIDR (prefix length 33 is above 32); write it like "10.5.0.0/16"`,
    });
    one(`{}`, {
      kind: "missing-field",
      field: "Network",
      message: `Network is missing: give the IPv4 network to split into subnets, e.g. "Network": "10.5.0.0/16" (or set "EnableIPv4": false)`,
    });
    one(`{"Network": "10.3.0.0/16", "SubnetMin": "10.3.1.0", "SubnetMax": "10.3.0.0"}`, {
      kind: "min-above-max",
      field: "SubnetMin",
      value: "10.3.1.0",
      line: 1,
      column: 41,
      message: "line 1, column 41: SubnetMin 10.3.1.0 is above SubnetMax 10.3.0.0, so no subnet could be leased: swap them or widen the range",
    });
    one(`{"Network": "10.3.0.0/16", "Backend": {"Type": "vxlam"}}`, {
      kind: "unknown-backend",
      field: "Backend.Type",
      value: "vxlam",
      line: 1,
      column: 48,
      message:
        'line 1, column 48: Backend.Type "vxlam" is not a flannel backend: use one of udp, vxlan, host-gw, ipip, ipsec, wireguard, alloc, extension, tencent-vpc, ali-vpc, aws-vpc, gce',
    });
  });

  it("refuses an overlay of the whole address space", () => {
    one(`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "::/0"}`, {
      kind: "invalid-value",
      field: "IPv6Network",
      value: "::/0",
      line: 1,
      column: 63,
      message:
        `line 1, column 63: IPv6Network "::/0" is the whole address space: an overlay over every address would take the host's default route (and flanneld reads it as unset); give a private range such as "fc00::/48"`,
    });
  });

  it.each([
    // flannel's rules, one at a time.
    [`{"Network": "10.3.0.0/29"}`, [["network-too-small", "Network"]]],
    [`{"Network": "10.3.0.0/16", "SubnetLen": 31}`, [["subnet-len-too-long", "SubnetLen"]]],
    [`{"Network": "10.3.0.0/16", "SubnetLen": 17}`, [["subnet-len-too-short", "SubnetLen"]]],
    [`{"Network": "10.3.0.0/16", "SubnetMin": "10.4.1.0"}`, [["outside-network", "SubnetMin"]]],
    [`{"Network": "10.3.0.0/16", "SubnetMax": "10.2.255.0"}`, [["outside-network", "SubnetMax"]]],
    [`{"Network": "10.3.0.0/16", "SubnetMin": "10.3.1.1"}`, [["not-on-boundary", "SubnetMin"]]],
    [`{"Network": "10.3.0.0/16", "SubnetMax": "10.3.255.255"}`, [["not-on-boundary", "SubnetMax"]]],
    [`{"Network": "10.3.0.0/16", "SubnetMin": "10.3.9.0", "SubnetMax": "10.3.8.0"}`, [["min-above-max", "SubnetMin"]]],
    [`{"Network": "0.0.0.0/0"}`, [["invalid-value", "Network"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "::/0"}`, [["invalid-value", "IPv6Network"]]],
    [`{"EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "::1/0"}`, [["invalid-value", "IPv6Network"]]],
    [`{"Network": "fc00::/48"}`, [["invalid-value", "Network"]]],
    [`{"Network": null}`, [["invalid-value", "Network"]]],
    [`{"Network": "10.3.0.0/16", "SubnetMin": null}`, [["invalid-value", "SubnetMin"]]],
    [`{"Network": "10.3.0.0/16", "SubnetLen": 24.0}`, [["invalid-value", "SubnetLen"]]],
    [`{"Network": "10.3.0.0/16", "SubnetLen": -1}`, [["invalid-value", "SubnetLen"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": "true"}`, [["wrong-type", "EnableIPv6"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true}`, [["missing-field", "IPv6Network"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "fc00::/125"}`, [["network-too-small", "IPv6Network"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "fc00::/48", "IPv6SubnetLen": 127}`, [["subnet-len-too-long", "IPv6SubnetLen"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "fc00::/48", "IPv6SubnetLen": 49}`, [["subnet-len-too-short", "IPv6SubnetLen"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "fc00::/48", "IPv6SubnetMin": "fc01::"}`, [["outside-network", "IPv6SubnetMin"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "fc00::/48", "IPv6SubnetMax": "fc00::1"}`, [["not-on-boundary", "IPv6SubnetMax"]]],
    [`{"Network": "10.3.0.0/16", "EnableIPv6": true, "IPv6Network": "10.0.0.0/8"}`, [["invalid-value", "IPv6Network"]]],
    [`{"EnableIPv4": false}`, [["no-address-family", "EnableIPv4"]]],
    [`{"Network": "10.3.0.0/16", "Backend": "vxlan"}`, [["invalid-backend", "Backend"]]],
    [`{"Network": "10.3.0.0/16", "Backend": null}`, [["invalid-backend", "Backend"]]],
    [`{"Network": "10.3.0.0/16", "Backend": {"VNI": 1}}`, [["invalid-backend", "Backend.Type"]]],
    [`{"Network": "10.3.0.0/16", "Backend": {"Type": 1}}`, [["invalid-backend", "Backend.Type"]]],
    // A disabled family's fields are still decoded (flanneld would fail on them) but not checked.
    [`{"Network": "10.3.0.0/16", "IPv6Network": "nonsense"}`, [["invalid-value", "IPv6Network"]]],
  ])("%s", (text, expected) => {
    expect(kinds(text)).toEqual(err(expected));
  });

  it("reports every problem at once", () => {
    const text = `{
      "Network": "10.3.0.0/16",
      "SubnetLen": 31,
      "SubnetMin": "10.4.0.0",
      "SubnetMax": "10.3.1.5",
      "EnableIPv6": "yes",
      "IPv6Network": "fc00::/200",
      "Backend": {"Type": "carrier-pigeon"}
    }`;
    expect(kinds(text)).toEqual(
      err([
        ["wrong-type", "EnableIPv6"],
        ["subnet-len-too-long", "SubnetLen"],
        ["outside-network", "SubnetMin"],
        ["invalid-value", "IPv6Network"],
        ["unknown-backend", "Backend.Type"],
      ]),
    );
    expect(parseNetworkConfig(text).mapErr((es) => es.map((e) => [e.line, e.column]))).toEqual(
      err([
        [6, 21],
        [3, 20],
        [4, 20],
        [7, 22],
        [8, 27],
      ]),
    );
  });
});

describe("formatNetworkConfig", () => {
  it("writes flannel's field names with every default", () => {
    const config = parseNetworkConfig(`{"network": "10.3.0.0/16", "enableipv6": true, "ipv6network": "fc00::/48", "backend": {"type": "vxlan"}}`)._unsafeUnwrap();
    expect(formatNetworkConfig(config)).toBe(
      '{"Network":"10.3.0.0/16","SubnetLen":24,"SubnetMin":"10.3.1.0","SubnetMax":"10.3.255.0","EnableIPv4":true,' +
        '"EnableIPv6":true,"IPv6Network":"fc00::/48","IPv6SubnetLen":64,"IPv6SubnetMin":"fc00:0:0:1::","IPv6SubnetMax":"fc00:0:0:ffff::",' +
        '"Backend":{"type":"vxlan"}}',
    );
    expect(formatNetworkConfig(config, { indent: 2 }).split("\n").slice(0, 3)).toEqual(["{", '  "Network": "10.3.0.0/16",', '  "SubnetLen": 24,']);
  });

  it("writes IPv6-only configs with EnableIPv4 false", () => {
    const config = parseNetworkConfig(`{"EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "fc00::/48"}`)._unsafeUnwrap();
    expect(JSON.parse(formatNetworkConfig(config))).toEqual({
      EnableIPv4: false,
      EnableIPv6: true,
      IPv6Network: "fc00::/48",
      IPv6SubnetLen: 64,
      IPv6SubnetMin: "fc00:0:0:1::",
      IPv6SubnetMax: "fc00:0:0:ffff::",
      Backend: { Type: "udp" },
    });
  });

  // Any valid config: a network, a subnet length it allows and a range inside it.
  const family = (bits: 32 | 128, maxLen: number) =>
    fc
      .integer({ min: 1, max: maxLen - 2 })
      .chain((prefix) => fc.tuple(fc.constant(prefix), fc.integer({ min: prefix + 2, max: maxLen })))
      .chain(([prefix, len]) => {
        const count = 1n << BigInt(len - prefix);
        const index = fc.bigInt({ min: 0n, max: count - 1n });
        return fc.tuple(fc.bigInt({ min: 1n, max: (1n << BigInt(bits)) - 1n }), fc.constant(prefix), fc.constant(len), index, index);
      })
      .map(([address, prefix, len, a, b]) => {
        const host = BigInt(bits - prefix);
        const network = (address >> host) << host;
        const size = 1n << BigInt(bits - len);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return { network, prefix, len, min: network + lo * size, max: network + hi * size };
      });
  // Any valid Backend, as the parser returns it: the typed fields and the object as written.
  const arbitraryBackend: fc.Arbitrary<BackendConfig> = fc.oneof(
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }).map((port): BackendConfig => ({
      kind: "udp",
      type: "udp",
      port: port ?? 8285,
      settings: port === undefined ? { Type: "udp" } : { Type: "udp", Port: port },
    })),
    fc
      .record({
        vni: fc.integer({ min: 0, max: 0xffffff }),
        port: fc.integer({ min: 1, max: 65535 }),
        gbp: fc.boolean(),
        learning: fc.boolean(),
        directRouting: fc.boolean(),
        mtu: fc.option(fc.integer({ min: 118, max: 65535 }), { nil: undefined }),
      })
      .map(({ mtu, ...v }): BackendConfig => ({
        kind: "vxlan",
        type: "VXLAN",
        ...v,
        ...(mtu === undefined ? {} : { mtu }),
        settings: { Type: "VXLAN", VNI: v.vni, port: v.port, gbp: v.gbp, Learning: v.learning, DirectRouting: v.directRouting, ...(mtu === undefined ? {} : { MTU: mtu }) },
      })),
    fc.constantFrom<BackendConfig>(
      { kind: "host-gw", type: "host-gw", settings: { type: "host-gw" } },
      { kind: "other", type: "wireguard", settings: { Type: "wireguard", PersistentKeepaliveInterval: 25, Mode: "separate" } },
    ),
  );
  const arbitraryConfig: fc.Arbitrary<NetworkConfig> = fc
    .record({
      v4: fc.option(family(32, 30), { nil: undefined }),
      v6: fc.option(family(128, 126), { nil: undefined }),
      backend: arbitraryBackend,
    })
    .filter((r) => r.v4 !== undefined || r.v6 !== undefined)
    .map((r) => {
      const config: { -readonly [K in keyof NetworkConfig]: NetworkConfig[K] } = { backend: r.backend };
      if (r.v4 !== undefined) {
        const f = r.v4;
        config.ipv4 = { network: cidr4(Number(f.network), f.prefix), subnetLen: f.len, subnetMin: ip4(Number(f.min)), subnetMax: ip4(Number(f.max)) };
      }
      if (r.v6 !== undefined) {
        const f = r.v6;
        config.ipv6 = { network: cidr6(f.network, f.prefix), subnetLen: f.len, subnetMin: ip6(f.min), subnetMax: ip6(f.max) };
      }
      return config;
    })
    // A zero SubnetMin means "default" to flanneld, so a range starting at 0.0.0.0 / :: cannot be written.
    .filter((c) => c.ipv4?.subnetMin.value !== 0 && c.ipv6?.subnetMin.value !== 0n);

  it("round-trips every valid config", () => {
    fc.assert(
      fc.property(arbitraryConfig, fc.integer({ min: 0, max: 4 }), (config, indent) => {
        expect(parseNetworkConfig(formatNetworkConfig(config, { indent }))).toEqual(ok(config));
      }),
      { numRuns: 300 },
    );
  });
});

describe("subnetRangeSize and describeNetworkConfig", () => {
  it("counts the subnets between SubnetMin and SubnetMax", () => {
    const config = parseNetworkConfig(`{"Network": "10.0.0.0/8", "EnableIPv6": true, "IPv6Network": "fc00::/7"}`)._unsafeUnwrap();
    expect([subnetRangeSize(config.ipv4!), subnetRangeSize(config.ipv6!)]).toEqual([65535n, (1n << 57n) - 1n]);
  });

  it("prints one field per line", () => {
    const config = parseNetworkConfig(`{"Network": "10.3.0.0/16", "Backend": {"Type": "vxlan", "VNI": 4096}}`)._unsafeUnwrap();
    expect(describeNetworkConfig(config)).toBe(
      [
        "Network:    10.3.0.0/16",
        "SubnetLen:  24",
        "SubnetMin:  10.3.1.0",
        "SubnetMax:  10.3.255.0",
        "Subnets:    255 of /24",
        "EnableIPv4: true",
        "EnableIPv6: false",
        'Backend:    {"Type":"vxlan","VNI":4096}',
        "",
      ].join("\n"),
    );
  });
});

describe("hostile configs", () => {
  it("never throw, and every problem has a short message", () => {
    const piece = fc.constantFrom(
      '{"Network":',
      '"10.3.0.0/16"',
      '"0.0.0.0/0"',
      ',"SubnetLen":',
      "24",
      "1e400",
      "-0",
      ',"Backend":',
      '{"Type":"udp","Port":',
      '"8285"',
      "70000",
      "null",
      "[",
      "]",
      "{",
      "}",
      ",",
      '"',
      "\\u0000",
      "\ufeff",
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.json(), fc.array(piece, { maxLength: 14 }).map((p) => p.join(""))), (text) => {
        const result = parseNetworkConfig(text);
        if (result.isErr()) { for (const e of result.error) expect(e.message.length).toBeLessThan(600); }
        else expect(parseNetworkConfig(formatNetworkConfig(result.value))).toEqual(ok(result.value));
      }),
      { numRuns: 2000 },
    );
  });

  it("quotes a short excerpt of a huge or hostile value", () => {
    const errors = parseNetworkConfig(JSON.stringify({ Network: `\u001b[2J${"1".repeat(100_000)}`, SubnetLen: "9".repeat(100_000) }))._unsafeUnwrapErr();
    expect(errors.map((e) => [e.kind, e.field, e.message.length < 400, e.message.includes("\u001b")])).toEqual([
      ["invalid-value", "Network", true, false],
      ["wrong-type", "SubnetLen", true, false],
    ]);
    expect(errors[0]?.message).toBe(
      `line 1, column 12: Network "\\u001b[2J${"1".repeat(56)}…" (100004 characters) is not a CIDR (missing prefix length (/N)); write it like "10.5.0.0/16"`,
    );
  });

  it("describes and formats a config whose Backend is nested 9,990 levels deep", () => {
    const text = `{"Network": "10.3.0.0/16", "Backend": {"Type": "udp", "x": ${"[".repeat(9_990)}${"]".repeat(9_990)}}}`;
    const config = parseNetworkConfig(text)._unsafeUnwrap();
    const head = '{"Network":"10.3.0.0/16","SubnetLen":24,"SubnetMin":"10.3.1.0","SubnetMax":"10.3.255.0","EnableIPv4":true,"EnableIPv6":false,"Backend":{"Type":"udp","x":';
    expect(formatNetworkConfig(config)).toBe(`${head}${"[".repeat(9_990)}${"]".repeat(9_990)}}}`);
    expect(describeNetworkConfig(config).split("\n").at(-2)).toBe(`Backend:    {"Type":"udp","x":${"[".repeat(9_990)}${"]".repeat(9_990)}}`);
  });
});
