import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { execCommand, formatExecLine, parseEnvironmentFile, resolveServiceExec, splitUnitWords, type UnitFile } from "./systemd-unit.ts";

// Debian bookworm's docker.io 20.10 unit (the part that matters).
const DEBIAN_UNIT: UnitFile = {
  path: "/lib/systemd/system/docker.service",
  text: `[Unit]
Description=Docker Application Container Engine

[Service]
Type=notify
# the socket is passed in by systemd
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID

[Install]
WantedBy=multi-user.target
`,
};

const resolve = (...files: UnitFile[]) => resolveServiceExec(files)._unsafeUnwrap();

describe("resolveServiceExec", () => {
  it("reads the unit's ExecStart and environment files", () => {
    const exec = resolve(DEBIAN_UNIT);
    expect(exec.execStart.map((s) => [s.value, s.line])).toEqual([["/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS", 8]]);
    expect(exec.environmentFiles).toEqual([{ path: "/etc/default/docker", optional: true }]);
    expect(exec.type).toBe("notify");
  });

  it("a drop-in that resets ExecStart replaces the command", () => {
    const dropIn = {
      path: "/etc/systemd/system/docker.service.d/override.conf",
      text: "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock\n",
    };
    expect(resolve(DEBIAN_UNIT, dropIn).execStart.map((s) => [s.value, s.path])).toEqual([["/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock", dropIn.path]]);
  });

  it("a drop-in that adds an ExecStart without resetting is refused, as systemd refuses it", () => {
    const dropIn = { path: "/etc/systemd/system/docker.service.d/bad.conf", text: "[Service]\nExecStart=/usr/sbin/dockerd\n" };
    const error = resolveServiceExec([DEBIAN_UNIT, dropIn])._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "systemd-unit", path: dropIn.path, line: 2 });
    expect(error.message).toMatch(/^Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services\. Refusing\./);
  });

  it("joins continued lines and keeps Environment= in order, an empty one resetting", () => {
    const unit = { path: "u", text: '[Service]\nEnvironment="A=1 2" B=3\nEnvironment=\nEnvironment=C=4\nExecStart=/bin/x \\\n  --flag \\\n  ${C}\n' };
    const exec = resolve(unit);
    expect(exec.environment).toEqual({ C: "4" });
    expect(exec.execStart[0]?.value).toBe("/bin/x  --flag  ${C}");
  });

  it("a unit without ExecStart is an error", () => {
    expect(resolveServiceExec([{ path: "u", text: "[Service]\nType=notify\n" }])).toEqual(
      err({ kind: "systemd-unit", path: "u", message: "the service has no ExecStart= (after drop-ins)" }),
    );
  });
});

describe("execCommand", () => {
  const setting = (value: string) => ({ section: "Service", key: "ExecStart", value, path: "docker.service", line: 8 });
  it("expands $VAR into words and ${VAR} into one word", () => {
    const env = { DOCKER_OPTS: " --bip=10.5.52.1/24  --mtu=1472 ", LABEL: "a b" };
    const cmd = execCommand(setting('/usr/sbin/dockerd -H fd:// $DOCKER_OPTS --label=${LABEL} "$$HOME"'), env)._unsafeUnwrap();
    expect(cmd.path).toBe("/usr/sbin/dockerd");
    expect(cmd.args).toEqual([
      { word: "-H" },
      { word: "fd://" },
      { word: "--bip=10.5.52.1/24", fromVariable: "$DOCKER_OPTS" },
      { word: "--mtu=1472", fromVariable: "$DOCKER_OPTS" },
      { word: "--label=a b", fromVariable: "${LABEL}" },
      { word: "$HOME" },
    ]);
    expect(cmd.sources).toEqual([
      { raw: "-H", variable: false, count: 1 },
      { raw: "fd://", variable: false, count: 1 },
      { raw: "$DOCKER_OPTS", variable: true, count: 2 },
      { raw: "--label=${LABEL}", variable: true, count: 1 },
      { raw: "$HOME", variable: false, count: 1 },
    ]);
  });
  it("an unset variable gives no words", () => {
    expect(execCommand(setting("/usr/sbin/dockerd $DOCKER_OPTS"), {}).map((c) => c.args)).toEqual(ok([]));
  });
  it("strips prefixes; ':' turns expansion off; '@' names argv[0]", () => {
    expect(execCommand(setting("-:/usr/sbin/dockerd $X"), { X: "1" }).map((c) => c.args)).toEqual(ok([{ word: "$X" }]));
    expect(execCommand(setting("@/usr/sbin/dockerd dockerd -D"), {}).map((c) => [c.path, c.argv0, c.args])).toEqual(ok(["/usr/sbin/dockerd", "dockerd", [{ word: "-D" }]]));
  });
});

describe("helpers", () => {
  it("splitUnitWords handles quotes and escapes", () => {
    expect(splitUnitWords(`a "b c" 'd e' f\\ g "h\\"i"`)).toEqual(ok(["a", "b c", "d e", "f g", 'h"i']));
    expect(splitUnitWords('a "b')).toEqual(err('unclosed "'));
  });
  it("formatExecLine quotes what systemd would split or expand, and round-trips", () => {
    const words = ["/usr/sbin/dockerd", "-H", "fd://", "--label=a b", "--x=$HOME", "--p=100%"];
    const line = formatExecLine(words);
    expect(line).toBe('/usr/sbin/dockerd -H fd:// "--label=a b" --x=$$HOME --p=100%%');
    const cmd = execCommand({ section: "Service", key: "ExecStart", value: line.replace(/%%/g, "%"), path: "u", line: 1 }, { HOME: "/root" })._unsafeUnwrap();
    expect([cmd.path, ...cmd.args.map((a) => a.word)]).toEqual(words);
  });
  it("parseEnvironmentFile reads systemd's env files", () => {
    expect(parseEnvironmentFile("# c\n; c\nDOCKER_OPTS=\"--dns 8.8.8.8\"\nX=1\nY='a b'\nbad line\n")).toEqual({ DOCKER_OPTS: "--dns 8.8.8.8", X: "1", Y: "a b" });
  });
});

describe("hostile unit files", () => {
  const text = fc.oneof(
    fc.string({ unit: "binary" }),
    fc.array(
      fc.constantFrom("[Service]\n", "ExecStart=", "ExecStart=\n", "/usr/sbin/dockerd", " $A", " ${A}", ' "a b"', " 'c", "\\\n", "\n", "# x\n", "Environment=A=1\n", "=", "\u0000"),
      { maxLength: 20 },
    ).map((p) => p.join("")),
  );

  it("never throw, whatever the text", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(typeof parseEnvironmentFile(t)).toBe("object");
        expect(splitUnitWords(t).isOk() || splitUnitWords(t).isErr()).toBe(true);
        const exec = resolveServiceExec([{ path: "/lib/systemd/system/docker.service", text: t }]);
        if (exec.isErr()) expect(exec.error.message.length).toBeLessThan(2_000);
        else for (const e of exec.value.execStart) expect(execCommand(e, exec.value.environment).isOk() || true).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("read long continuations in linear time", () => {
    const started = Date.now();
    const unit = `[Service]\nExecStart=/usr/sbin/dockerd \\\n${"--debug \\\n".repeat(50_000)}-H fd://\n`;
    const exec = resolveServiceExec([{ path: "/lib/systemd/system/docker.service", text: unit }])._unsafeUnwrap();
    const command = execCommand(exec.execStart[0]!, exec.environment)._unsafeUnwrap();
    expect([command.args.length, command.args.at(-1)?.word]).toEqual([50_002, "fd://"]);
    expect(parseEnvironmentFile(`A=${"1\\\n".repeat(50_000)}2`)).toEqual({ A: `${"1".repeat(50_000)}2` });
    // Joining the pieces as they come took 26 s here.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("formatExecLine and execCommand round-trip any arguments", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", " ", "\t", '"', "'", "\\", "$", "%", "=", "-", "/", "é", ";"), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 5 }), (args) => {
        const value = formatExecLine(["/usr/sbin/dockerd", ...args]);
        const command = execCommand({ section: "Service", key: "ExecStart", value, path: "docker.service", line: 1 }, {})._unsafeUnwrap();
        expect([command.path, ...command.args.map((a) => a.word)]).toEqual(["/usr/sbin/dockerd", ...args]);
      }),
    );
  });
});
