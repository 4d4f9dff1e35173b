import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ip4, ip6, parseIp } from "../subnet/index.ts";
import { formatPipeworkAlias, parsePipeworkAlias, PIPEWORK_ALIAS, type PipeworkAlias } from "./pipework-alias.ts";

describe("formatPipeworkAlias and parsePipeworkAlias", () => {
  it.each([
    ["flannel-ts pipework", {}],
    ["flannel-ts pipework; replaced IPv4 default via 172.17.0.1 dev eth0", { replaced: { family: 4, gateway: parseIp("172.17.0.1")._unsafeUnwrap(), dev: "eth0" } }],
    ["flannel-ts pipework; replaced IPv6 default via fe80::1 dev eth0 metric 1024", {
      replaced: { family: 6, gateway: parseIp("fe80::1")._unsafeUnwrap(), dev: "eth0", metric: 1024 },
    }],
    ["flannel-ts pipework; replaced IPv4 default dev tun0", { replaced: { family: 4, dev: "tun0" } }],
  ] as [string, PipeworkAlias][])("writes %s and reads it back", (text, alias) => {
    expect(formatPipeworkAlias(alias)).toBe(text);
    expect(parsePipeworkAlias(text)).toEqual(alias);
  });

  it.each(["", "uplink", "flannel-ts pipeworks", "flannel-ts pipework; replaced IPv4 default via fd00::1 dev eth0", "flannel-ts pipework; something else"])(
    "does not take %j for its own",
    (text) => {
      expect(parsePipeworkAlias(text)).toBeUndefined();
    },
  );

  it("reads back every alias it writes", () => {
    const dev = fc.string({ unit: fc.constantFrom(..."abcdefgh0123456789.-_"), minLength: 1, maxLength: 15 });
    const metric = fc.option(fc.nat(), { nil: undefined });
    const v4 = fc.record({ family: fc.constant(4 as const), gateway: fc.option(fc.nat({ max: 0xffffffff }).map(ip4), { nil: undefined }), dev, metric });
    const v6 = fc.record({ family: fc.constant(6 as const), gateway: fc.option(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(ip6), { nil: undefined }), dev, metric });
    fc.assert(
      fc.property(fc.option(fc.oneof(v4, v6), { nil: undefined }), (r) => {
        const alias: PipeworkAlias = r === undefined
          ? {}
          : { replaced: { family: r.family, dev: r.dev, ...(r.gateway !== undefined && { gateway: r.gateway }), ...(r.metric !== undefined && { metric: r.metric }) } };
        const text = formatPipeworkAlias(alias);
        expect(text.startsWith(PIPEWORK_ALIAS)).toBe(true);
        expect(parsePipeworkAlias(text)).toEqual(alias);
      }),
    );
  });
});
