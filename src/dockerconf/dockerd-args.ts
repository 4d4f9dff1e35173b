/**
 * dockerd's command line: which flags are set and the value each prints in
 * dockerd's "specified both as a flag and in the configuration file"
 * message, parsed as pflag (dockerd's flag library) parses it.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { quoteExcerpt } from "../text/quote-excerpt.ts";
import { formatIp, parseIp } from "../subnet/ip.ts";
import { type DockerdFlag, dockerdFlags, type DockerdVersion } from "./dockerd-flags.ts";

/** One flag on the command line, with the arguments it was written as. */
export interface DockerdArgItem {
  readonly flag: DockerdFlag;
  /** The value (`"true"` for a bool flag given without one). */
  readonly value: string;
  /** The command-line words of this flag (a flag from a group such as `-Dl` is written alone). */
  readonly words: readonly string[];
  /** The indices in `argv` of the words it came from (shared by the flags of a group). */
  readonly indices: readonly number[];
}

/** A parsed dockerd command line. */
export interface DockerdArgs {
  readonly version: DockerdVersion;
  /** The words after the program name. */
  readonly argv: readonly string[];
  /** The flags in command-line order. */
  readonly items: readonly DockerdArgItem[];
}

/** Why a command line is not one dockerd accepts, in pflag's words. */
export interface DockerdArgsError {
  readonly kind: "dockerd-args";
  /** The offending word and its index in `argv`. */
  readonly arg: string;
  readonly index: number;
  readonly message: string;
}

const parseGoBool = (s: string): boolean | undefined =>
  ["1", "t", "T", "TRUE", "true", "True"].includes(s) ? true : ["0", "f", "F", "FALSE", "false", "False"].includes(s) ? false : undefined;

const parseGoInt = (s: string): bigint | undefined => {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return undefined;
  const body = m[2] ?? "";
  const value = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  return m[1] === "-" ? -value : value;
};

function checkValue(flag: DockerdFlag, value: string, shown: string): string | undefined {
  const bad = (why: string): string => `invalid argument ${quoteExcerpt(value)} for ${quoteExcerpt(shown)} flag: ${why}`;
  switch (flag.kind) {
    case "bool":
      return parseGoBool(value) === undefined ? bad(`strconv.ParseBool: parsing ${quoteExcerpt(value)}: invalid syntax`) : undefined;
    case "int":
      return parseGoInt(value) === undefined ? bad(`strconv.ParseInt: parsing ${quoteExcerpt(value)}: invalid syntax`) : undefined;
    case "ip":
      return parseIp(value).isErr() ? bad(`${value} is not an ip address`) : undefined;
    default:
      return undefined;
  }
}

/**
 * Parses dockerd's arguments (without the program name) as pflag does:
 * `--name=value`, `--name value`, `--bool`, `--bool=false`, `-H value`,
 * `-Hvalue`, groups of one-letter flags (`-Dl debug`), `--` to end flags.
 *
 * @param argv the words after `dockerd`
 * @param version whose flags to know (default "26")
 * @returns the flags, or a {@link DockerdArgsError} such as `unknown flag: --foo`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseDockerdArgs } from "flannel-ts/dockerconf";
 * const args = parseDockerdArgs(["-H", "fd://", "--containerd=/run/containerd/containerd.sock"]);
 * assert.deepEqual(args.map((a) => a.items.map((i) => i.flag.key)), ok(["hosts", "containerd"]));
 * ```
 */
export function parseDockerdArgs(argv: readonly string[], version: DockerdVersion = "26"): Result<DockerdArgs, DockerdArgsError> {
  const flags = dockerdFlags(version);
  const byName = new Map(flags.map((fl) => [fl.name, fl]));
  const byShort = new Map(flags.filter((fl) => fl.short !== undefined).map((fl) => [fl.short ?? "", fl]));
  const items: DockerdArgItem[] = [];
  const fail = (index: number, message: string): Result<DockerdArgs, DockerdArgsError> => err({ kind: "dockerd-args", arg: argv[index] ?? "", index, message });
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? "";
    if (word === "--") {
      if (i + 1 < argv.length) return fail(i + 1, `dockerd takes no arguments, found ${quoteExcerpt(argv[i + 1] ?? "")}`);
      break;
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const flag = byName.get(name);
      if (flag === undefined) return fail(i, `unknown flag: --${name}`);
      let value: string;
      let words = [word];
      const indices = [i];
      if (eq >= 0) value = word.slice(eq + 1);
      else if (flag.kind === "bool") value = "true";
      else {
        const next = argv[i + 1];
        if (next === undefined) return fail(i, `flag needs an argument: --${name}`);
        value = next;
        words = [word, next];
        i++;
        indices.push(i);
      }
      const problem = checkValue(flag, value, `--${name}`);
      if (problem !== undefined) return fail(i, problem);
      items.push({ flag, value, words, indices });
      continue;
    }
    if (word.startsWith("-") && word.length > 1) {
      const group = word.slice(1);
      const at = i;
      const single = group.length === 1 || (group.length > 1 && byShort.get(group[0] ?? "")?.kind !== "bool") || group[1] === "=";
      for (let k = 0; k < group.length; k++) {
        const letter = group[k] ?? "";
        const flag = byShort.get(letter);
        if (flag === undefined) return fail(i, `unknown shorthand flag: '${letter}' in ${word}`);
        const rest = group.slice(k + 1);
        let value: string;
        let words: string[];
        const indices = [at];
        if (rest.startsWith("=")) {
          value = rest.slice(1);
          words = single ? [word] : [`-${letter}=${value}`];
          k = group.length;
        } else if (flag.kind === "bool") {
          value = "true";
          words = single ? [word] : [`-${letter}`];
        } else if (rest !== "") {
          value = rest;
          words = single ? [word] : [`-${letter}${rest}`];
          k = group.length;
        } else {
          const next = argv[i + 1];
          if (next === undefined) return fail(i, `flag needs an argument: '${letter}' in -${letter}`);
          value = next;
          words = single ? [word, next] : [`-${letter}`, next];
          i++;
          indices.push(i);
        }
        const problem = checkValue(flag, value, `-${letter}, --${flag.name}`);
        if (problem !== undefined) return fail(i, problem);
        items.push({ flag, value, words, indices });
      }
      continue;
    }
    return fail(i, `dockerd takes no arguments, found ${quoteExcerpt(word)}`);
  }
  return ok({ version, argv: [...argv], items });
}

const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

function bytesString(text: string): string {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (m === null) return text;
  const power = m[2] === undefined ? 0 : "kmgtp".indexOf(m[2].toLowerCase()) + 1;
  let size = Number.parseFloat(m[1] ?? "0") * 1024 ** power;
  let unit = 0;
  while (size >= 1024 && unit < SIZE_UNITS.length - 1) {
    size /= 1024;
    unit++;
  }
  const shown = Number(size.toPrecision(4)).toString();
  return `${shown}${SIZE_UNITS[unit]}`;
}

/**
 * The value dockerd prints for a flag in its conflict message (pflag's
 * `Value.String()` after every occurrence was applied).
 *
 * @param items the occurrences of one flag, in command-line order
 * @returns e.g. `[fd://]` for `-H fd://`, `1450` for `--mtu 1450`
 */
export function dockerdFlagString(items: readonly DockerdArgItem[]): string {
  const first = items[0];
  if (first === undefined) return "";
  const values = items.map((item) => item.value);
  const last = values[values.length - 1] ?? "";
  switch (first.flag.kind) {
    case "bool":
      return String(parseGoBool(last) ?? false);
    case "int":
      return String(parseGoInt(last) ?? 0n);
    case "ip": {
      const ip = parseIp(last);
      return ip.isOk() ? formatIp(ip.value) : last;
    }
    case "string":
      return last;
    case "list":
      return `[${values.join(" ")}]`;
    case "ip-list":
      return `[${values.join(",")}]`;
    case "map": {
      const map = new Map<string, string>();
      for (const v of values) {
        const eq = v.indexOf("=");
        map.set(eq < 0 ? v : v.slice(0, eq), eq < 0 ? "" : v.slice(eq + 1));
      }
      const keys = [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `map[${keys.map((k) => `${k}:${map.get(k) ?? ""}`).join(" ")}]`;
    }
    case "pools":
      return values
        .map((v) => {
          const fields = new Map(v.split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
          return `${fields.get("base") ?? ""} ${fields.get("size") ?? ""}`;
        })
        .join(", ");
    case "ulimits": {
      const limits = new Map<string, string>();
      for (const v of values) {
        const [name = "", range = ""] = v.split("=");
        const [soft = "", hard = soft] = range.split(":");
        limits.set(name, `${name}=${soft}:${hard}`);
      }
      return `[${[...limits.values()].join(" ")}]`;
    }
    case "bytes":
      return bytesString(last);
    case "opaque":
      return values.join(" ");
  }
}

/**
 * The command line without some flags, for a fixed ExecStart.
 *
 * @param args a parsed command line
 * @param keys daemon.json keys whose flags to drop (e.g. `hosts` drops every `-H`)
 * @returns the remaining words
 */
export function dockerdArgsWithout(args: DockerdArgs, keys: ReadonlySet<string>): string[] {
  return args.items.filter((item) => !keys.has(item.flag.key)).flatMap((item) => item.words);
}
