// The README shows what `npm run demo` prints. This runs the same command
// (`flannel-ts demo --seed 1`) and compares it with the README's block, with
// only what varies between runs masked: dates, round-trip times and the
// elapsed time of each ping.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.ts";

function readmeDemoBlock(): string {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("```text\nflannel-ts demo:");
  if (start < 0) throw new Error("README.md has no demo output block");
  const body = readme.slice(start + "```text\n".length);
  return body.slice(0, body.indexOf("\n```"));
}

const mask = (text: string): string =>
  text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<date>")
    .replace(/time=[0-9.]+ ms/g, "time=<rtt> ms")
    .replace(/time \d+ms/g, "time <elapsed>ms")
    .replace(/= [0-9.]+\/[0-9.]+\/[0-9.]+\/[0-9.]+ ms/g, "= <rtt stats> ms")
    .trimEnd();

describe("README", () => {
  it("shows what npm run demo prints", async () => {
    let out = "";
    const code = await main(["demo", "--seed", "1"], { out: (t) => (out += t), err: (t) => (out += t), env: {} });
    expect(code).toBe(0);
    expect(mask(out)).toBe(mask(readmeDemoBlock()));
  });
});
