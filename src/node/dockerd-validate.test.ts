import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateWithDockerd } from "./dockerd-validate.ts";

// Fake dockerd programs: shell scripts that answer --help and --validate as
// dockerd 26 and 20.10 do, and record what they were given.
const root = mkdtempSync(join(tmpdir(), "json-dockerd-validate-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fake = (name: string, script: string): string => {
  const path = join(root, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
};
const HELP_26 = 'if [ "$1" = --help ]; then echo "      --validate                              Validate daemon configuration and exit"; exit 0; fi';
const seen = join(root, "seen");
const dockerd26 = fake(
  "dockerd26",
  `${HELP_26}
cp "$3" "${seen}.json"; stat -c %a "$3" > "${seen}.mode"; stat -c %a "$(dirname "$3")" > "${seen}.dirmode"
if grep -q loud "$3"; then echo "time=x level=info msg=starting" >&2; echo "unable to configure the Docker daemon with file $3: merged configuration validation from file and command line flags failed: invalid logging level: loud" >&2; exit 1; fi
echo "configuration OK" >&2`,
);
const dockerd20 = fake("dockerd20", 'if [ "$1" = --help ]; then echo "  -D, --debug   Enable debug mode"; exit 0; fi; echo "unknown flag: $1" >&2; exit 125');
const slow = fake("slow", `${HELP_26}\nsleep 5`);

describe("validateWithDockerd", () => {
  const work = (name: string): string => {
    const dir = join(root, name);
    mkdirSync(dir);
    return dir;
  };

  it("passes the text in a private file and reports dockerd's verdict", async () => {
    const dir = work("ok");
    const text = '{\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n}\n';
    expect(await validateWithDockerd(text, { dockerd: dockerd26, tmpdir: dir })).toEqual({ value: { kind: "valid", dockerd: dockerd26 } });
    expect([readFileSync(`${seen}.json`, "utf8"), readFileSync(`${seen}.mode`, "utf8").trim(), readFileSync(`${seen}.dirmode`, "utf8").trim()]).toEqual([text, "600", "700"]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("returns dockerd's refusal as a typed error with its message", async () => {
    const dir = work("refused");
    const result = await validateWithDockerd('{"log-level": "loud"}', { dockerd: dockerd26, tmpdir: dir });
    const dockerdMessage =
      "unable to configure the Docker daemon with file daemon.json: merged configuration validation from file and command line flags failed: invalid logging level: loud";
    expect(result._unsafeUnwrapErr()).toEqual({
      kind: "dockerd-refused",
      dockerd: dockerd26,
      dockerdMessage,
      exitCode: 1,
      message: `${dockerd26} would not start with this daemon.json: ${dockerdMessage}`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("says when there is no dockerd to ask, or one without --validate", async () => {
    expect(await validateWithDockerd("{}", { dockerd: join(root, "missing") })).toEqual({
      value: { kind: "unavailable", dockerd: join(root, "missing"), reason: `${join(root, "missing")} is not installed` },
    });
    expect(await validateWithDockerd("{}", { dockerd: dockerd20 })).toEqual({
      value: { kind: "unavailable", dockerd: dockerd20, reason: `${dockerd20} has no --validate (it came with dockerd 23)` },
    });
  });

  it("gives up on a dockerd that does not answer, and still removes the file", async () => {
    const dir = work("slow-work");
    const result = await validateWithDockerd("{}", { dockerd: slow, tmpdir: dir, timeoutMs: 300 });
    expect(result._unsafeUnwrapErr()).toEqual({
      kind: "dockerd-validate-failed",
      dockerd: slow,
      message: `${slow} --validate did not finish within 300 ms (does the file name a FIFO or a device as a TLS file?)`,
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  // The real one, where installed (this machine's is Debian bookworm's 20.10, which has no --validate).
  it.skipIf(!existsSync("/usr/sbin/dockerd"))("asks the installed dockerd when it can validate, and only then", async () => {
    const major = Number(/Docker version (\d+)\./.exec(execFileSync("/usr/sbin/dockerd", ["--version"], { encoding: "utf8" }))?.[1]);
    const result = await validateWithDockerd('{"mtu": 1472}', { dockerd: "/usr/sbin/dockerd" });
    expect(result._unsafeUnwrap().kind).toBe(major >= 23 ? "valid" : "unavailable");
  });
});
