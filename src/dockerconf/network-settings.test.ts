import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { type Cidr4, parseCidr4 } from "../subnet/cidr.ts";
import { parseDaemonJson } from "./daemon-json.ts";
import { type DockerNetworkSettings, dockerNetworkSettings, mergeNetworkSettings } from "./network-settings.ts";

const c4 = (t: string): Cidr4 => parseCidr4(t)._unsafeUnwrap();

// A daemon.json as found on a host before flannel: a registry mirror, an
// insecure registry, and the API on a unix socket and on TCP.
const SEED = `{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
}
`;
const lease: DockerNetworkSettings = { bip: c4("10.5.52.1/24"), mtu: 1472 };
const merge = (text: string, settings: DockerNetworkSettings = lease) => mergeNetworkSettings(parseDaemonJson(text)._unsafeUnwrap(), settings);

describe("dockerNetworkSettings", () => {
  it("bip is the lease's first address with its length, mtu the lease's", () => {
    expect(dockerNetworkSettings({ subnet: c4("10.5.52.0/24"), mtu: 1472, ipMasq: true })).toEqual(ok({ bip: c4("10.5.52.1/24"), mtu: 1472 }));
  });
  it("optional keys: ip-masq inverted, fixed-cidr the subnet, pools as given", () => {
    const pools = [{ base: c4("192.168.0.0/16"), size: 24 }];
    expect(dockerNetworkSettings({ subnet: c4("10.5.52.0/24"), mtu: 1472, ipMasq: true }, { ipMasq: true, fixedCidr: true, defaultAddressPools: pools })).toEqual(
      ok({ bip: c4("10.5.52.1/24"), mtu: 1472, ipMasq: false, fixedCidr: c4("10.5.52.0/24"), defaultAddressPools: pools }),
    );
  });
  it("an IPv6-only lease has nothing for bip", () => {
    expect(dockerNetworkSettings({ mtu: 1472, ipMasq: true })).toEqual(err({ kind: "no-ipv4-subnet", message: expect.any(String) as string }));
  });
});

describe("mergeNetworkSettings", () => {
  it("the seed's daemon.json: only bip and mtu change, every other byte stays", () => {
    const result = merge(SEED);
    expect(result.text).toBe(`{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
  "bip": "10.5.52.1/24",
  "mtu": 1472
}
`);
    expect(result.changes).toEqual([
      { key: "bip", after: "10.5.52.1/24" },
      { key: "mtu", after: 1472 },
    ]);
  });

  it("edits the last of a repeated key, the one dockerd reads, and leaves the others as they are", () => {
    expect(merge('{"mtu": 1400, "bip": "172.17.0.1/16", "debug": true, "mtu": 1500}')).toEqual({
      text: '{"mtu": 1400, "bip": "10.5.52.1/24", "debug": true, "mtu": 1472}',
      changed: true,
      changes: [
        { key: "bip", before: "172.17.0.1/16", after: "10.5.52.1/24" },
        { key: "mtu", before: 1500, after: 1472 },
      ],
    });
    // The last one already holds the lease's value: nothing to do, whatever the first says.
    expect(merge('{"mtu": 1500, "bip": "10.5.52.1/24", "mtu": 1472}')).toEqual({ text: '{"mtu": 1500, "bip": "10.5.52.1/24", "mtu": 1472}', changed: false, changes: [] });
    expect(merge('{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472,\n  "bip": "10.9.9.1/24"\n}')).toEqual({
      text: '{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472,\n  "bip": "10.5.52.1/24"\n}',
      changed: true,
      changes: [{ key: "bip", before: "10.9.9.1/24", after: "10.5.52.1/24" }],
    });
  });

  it("is idempotent: the same lease twice changes nothing", () => {
    const once = merge(SEED);
    const twice = merge(once.text);
    expect(twice).toEqual({ text: once.text, changed: false, changes: [] });
  });

  it("replaces values in place, keeping their position", () => {
    const text = '{\n    "bip": "172.17.0.1/16",\n    "debug": true,\n    "mtu": 1500\n}';
    expect(merge(text)).toEqual({
      text: '{\n    "bip": "10.5.52.1/24",\n    "debug": true,\n    "mtu": 1472\n}',
      changed: true,
      changes: [
        { key: "bip", before: "172.17.0.1/16", after: "10.5.52.1/24" },
        { key: "mtu", before: 1500, after: 1472 },
      ],
    });
  });

  it("rewrites an mtu dockerd cannot read as an int", () => {
    expect(merge('{"bip": "10.5.52.1/24", "mtu": 1472.0}').text).toBe('{"bip": "10.5.52.1/24", "mtu": 1472}');
    expect(merge('{"bip": "10.5.52.1/24", "mtu": "1472"}').text).toBe('{"bip": "10.5.52.1/24", "mtu": 1472}');
  });

  it("writes a new file for an empty one, keeping a byte-order mark", () => {
    expect(merge("").text).toBe('{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n}\n');
    expect(merge("\ufeff \n").text).toBe('\ufeff{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n}\n');
    expect(merge("{}").text).toBe('{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n}');
  });

  it("merges the optional keys", () => {
    const settings: DockerNetworkSettings = { ...lease, ipMasq: false, fixedCidr: c4("10.5.52.0/25"), defaultAddressPools: [{ base: c4("192.168.0.0/16"), size: 24 }] };
    expect(merge('{"debug": true}', settings).text).toBe(
      '{"debug": true, "bip": "10.5.52.1/24", "mtu": 1472, "ip-masq": false, "fixed-cidr": "10.5.52.0/25", "default-address-pools": [{"base": "192.168.0.0/16", "size": 24}]}',
    );
    const pretty = merge('{\n  "default-address-pools": [\n    {"size": 24, "base": "192.168.0.0/16"}\n  ]\n}\n', { ...lease, defaultAddressPools: settings.defaultAddressPools! });
    expect(pretty.changes.map((c) => c.key)).toEqual(["bip", "mtu"]);
  });

  it("merging appends to any other file, keeping every byte of it (property)", () => {
    const keyArb = fc.constantFrom("debug", "hosts", "labels", "log-opts", "registry-mirrors", "data-root", "storage-driver");
    fc.assert(
      fc.property(
        fc.dictionary(keyArb, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 68, max: 65535 }),
        fc.constantFrom(0, 2, 4),
        (seed, a, mtu, indent) => {
          const text = JSON.stringify(seed, null, indent);
          const bip = `10.${a >> 8}.${a & 255}.1/24`;
          const result = merge(text, { bip: c4(bip), mtu });
          // Checked with JSON.parse and string operations, not with the module's own reader;
          // the expectation goes through JSON too, which writes a generated -0 as 0.
          expect(JSON.parse(result.text)).toEqual(JSON.parse(JSON.stringify({ ...seed, bip, mtu })));
          const body = text.slice(0, text.lastIndexOf("}")).replace(/\s+$/, "");
          expect(result.text.startsWith(body)).toBe(true);
          expect(result.text.slice(body.length)).toMatch(new RegExp(`^,\\s*"bip": ?"${bip.replace(/[./]/g, "\\$&")}",\\s*"mtu": ?${mtu}\\s*}$`));
          expect(merge(result.text, { bip: c4(bip), mtu }).changed).toBe(false);
        },
      ),
    );
  });

  it("edits the last occurrence of a repeated key, whatever the others hold (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 68, max: 65535 }), { minLength: 2, maxLength: 4 }), fc.integer({ min: 68, max: 65535 }), (mtus, mtu) => {
        const members = mtus.map((m) => `"mtu": ${m}`);
        const result = merge(`{${members.join(", ")}, "bip": "10.5.52.1/24"}`, { bip: c4("10.5.52.1/24"), mtu });
        const last = mtus[mtus.length - 1];
        expect(result.text).toBe(`{${[...members.slice(0, -1), `"mtu": ${mtu}`].join(", ")}, "bip": "10.5.52.1/24"}`);
        expect(result.changes).toEqual(last === mtu ? [] : [{ key: "mtu", before: last, after: mtu }]);
      }),
    );
  });
});
