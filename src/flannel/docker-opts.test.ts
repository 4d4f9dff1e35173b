// Expected outputs written by hand from reading flannel's dist/mk-docker-opts.sh
// (the POSIX sh version with `set | grep "DOCKER_OPT_"`): each option var is
// printed as NAME="value", sorted by name (the shell's `set` order); the
// combined var starts with its earlier value plus one space when that value
// is non-empty, then gets " value" per option; FLANNEL_IPMASQ=true gives
// --ip-masq=false and the reverse; -m drops --ip-masq; neither -i nor -c
// means both.
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { type DockerOptsOptions, mkDockerOpts } from "./docker-opts.ts";

const lease = { FLANNEL_NETWORK: "10.5.0.0/16", FLANNEL_SUBNET: "10.5.52.1/24", FLANNEL_MTU: "1472", FLANNEL_IPMASQ: "true" };
const noMasq = { ...lease, FLANNEL_IPMASQ: "false" };

const BIP = 'DOCKER_OPT_BIP="--bip=10.5.52.1/24"\n';
const MASQ_OFF = 'DOCKER_OPT_IPMASQ="--ip-masq=false"\n';
const MASQ_ON = 'DOCKER_OPT_IPMASQ="--ip-masq=true"\n';
const MTU = 'DOCKER_OPT_MTU="--mtu=1472"\n';

type Flags = Omit<DockerOptsOptions, "variables">;

// [flags, variables, expected file]
const table: ReadonlyArray<readonly [string, Flags, Record<string, string>, string]> = [
  // every combination of -i, -c, -m with the default key, FLANNEL_IPMASQ=true
  ["(none)", {}, lease, `${BIP}${MASQ_OFF}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n`],
  ["-i", { individual: true }, lease, `${BIP}${MASQ_OFF}${MTU}`],
  ["-c", { combined: true }, lease, 'DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n'],
  ["-i -c", { individual: true, combined: true }, lease, `${BIP}${MASQ_OFF}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n`],
  ["-m", { ipMasq: false }, lease, `${BIP}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n`],
  ["-i -m", { individual: true, ipMasq: false }, lease, `${BIP}${MTU}`],
  ["-c -m", { combined: true, ipMasq: false }, lease, 'DOCKER_OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n'],
  ["-i -c -m", { individual: true, combined: true, ipMasq: false }, lease, `${BIP}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n`],
  // the same with -k
  ["-k OPTS", { combinedKey: "OPTS" }, lease, `${BIP}${MASQ_OFF}${MTU}OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n`],
  ["-i -k OPTS", { individual: true, combinedKey: "OPTS" }, lease, `${BIP}${MASQ_OFF}${MTU}`],
  ["-c -k OPTS", { combined: true, combinedKey: "OPTS" }, lease, 'OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n'],
  ["-i -c -k OPTS", { individual: true, combined: true, combinedKey: "OPTS" }, lease, `${BIP}${MASQ_OFF}${MTU}OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n`],
  ["-m -k OPTS", { ipMasq: false, combinedKey: "OPTS" }, lease, `${BIP}${MTU}OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n`],
  ["-i -m -k OPTS", { individual: true, ipMasq: false, combinedKey: "OPTS" }, lease, `${BIP}${MTU}`],
  ["-c -m -k OPTS", { combined: true, ipMasq: false, combinedKey: "OPTS" }, lease, 'OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n'],
  ["-i -c -m -k OPTS", { individual: true, combined: true, ipMasq: false, combinedKey: "OPTS" }, lease, `${BIP}${MTU}OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n`],
  // FLANNEL_IPMASQ=false: Docker masquerades itself
  ["(none), ipmasq false", {}, noMasq, `${BIP}${MASQ_ON}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=true --mtu=1472"\n`],
  ["-i, ipmasq false", { individual: true }, noMasq, `${BIP}${MASQ_ON}${MTU}`],
  ["-c, ipmasq false", { combined: true }, noMasq, 'DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=true --mtu=1472"\n'],
  ["-m, ipmasq false", { ipMasq: false }, noMasq, `${BIP}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n`],
  // the combined variable's earlier value leads, followed by one space, then " opt" each: two spaces
  ["DOCKER_OPTS already set", {}, { ...lease, DOCKER_OPTS: "--debug" }, `${BIP}${MASQ_OFF}${MTU}DOCKER_OPTS="--debug  --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n`],
  [
    "-c, DOCKER_OPTS with blanks",
    { combined: true },
    { ...lease, DOCKER_OPTS: "-H fd:// --debug" },
    'DOCKER_OPTS="-H fd:// --debug  --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n',
  ],
  [
    "-k OPTS ignores DOCKER_OPTS",
    { combined: true, combinedKey: "OPTS" },
    { ...lease, DOCKER_OPTS: "--debug", OPTS: "-D" },
    'OPTS="-D  --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n',
  ],
  ["-k naming a FLANNEL_ variable", { combined: true, combinedKey: "FLANNEL_MTU" }, lease, 'FLANNEL_MTU="1472  --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n'],
  // missing inputs: only what is there
  ["no env file, both", {}, {}, 'DOCKER_OPTS=""\n'],
  ["no env file, -i", { individual: true }, {}, ""],
  ["no env file, -c", { combined: true }, {}, 'DOCKER_OPTS=""\n'],
  ["no MTU", {}, { FLANNEL_SUBNET: "10.5.52.1/24", FLANNEL_IPMASQ: "false" }, `${BIP}${MASQ_ON}DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=true"\n`],
  ["empty values count as unset", {}, { FLANNEL_SUBNET: "", FLANNEL_MTU: "1472", FLANNEL_IPMASQ: "" }, `${MTU}DOCKER_OPTS=" --mtu=1472"\n`],
  ["IPv6 keys are not options", {}, { ...lease, FLANNEL_IPV6_SUBNET: "fc00::1/64" }, `${BIP}${MASQ_OFF}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n`],
  ["-m skips the FLANNEL_IPMASQ check", { ipMasq: false }, { ...lease, FLANNEL_IPMASQ: "yes" }, `${BIP}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n`],
  // other variables the script's `set | grep DOCKER_OPT_` picks up, in `set` order
  [
    "another DOCKER_OPT_ variable",
    {},
    { ...lease, DOCKER_OPT_DEBUG: "--debug" },
    `${BIP}DOCKER_OPT_DEBUG="--debug"\n${MASQ_OFF}${MTU}DOCKER_OPTS=" --bip=10.5.52.1/24 --debug --ip-masq=false --mtu=1472"\n`,
  ],
  ["an earlier DOCKER_OPT_BIP is replaced", { individual: true }, { ...lease, DOCKER_OPT_BIP: "--bip=1.2.3.1/24" }, `${BIP}${MASQ_OFF}${MTU}`],
  [
    "an earlier DOCKER_OPT_BIP stays without FLANNEL_SUBNET",
    { individual: true },
    { FLANNEL_MTU: "1472", DOCKER_OPT_BIP: "--bip=1.2.3.1/24" },
    `DOCKER_OPT_BIP="--bip=1.2.3.1/24"\n${MTU}`,
  ],
  [
    "-m keeps an earlier DOCKER_OPT_IPMASQ",
    { ipMasq: false, combined: true },
    { ...lease, DOCKER_OPT_IPMASQ: "--ip-masq=true" },
    'DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=true --mtu=1472"\n',
  ],
  ["an empty DOCKER_OPT_ variable", {}, { FLANNEL_MTU: "1472", DOCKER_OPT_A: "" }, `DOCKER_OPT_A=""\n${MTU}DOCKER_OPTS="  --mtu=1472"\n`],
  ["a name containing DOCKER_OPT_", {}, { FLANNEL_MTU: "1472", MY_DOCKER_OPT_X: "1" }, `${MTU}MY_DOCKER_OPT_X="1"\nDOCKER_OPTS=" --mtu=1472 1"\n`],
  ["a value containing DOCKER_OPT_", { individual: true }, { FLANNEL_MTU: "1472", NOTE: "DOCKER_OPT_X" }, `${MTU}NOTE="DOCKER_OPT_X"\n`],
  ["lower case sorts after upper case", { individual: true }, { FLANNEL_MTU: "1472", DOCKER_OPT_a: "a", DOCKER_OPT_Z: "z" }, `${MTU}DOCKER_OPT_Z="z"\nDOCKER_OPT_a="a"\n`],
  ["names a shell would not import are ignored", { individual: true }, { FLANNEL_MTU: "1472", "DOCKER_OPT_X-Y": "1" }, MTU],
];

describe("mkDockerOpts writes what mk-docker-opts.sh writes", () => {
  it.each(table)("%s", (_name, flags, variables, expected) => {
    expect(mkDockerOpts({ ...flags, variables })).toEqual(ok(expected));
  });

  it("refuses an invalid FLANNEL_IPMASQ with the script's message", () => {
    expect(mkDockerOpts({ variables: { ...lease, FLANNEL_IPMASQ: "yes" } })).toEqual(
      err({ kind: "invalid-ipmasq", value: "yes", message: "Invalid value of FLANNEL_IPMASQ: yes" }),
    );
    expect(mkDockerOpts({ individual: true, variables: { ...lease, FLANNEL_IPMASQ: "True" } })).toEqual(
      err({ kind: "invalid-ipmasq", value: "True", message: "Invalid value of FLANNEL_IPMASQ: True" }),
    );
  });

  it.each([
    ["FOO-BAR", "not a shell name"],
    ["", "empty"],
    ["DOCKER_OPT_ALL", "the script would list itself"],
    ["ipmasq", "one of the script's own variables"],
  ])("refuses -k %j (%s)", (key) => {
    expect(mkDockerOpts({ combinedKey: key, variables: lease })._unsafeUnwrapErr()).toMatchObject({ kind: "invalid-key", value: key });
  });

  it.each([
    ["a blank", { DOCKER_OPT_X: "--label a b" }, "DOCKER_OPT_X"],
    ["a quote", { DOCKER_OPT_X: "--label='a'" }, "DOCKER_OPT_X"],
    ["a glob", { DOCKER_OPT_X: "--x=*" }, "DOCKER_OPT_X"],
    ["a dollar", { DOCKER_OPT_X: "$HOME" }, "DOCKER_OPT_X"],
    ["an echo option", { DOCKER_OPT_X: "-n" }, "DOCKER_OPT_X"],
    ["a subnet with a blank", { FLANNEL_SUBNET: "10.5.52.1/24 x" }, "DOCKER_OPT_BIP"],
    ["a backslash in the combined seed", { DOCKER_OPTS: "a\\tb" }, "DOCKER_OPTS"],
    ["DOCKER_OPT_ in the combined seed", { DOCKER_OPTS: "DOCKER_OPT_X" }, "DOCKER_OPTS"],
    ["a script variable", { OPT_NAME: "DOCKER_OPT_X" }, "OPT_NAME"],
  ])("refuses a value with %s rather than guess the shell's output", (_name, extra, name) => {
    expect(mkDockerOpts({ variables: { ...lease, ...extra } })._unsafeUnwrapErr()).toMatchObject({ kind: "unsupported", name });
  });

  it("refuses -f/-d paths the script would list among the options", () => {
    expect(mkDockerOpts({ variables: lease, outputFile: "/tmp/DOCKER_OPT_x" })._unsafeUnwrapErr()).toMatchObject({ kind: "unsupported", name: "-d" });
    expect(mkDockerOpts({ variables: lease, envFile: "/tmp/DOCKER_OPT_x" })._unsafeUnwrapErr()).toMatchObject({ kind: "unsupported", name: "-f" });
  });
});
