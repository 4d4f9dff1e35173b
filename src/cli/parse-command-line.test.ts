import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { defineSpec } from "./command-spec.ts";
import { boolFlag, listFlag, optionalFlag, requiredFlag, valueFlag } from "./flag-spec.ts";
import { flagTypes } from "./flag-types.ts";
import { parseCommandLine, wantsJson } from "./parse-command-line.ts";
import { COMMANDS } from "./main.ts";

const spec = defineSpec({
  name: "toy",
  synopsis: "[flags] [FILE]",
  description: "",
  positionals: { name: "FILE", help: "", min: 0, max: 1, missing: "missing FILE", extra: "give one FILE" },
  flags: {
    port: valueFlag("port", { type: flagTypes.port, default: 8285, help: "the port", env: true }),
    masq: boolFlag("ip-masq", { help: "masquerade", env: true, short: "m" }),
    forward: boolFlag("forward", { help: "forward", default: true }),
    iface: listFlag("iface", { type: flagTypes.text, help: "interface", env: true }),
    config: optionalFlag("docker-config", { type: flagTypes.path, help: "daemon.json", bare: "/etc/docker/daemon.json" }),
    key: valueFlag("combined-key", { type: flagTypes.shellName, default: "DOCKER_OPTS", help: "key", short: "k" }),
    individual: boolFlag("individual", { help: "each", short: "i" }),
    password: optionalFlag("password", { type: flagTypes.text, help: "secret", secret: true, env: true }),
  },
});

interface ToyValues {
  readonly port: number;
  readonly masq: boolean;
  readonly forward: boolean;
  readonly iface: readonly string[];
  readonly config: string | undefined;
  readonly key: string;
  readonly individual: boolean;
  readonly password: string | undefined;
}
const defaults: ToyValues = { port: 8285, masq: false, forward: true, iface: [], config: undefined, key: "DOCKER_OPTS", individual: false, password: undefined };

describe("parseCommandLine", () => {
  const cases: ReadonlyArray<readonly [string, readonly string[], Record<string, string>, Partial<ToyValues>, readonly string[]]> = [
    ["defaults", [], {}, {}, []],
    ["--flag value", ["--port", "8300"], {}, { port: 8300 }, []],
    ["--flag=value", ["--port=8300"], {}, { port: 8300 }, []],
    ["Go's single dash", ["-port", "8300", "-ip-masq"], {}, { port: 8300, masq: true }, []],
    ["Go's --bool=false", ["--forward=false", "--ip-masq=T"], {}, { forward: false, masq: true }, []],
    ["the last value wins", ["--port", "1", "--port", "2"], {}, { port: 2 }, []],
    ["a list collects", ["--iface", "eth0", "--iface=eth1"], {}, { iface: ["eth0", "eth1"] }, []],
    ["a value may start with a dash", ["--combined-key", "X", "--iface", "-weird"], {}, { key: "X", iface: ["-weird"] }, []],
    ["a bare optional value takes its default", ["--docker-config", "--ip-masq"], {}, { config: "/etc/docker/daemon.json", masq: true }, []],
    ["an optional value when given", ["--docker-config", "/srv/d.json"], {}, { config: "/srv/d.json" }, []],
    ["short clusters, getopt's way", ["-im", "-kOPTS"], {}, { individual: true, masq: true, key: "OPTS" }, []],
    ["a short flag's value in the next argument", ["-mk", "OPTS"], {}, { masq: true, key: "OPTS" }, []],
    ["positionals anywhere", ["a.json", "--port", "1"], {}, { port: 1 }, ["a.json"]],
    ["-- ends the flags", ["--", "--port"], {}, {}, ["--port"]],
    ["a lone dash is a positional", ["-"], {}, {}, ["-"]],
    ["FLANNELD_* when the flag is absent", [], { FLANNELD_PORT: "9000", FLANNELD_IP_MASQ: "true", FLANNELD_IFACE: "eth9" }, { port: 9000, masq: true, iface: ["eth9"] }, []],
    ["the command line wins over FLANNELD_*", ["--port", "1"], { FLANNELD_PORT: "9000" }, { port: 1 }, []],
    ["an empty variable counts as unset", [], { FLANNELD_PORT: "" }, {}, []],
    ["a variable the flag does not read is ignored", [], { FLANNELD_FORWARD: "false", FLANNELD_COMBINED_KEY: "nope" }, {}, []],
  ];
  it.each(cases)("%s", (_name, argv, env, values, positionals) => {
    expect(parseCommandLine(spec, argv, env)).toEqual(ok({ help: false, values: { ...defaults, ...values }, positionals }));
  });

  it.each([["--help"], ["-h"], ["-help"], ["--port", "0", "--help"], ["--bogus", "-h"]])("%j asks for the help, whatever else is wrong", (...argv) => {
    expect(parseCommandLine(spec, argv, {})).toEqual(ok({ help: true }));
  });

  it("-h as a flag's value is the value, not the help", () => {
    expect(parseCommandLine(spec, ["--iface", "-h"], {})._unsafeUnwrap()).toMatchObject({ help: false, values: { iface: ["-h"] } });
  });

  const errors: ReadonlyArray<readonly [string, readonly string[], Record<string, string>, object]> = [
    ["an unknown long flag", ["--prot", "1"], {}, { kind: "unknown-flag", flag: "--prot", message: 'unknown flag "--prot"; run flannel-ts toy --help for the list' }],
    ["an unknown flag with a value", ["--prot=1"], {}, { kind: "unknown-flag", flag: "--prot", message: 'unknown flag "--prot"; run flannel-ts toy --help for the list' }],
    ["an unknown short flag in a cluster", ["-mx"], {}, { kind: "unknown-flag", flag: "-x", message: 'unknown flag "-x" in "-mx"; run flannel-ts toy --help for the list' }],
    ["a missing value", ["--port"], {}, { kind: "missing-value", flag: "--port", message: "flag --port needs a value" }],
    ["a missing short value", ["-k"], {}, { kind: "missing-value", flag: "-k", message: "flag -k (--combined-key) needs a value" }],
    ["a bad value", ["--port", "0"], {}, { kind: "bad-value", flag: "--port", message: '--port: "0" is not a port (1 to 65535)' }],
    ["a bad value from a variable", [], { FLANNELD_PORT: "http" }, {
      kind: "bad-value",
      flag: "--port",
      variable: "FLANNELD_PORT",
      message: 'FLANNELD_PORT (for --port): "http" is not a port (1 to 65535)',
    }],
    ["a bad boolean", ["--forward=maybe"], {}, { kind: "bad-value", flag: "--forward", message: '--forward: "maybe" is not a boolean (use true or false)' }],
    ["too many positionals", ["a", "b"], {}, { kind: "unexpected-argument", message: 'unexpected argument "b": give one FILE' }],
    ["control characters are escaped", ["--port", "1\n2\u0000"], {}, { kind: "bad-value", flag: "--port", message: '--port: "1\\n2\\u0000" is not a port (1 to 65535)' }],
    ["a long value is cut", ["--port", "9".repeat(1000)], {}, {
      kind: "bad-value",
      flag: "--port",
      message: `--port: "${"9".repeat(60)}…" (1000 characters) is not a port (1 to 65535)`,
    }],
    ["the value of an unknown flag is not echoed", ["--passwrd=hunter2"], {}, {
      kind: "unknown-flag",
      flag: "--passwrd",
      message: 'unknown flag "--passwrd"; run flannel-ts toy --help for the list',
    }],
  ];
  it.each(errors)("refuses %s", (_name, argv, env, expected) => {
    expect(parseCommandLine(spec, argv, env)).toEqual(err(expected));
  });

  it("never quotes a secret back", () => {
    const secret = defineSpec({ name: "toy", synopsis: "", description: "", flags: { pw: optionalFlag("password", { type: flagTypes.shellName, help: "", secret: true }) } });
    expect(parseCommandLine(secret, ["--password", "hunter-2"], {})).toEqual(
      err({
        kind: "bad-value",
        flag: "--password",
        message: "--password: the value given is not a shell variable name (letters, digits and _, not starting with a digit, at most 255)",
      }),
    );
  });

  it("wants a required flag, naming its variable", () => {
    const required = defineSpec({
      name: "toy",
      synopsis: "",
      description: "",
      flags: { ip: requiredFlag("public-ip", { type: flagTypes.unicastIp4, help: "this host's address", env: true }) },
    });
    expect(parseCommandLine(required, [], {})).toEqual(
      err({ kind: "missing-flag", flag: "--public-ip", message: "--public-ip (or FLANNELD_PUBLIC_IP) is required: this host's address" }),
    );
    expect(parseCommandLine(required, [], { FLANNELD_PUBLIC_IP: "192.0.2.1" }).isOk()).toBe(true);
  });

  it("runs the spec's own check after every flag", () => {
    const checked = defineSpec({ ...spec, check: (v) => (v.port === 1 ? err({ kind: "conflict", flag: "--port", message: "port 1 is taken" }) : ok(undefined)) });
    expect(parseCommandLine(checked, ["--port", "1"], {})).toEqual(err({ kind: "conflict", flag: "--port", message: "port 1 is taken" }));
    expect(parseCommandLine(checked, ["--port", "2"], {}).isOk()).toBe(true);
  });

  it("never throws, and every error is one line, on any arguments and environment of every command", async () => {
    const specs = await Promise.all(COMMANDS.flatMap((c) => (c.spec === undefined ? [] : [c.spec()])));
    const arg = fc.oneof(
      fc.string(),
      fc.constantFrom("--", "-", "-h", "--json", "--etcd-endpoints", "--mtu", "--route", "-k", "-ic", "--docker-config"),
      fc.string().map((s) => `--${s}`),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...specs),
        fc.array(arg, { maxLength: 8 }),
        fc.dictionary(fc.constantFrom("FLANNELD_ETCD_ENDPOINTS", "FLANNELD_PUBLIC_IP", "FLANNELD_IP_MASQ", "FLANNELD_SUBNET_FILE", "DOCKER_HOST"), fc.string()),
        (s, argv, env) => {
          const line = parseCommandLine(s, argv, env);
          if (line.isErr()) expect(line.error.message).not.toMatch(/[\n\r]/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("wantsJson", () => {
  it.each([
    [["--json"], true],
    [["-json"], true],
    [["--json=true"], true],
    [["--json=false"], false],
    [["--json", "--json=0"], false],
    [["--", "--json"], false],
    [["--jsonx"], false],
    [[], false],
  ])("%j -> %s", (argv, expected) => {
    expect(wantsJson(argv)).toBe(expected);
  });
});
