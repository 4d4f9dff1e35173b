import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseInterfaceName } from "./parse-interface-name.ts";
import { vethNames } from "./veth-names.ts";

const id = "45ab2b0db5bc1b17f9dd8c3e7972252fac843dfdf1c866fd779b132f6b6df7ee";

describe("vethNames", () => {
  it("gives fp/fc and the same 12 hex digits, the same for the same container and interface", () => {
    const names = vethNames(id, "eth1");
    expect(names.host).toMatch(/^fp[0-9a-f]{12}$/);
    expect(names.peer).toBe(`fc${names.host.slice(2)}`);
    expect(vethNames(id, "eth1")).toEqual(names);
  });

  it("differs between interfaces of one container and between containers", () => {
    const names = new Set([vethNames(id, "eth1").host, vethNames(id, "eth2").host, vethNames(id.replace("45", "46"), "eth1").host, vethNames("abc", "eth1").host]);
    expect(names.size).toBe(4);
  });

  it("always makes names Linux takes (at most 15 bytes)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }), fc.string({ minLength: 1, maxLength: 15 }), (containerId, name) => {
        const names = vethNames(containerId, name);
        expect(parseInterfaceName(names.host).isOk() && parseInterfaceName(names.peer).isOk()).toBe(true);
        expect(names.host.length).toBeLessThanOrEqual(15);
      }),
    );
  });
});
