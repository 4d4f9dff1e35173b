/**
 * `flannel-ts docker-config`, declared: flags, help, and the checks of
 * flag combinations and DOCKER_HOST made before anything is read or written.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { DEFAULT_DAEMON_JSON } from "../../core/defaults.ts";
import { splitUnitWords } from "../../dockerconf/systemd-unit.ts";
import { parseCidr4 } from "../../subnet/cidr.ts";
import type { AddressPool } from "../../subnet/docker-address-pools.ts";
import { defineSpec } from "../command-spec.ts";
import { boolFlag, type FlagError, type FlagType, listFlag, optionalFlag, valueFlag, withFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { quoteExcerpt } from "../../text/quote-excerpt.ts";
import { jsonFlag, subnetFileFlag } from "../shared-flags.ts";

const addressPool: FlagType<AddressPool> = {
  placeholder: "base=CIDR,size=N",
  parse: (text) => {
    const fields = new Map(text.split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
    const base = parseCidr4(fields.get("base") ?? "");
    const sizeText = fields.get("size") ?? "";
    const size = /^[0-9]{1,2}$/.test(sizeText) ? Number(sizeText) : NaN;
    if (base.isErr() || !Number.isInteger(size) || size < base.value.prefix || size > 32 || fields.size !== 2) {
      return err("is not base=CIDR,size=N with N from the base's length to 32 (e.g. base=192.168.0.0/16,size=24)");
    }
    return ok({ base: base.value, size });
  },
};

const commandWords: FlagType<readonly string[]> = {
  placeholder: '"..."',
  parse: (text) => splitUnitWords(text).mapErr((reason) => `cannot be split into words (${reason})`),
};

/** Where --verify reaches dockerd: DOCKER_HOST as the docker client reads it (unix:// or tcp://). */
export type DockerHost = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** The socket dockerd listens on when DOCKER_HOST is not set. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * Reads DOCKER_HOST (unset or empty: dockerd's default socket).
 *
 * @param value the variable's value
 * @returns where dockerd is, or why the value cannot be used (exit 2)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "neverthrow";
 * import { parseDockerHost } from "./docker-config.ts";
 * const at = parseDockerHost("tcp://10.0.0.5:2375");
 * assert.deepEqual(at, ok({ host: "10.0.0.5", port: 2375 }));
 * ```
 */
export function parseDockerHost(value: string | undefined): Result<DockerHost, FlagError> {
  const text = value === undefined || value === "" ? DEFAULT_DOCKER_HOST : value;
  const bad = (reason: string): Result<DockerHost, FlagError> =>
    err({ kind: "bad-value", flag: "--verify", variable: "DOCKER_HOST", message: `DOCKER_HOST (for --verify): ${quoteExcerpt(text)} ${reason}` });
  if (text.startsWith("unix://")) {
    const socketPath = text.slice("unix://".length);
    if (!socketPath.startsWith("/") || socketPath.includes("\u0000")) return bad("is not unix:// followed by an absolute path");
    return ok({ socketPath });
  }
  if (!text.startsWith("tcp://")) return bad("is neither unix:///path nor tcp://host:port (the only ones --verify talks to)");
  let url: URL;
  try {
    url = new URL(`http://${text.slice("tcp://".length)}`);
  } catch {
    return bad("is not tcp://host:port");
  }
  if (url.hostname === "" || url.username !== "" || url.password !== "" || (url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    return bad("is not tcp://host:port");
  }
  const port = url.port === "" ? 2375 : Number(url.port);
  return ok({ host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port });
}

/** How much of a path a message shows (paths are read in full; a cut one is hard to find). */
const PATH_MAX_SHOWN = 400;

/** The spec of `flannel-ts docker-config`. */
export const dockerConfigSpec = defineSpec({
  name: "docker-config",
  synopsis: '[--subnet-file F] [--daemon-json F] [--dockerd-args "..."] [--dry-run] [--json]',
  description: `Merge the lease's bip and mtu (from flanneld's subnet.env) into Docker's
daemon.json, keeping everything else in the file. The result is checked with
dockerd's rules before anything is written: on any error the file is left
untouched and the exit status is 1. Every input (flags, DOCKER_HOST for
--verify, subnet.env, the unit files) is checked before daemon.json is written.`,
  flags: {
    subnetFile: subnetFileFlag,
    daemonJson: valueFlag("daemon-json", { type: flagTypes.path, default: DEFAULT_DAEMON_JSON, help: "Docker's daemon.json (a regular file of at most 4 MiB, or absent)" }),
    dockerdArgs: optionalFlag("dockerd-args", {
      type: commandWords,
      help: "dockerd's command line, to find directives set both as a flag and in the file",
      defaultText: "read from the systemd unit",
    }),
    systemdUnit: optionalFlag("systemd-unit", {
      type: flagTypes.path,
      placeholder: "UNIT",
      help: 'the unit to read dockerd\'s ExecStart from, with its drop-ins and environment files; "none" to skip',
      defaultText: "docker.service when it exists",
    }),
    systemdRoot: valueFlag("systemd-root", { type: flagTypes.path, placeholder: "DIR", default: "/", help: "read unit files under DIR instead of /" }),
    dockerdVersion: optionalFlag("dockerd-version", {
      type: flagTypes.choice(["20.10", "26"] as const),
      help: "whose rules",
      defaultText: "from dockerd --version, 26 when there is no dockerd",
    }),
    ipMasq: boolFlag("ip-masq", { help: "also set ip-masq (the inverse of FLANNEL_IPMASQ)" }),
    fixedCidr: boolFlag("fixed-cidr", { help: "also set fixed-cidr to the leased subnet" }),
    defaultAddressPool: listFlag("default-address-pool", { type: addressPool, help: "also set default-address-pools (repeatable)" }),
    allowFindings: boolFlag("allow-findings", { help: "write even with error-level security findings (an API socket on TCP without TLS); they are still reported" }),
    backup: optionalFlag("backup", { type: flagTypes.path, help: "keep the previous file here (not the file itself)", defaultText: "<daemon-json>.flannel-ts.bak" }),
    noBackup: boolFlag("no-backup", { help: "keep no copy of the previous file" }),
    dryRun: boolFlag("dry-run", { help: "print the unified diff and the issues; write nothing" }),
    verify: boolFlag("verify", {
      help:
        "check the running dockerd (Engine API at DOCKER_HOST, unix:// or tcp://, default /var/run/docker.sock): the default bridge must have the lease's subnet, gateway and MTU",
    }),
    json: withFlag(jsonFlag, { help: "print one JSON report on stdout; errors and warnings as JSON too, one object per line on stderr" }),
  },
  footer: `After a write, restart dockerd (systemctl restart docker), then run again with
--verify.`,
  check: (values, _positionals, env) => {
    if (values.backup !== undefined && values.noBackup) return err({ kind: "conflict", flag: "--backup", message: "--backup and --no-backup exclude each other" });
    if (values.backup !== undefined && normalize(values.backup) === normalize(values.daemonJson)) {
      return err({
        kind: "conflict",
        flag: "--backup",
        message: `--backup ${quoteExcerpt(values.backup, { max: PATH_MAX_SHOWN })} is --daemon-json itself: the backup would replace the file it keeps`,
      });
    }
    if (values.verify) return parseDockerHost(env["DOCKER_HOST"]).map(() => undefined);
    return ok(undefined);
  },
});

// Lexically: a/./b, a//b and a/b are one file; the write checks again after resolving links.
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(part);
  }
  return `${path.startsWith("/") ? "/" : ""}${parts.join("/")}`;
}
