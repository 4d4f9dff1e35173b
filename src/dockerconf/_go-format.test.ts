import { describe, expect, it } from "vitest";
import { goFloat, goValue } from "./_go-format.ts";

describe("Go's %v", () => {
  it.each([
    [1472, "1472"],
    [0, "0"],
    [-3, "-3"],
    [1450.5, "1450.5"],
    [123456, "123456"],
    [1e6, "1e+06"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [0.000015, "1.5e-05"],
    [1e21, "1e+21"],
    [1e100, "1e+100"],
    [-2.5e-7, "-2.5e-07"],
  ])("float64 %d prints as %s", (n, text) => {
    expect(goFloat(n)).toBe(text);
  });

  it("decoded JSON values print as dockerd shows them", () => {
    expect(goValue(["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"])).toBe("[unix:///var/run/docker.sock tcp://0.0.0.0:2375]");
    expect(goValue({ "max-size": "10m", "max-file": "3" })).toBe("map[max-file:3 max-size:10m]");
    expect(goValue([{ base: "10.10.0.0/16", size: 24 }])).toBe("[map[base:10.10.0.0/16 size:24]]");
    expect(goValue([])).toBe("[]");
    expect(goValue({})).toBe("map[]");
    expect(goValue(null)).toBe("<nil>");
    expect(goValue(true)).toBe("true");
  });
});
