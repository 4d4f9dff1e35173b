import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dockerdArgsWithout, dockerdFlagString, parseDockerdArgs } from "./dockerd-args.ts";

const parse = (argv: string[], version: "20.10" | "26" = "26") => parseDockerdArgs(argv, version)._unsafeUnwrap();
const shown = (argv: string[], name: string, version: "20.10" | "26" = "26"): string => dockerdFlagString(parse(argv, version).items.filter((i) => i.flag.name === name));

describe("parseDockerdArgs", () => {
  it("reads pflag's forms", () => {
    const args = parse(["-H", "fd://", "--containerd=/run/containerd/containerd.sock", "-Dl", "debug", "--bip", "10.5.52.1/24", "--iptables=false", "-Hunix:///x.sock"]);
    expect(args.items.map((i) => [i.flag.name, i.value, i.words])).toEqual([
      ["host", "fd://", ["-H", "fd://"]],
      ["containerd", "/run/containerd/containerd.sock", ["--containerd=/run/containerd/containerd.sock"]],
      ["debug", "true", ["-D"]],
      ["log-level", "debug", ["-l", "debug"]],
      ["bip", "10.5.52.1/24", ["--bip", "10.5.52.1/24"]],
      ["iptables", "false", ["--iptables=false"]],
      ["host", "unix:///x.sock", ["-Hunix:///x.sock"]],
    ]);
  });

  it.each([
    [["--foo"], "unknown flag: --foo"],
    [["-x"], "unknown shorthand flag: 'x' in -x"],
    [["--bip"], "flag needs an argument: --bip"],
    [["-H"], "flag needs an argument: 'H' in -H"],
    [["--mtu=big"], 'invalid argument "big" for "--mtu" flag: strconv.ParseInt: parsing "big": invalid syntax'],
    [["--debug=yes"], 'invalid argument "yes" for "--debug" flag: strconv.ParseBool: parsing "yes": invalid syntax'],
    [["start"], 'dockerd takes no arguments, found "start"'],
    [["--graph=/x"], "unknown flag: --graph"],
  ])("refuses %j: %s", (argv, message) => {
    expect(parseDockerdArgs(argv, "26")._unsafeUnwrapErr()).toMatchObject({ kind: "dockerd-args", message });
  });

  it("knows each release's flags", () => {
    expect(parseDockerdArgs(["-g", "/x"], "20.10").isOk()).toBe(true);
    expect(parseDockerdArgs(["--validate"], "20.10").isErr()).toBe(true);
  });
});

// Values as dockerd 20.10.24 and 26.1.5 printed them in their conflict messages.
describe("dockerdFlagString prints what dockerd prints", () => {
  it.each([
    [["-H", "fd://"], "host", "[fd://]"],
    [["-H", "fd://", "-H", "tcp://127.0.0.1:2375"], "host", "[fd:// tcp://127.0.0.1:2375]"],
    [["--bip=10.1.0.1/24"], "bip", "10.1.0.1/24"],
    [["--mtu", "1400"], "mtu", "1400"],
    [["--ip-masq=true"], "ip-masq", "true"],
    [["-D"], "debug", "true"],
    [["--tls=false"], "tls", "false"],
    [["--log-opt", "b=2", "--log-opt", "a=1"], "log-opt", "map[a:1 b:2]"],
    [["--default-address-pool", "base=10.20.0.0/16,size=24", "--default-address-pool", "base=10.30.0.0/16,size=20"], "default-address-pool", "10.20.0.0/16 24, 10.30.0.0/16 20"],
    [["--default-ulimit", "nofile=1024:2048", "--default-ulimit", "nproc=10"], "default-ulimit", "[nofile=1024:2048 nproc=10:10]"],
    [["--dns", "8.8.8.8", "--dns", "9.9.9.9"], "dns", "[8.8.8.8,9.9.9.9]"],
    [["--default-shm-size", "128M"], "default-shm-size", "128MiB"],
    [["--default-gateway", "10.1.0.1"], "default-gateway", "10.1.0.1"],
    [["--max-concurrent-downloads=7"], "max-concurrent-downloads", "7"],
  ])("%j", (argv, name, expected) => {
    expect(shown(argv, name)).toBe(expected);
  });

  it("dockerd 20.10 prints --dns with blanks", () => {
    expect(shown(["--dns", "8.8.8.8", "--dns", "9.9.9.9"], "dns", "20.10")).toBe("[8.8.8.8 9.9.9.9]");
  });
});

describe("dockerdArgsWithout", () => {
  it("drops every occurrence of the flags for the given keys, splitting groups", () => {
    const args = parse(["-H", "fd://", "--containerd=/run/containerd/containerd.sock", "-DH", "tcp://x:2375", "--mtu=1450"]);
    expect(dockerdArgsWithout(args, new Set(["hosts", "mtu"]))).toEqual(["--containerd=/run/containerd/containerd.sock", "-D"]);
  });
});

describe("hostile command lines", () => {
  it("never throw, and the words of the parsed flags read back to the same flags", () => {
    const word = fc.oneof(
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.constantFrom(
        "-H",
        "--host",
        "fd://",
        "--bip",
        "--bip=10.5.52.1/24",
        "--mtu",
        "1472",
        "--mtu=x",
        "-D",
        "-DH",
        "--",
        "-",
        "--log-opt",
        "max-size=1m",
        "--default-ulimit",
        "nofile=1:2",
        "--iptables=false",
      ),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), fc.constantFrom("20.10" as const, "26" as const), (argv, version) => {
        const parsed = parseDockerdArgs(argv, version);
        const flags = (argv: readonly string[]) => parseDockerdArgs(argv, version).map((a) => a.items.map((i) => [i.flag.name, i.value]));
        if (parsed.isOk()) expect(flags(dockerdArgsWithout(parsed.value, new Set()))).toEqual(flags(argv));
        else expect(parsed.error.message.length).toBeLessThan(2_000);
      }),
      { numRuns: 3000 },
    );
  });
});
