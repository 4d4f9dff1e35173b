/**
 * Reading a service's command line from its systemd unit and drop-ins, as
 * systemd does: drop-ins apply after the unit in file-name order, an empty
 * `ExecStart=` clears the commands set before it, `Environment=` and
 * `EnvironmentFile=` provide `$VAR` (split into words) and `${VAR}` (one
 * word), `$$` is a dollar. Pure: the caller reads the files.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { quoteExcerpt } from "../text/quote-excerpt.ts";

/** A unit file or drop-in and its text. */
export interface UnitFile {
  readonly path: string;
  readonly text: string;
}

/** An assignment of a unit file, with where it is. */
export interface UnitSetting {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly path: string;
  readonly line: number;
}

/** What a service will run, after the unit and its drop-ins were applied. */
export interface ServiceExec {
  /** The `ExecStart=` command lines left after resets (a non-oneshot service must have exactly one). */
  readonly execStart: readonly UnitSetting[];
  /** `Environment=` assignments, in order. */
  readonly environment: Readonly<Record<string, string>>;
  /** `EnvironmentFile=` paths in order; `optional` for a `-` prefix. */
  readonly environmentFiles: readonly { readonly path: string; readonly optional: boolean }[];
  /** `Type=` (default `simple`). */
  readonly type: string;
}

/** Why a unit cannot be read or its command line not be worked out. */
export interface SystemdUnitError {
  readonly kind: "systemd-unit";
  readonly path?: string;
  readonly line?: number;
  readonly message: string;
}

/** One word of a command line, with the variable it came from when it came from one. */
export interface ExecWord {
  readonly word: string;
  /** `$NAME` or `${NAME}` when the word is (or contains) a variable's value. */
  readonly fromVariable?: string;
}

/** One word of an `ExecStart=` line as written (after unquoting), and how many arguments it gave. */
export interface ExecSource {
  readonly raw: string;
  /** True when it refers to a variable (`$NAME` or `${NAME}`), which was expanded. */
  readonly variable: boolean;
  /** The number of arguments it became (`$NAME` of an empty variable: 0). */
  readonly count: number;
}

/** A service's command line: the program and its arguments. */
export interface ExecCommand {
  readonly path: string;
  readonly argv0: string;
  readonly args: readonly ExecWord[];
  /** The line's words after the program, aligned with `args` (for rewriting the line). */
  readonly sources: readonly ExecSource[];
  /** The `ExecStart=` it came from. */
  readonly setting: UnitSetting;
}

/**
 * Reads the assignments of a unit file: sections, `Key=Value`, `#` and `;`
 * comments, a trailing backslash joining the next line.
 *
 * @param file the file
 * @returns the assignments in order, or an error naming the line
 */
export function parseUnitFile(file: UnitFile): Result<UnitSetting[], SystemdUnitError> {
  const lines = file.text.replace(/\r\n/g, "\n").split("\n");
  const settings: UnitSetting[] = [];
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    const first = (lines[i] ?? "").trim();
    if (first === "" || first.startsWith("#") || first.startsWith(";")) continue;
    // The pieces are joined once at the end: joining as they come is quadratic on long continuations.
    const parts = [first];
    while ((parts[parts.length - 1] ?? "").endsWith("\\") && i + 1 < lines.length) {
      i++;
      const next = (lines[i] ?? "").trim();
      if (next.startsWith("#") || next.startsWith(";")) continue;
      parts[parts.length - 1] = (parts[parts.length - 1] ?? "").slice(0, -1);
      parts.push(next);
    }
    let line = parts.join(" ");
    if (line.endsWith("\\")) line = line.slice(0, -1);
    if (line.startsWith("[")) {
      if (!line.endsWith("]")) return err({ kind: "systemd-unit", path: file.path, line: start, message: `${file.path}:${start}: a section header must end with "]"` });
      section = line.slice(1, -1);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) return err({ kind: "systemd-unit", path: file.path, line: start, message: `${file.path}:${start}: expected Key=Value, found ${quoteExcerpt(line)}` });
    settings.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), path: file.path, line: start });
  }
  return ok(settings);
}

/**
 * Splits text into words as systemd does for command lines and
 * `Environment=`: blanks separate words, single and double quotes group,
 * a backslash escapes (`\n`, `\t`, `\\`, `\"`, ...).
 *
 * @param text the text
 * @returns the words, or an error for an unclosed quote
 */
export function splitUnitWords(text: string): Result<string[], string> {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\u0007", b: "\b", f: "\f", v: "\v", s: " " };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === "\\" && i + 1 < text.length) {
      const e = text[++i] ?? "";
      word = (word ?? "") + (escapes[e] ?? e);
      continue;
    }
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else word = (word ?? "") + c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      word ??= "";
      continue;
    }
    if (c === " " || c === "\t" || c === "\n") {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    word = (word ?? "") + c;
  }
  if (quote !== undefined) return err(`unclosed ${quote}`);
  if (word !== undefined) words.push(word);
  return ok(words);
}

/**
 * Applies a unit and its drop-ins (in the order given: the unit first, then
 * the drop-ins sorted by file name) to find what the service runs.
 *
 * @param files the unit file, then its drop-ins in order
 * @returns the service's commands and environment, or an error
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { resolveServiceExec } from "flannel-ts/dockerconf";
 * const exec = resolveServiceExec([
 *   { path: "/lib/systemd/system/docker.service", text: "[Service]\nExecStart=/usr/sbin/dockerd -H fd://\n" },
 *   { path: "/etc/systemd/system/docker.service.d/override.conf", text: "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd\n" },
 * ]);
 * assert.deepEqual(exec.map((s) => s.execStart.map((e) => e.value)), ok(["/usr/sbin/dockerd"])); // the drop-in's empty ExecStart= resets
 * ```
 */
export function resolveServiceExec(files: readonly UnitFile[]): Result<ServiceExec, SystemdUnitError> {
  let execStart: UnitSetting[] = [];
  const environment: Record<string, string> = {};
  let environmentFiles: { path: string; optional: boolean }[] = [];
  let type = "simple";
  for (const file of files) {
    const settings = parseUnitFile(file);
    if (settings.isErr()) return err(settings.error);
    for (const s of settings.value) {
      if (s.section !== "Service") continue;
      if (s.key === "ExecStart") {
        if (s.value === "") execStart = [];
        else execStart.push(s);
      } else if (s.key === "Type") {
        type = s.value === "" ? "simple" : s.value;
      } else if (s.key === "Environment") {
        if (s.value === "") {
          for (const k of Object.keys(environment)) delete environment[k];
          continue;
        }
        const words = splitUnitWords(s.value);
        if (words.isErr()) return err({ kind: "systemd-unit", path: s.path, line: s.line, message: `${s.path}:${s.line}: Environment=: ${words.error}` });
        for (const w of words.value) {
          const eq = w.indexOf("=");
          if (eq > 0) environment[w.slice(0, eq)] = w.slice(eq + 1);
        }
      } else if (s.key === "EnvironmentFile") {
        if (s.value === "") environmentFiles = [];
        else environmentFiles.push(s.value.startsWith("-") ? { path: s.value.slice(1), optional: true } : { path: s.value, optional: false });
      }
    }
  }
  if (execStart.length === 0) {
    return err({ kind: "systemd-unit", ...(files[0] !== undefined && { path: files[0].path }), message: "the service has no ExecStart= (after drop-ins)" });
  }
  if (execStart.length > 1 && type !== "oneshot") {
    const second = execStart[1];
    return err({
      kind: "systemd-unit",
      ...(second !== undefined && { path: second.path, line: second.line }),
      message: `Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing. (${
        execStart.map((e) => `${e.path}:${e.line}`).join(", ")
      }; a drop-in must clear the list with an empty "ExecStart=" before setting its own)`,
    });
  }
  return ok({ execStart, environment: { ...environment }, environmentFiles, type });
}

/**
 * Reads an environment file as systemd does: `KEY=VALUE` lines, `#` and `;`
 * comments, quotes around a value removed, a trailing backslash joining lines.
 *
 * @param text the file's text
 * @returns the variables
 */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const parts = [(lines[i] ?? "").trim()];
    while ((parts[parts.length - 1] ?? "").endsWith("\\") && i + 1 < lines.length) {
      parts[parts.length - 1] = (parts[parts.length - 1] ?? "").slice(0, -1);
      parts.push((lines[++i] ?? "").trim());
    }
    const line = parts.join("");
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
      if (line.slice(eq + 1).trim()[0] === '"') value = value.replace(/\\(["\\$`])/g, "$1");
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out[key] = value;
  }
  return out;
}

/**
 * Works out the program and arguments of an `ExecStart=` line: strips the
 * prefixes (`-`, `@`, `:`, `+`, `!`, `!!`), splits words, and replaces
 * variables unless `:` said not to (`$NAME` as a whole word becomes its
 * value split at blanks, `${NAME}` its value as is, `$$` a dollar), and
 * reads the specifier `%%` as `%` (other specifiers stay as written).
 *
 * @param setting the `ExecStart=` setting
 * @param environment the service's variables (Environment= and EnvironmentFile=)
 * @returns the command, or an error
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { execCommand } from "./systemd-unit.ts";
 * const setting = { section: "Service", key: "ExecStart", value: "/usr/sbin/dockerd -H fd:// $DOCKER_OPTS", path: "docker.service", line: 12 };
 * const command = execCommand(setting, { DOCKER_OPTS: "--bip=10.5.52.1/24 --mtu=1472" });
 * assert.deepEqual(command.map((c) => c.args.map((a) => a.word)), ok(["-H", "fd://", "--bip=10.5.52.1/24", "--mtu=1472"]));
 * ```
 */
export function execCommand(setting: UnitSetting, environment: Readonly<Record<string, string>>): Result<ExecCommand, SystemdUnitError> {
  let line = setting.value;
  let at = false;
  let expand = true;
  for (;;) {
    if (line.startsWith("!!")) line = line.slice(2);
    else if (line.startsWith("@")) {
      at = true;
      line = line.slice(1);
    } else if (line.startsWith(":")) {
      expand = false;
      line = line.slice(1);
    } else if (line.startsWith("-") || line.startsWith("+") || line.startsWith("!")) line = line.slice(1);
    else break;
  }
  // systemd resolves specifiers in every word; "%%" is the one that does not depend on the unit.
  const words = splitUnitWords(line).map((ws) => ws.map((w) => w.replace(/%%/g, "%")));
  const fail = (message: string): Result<ExecCommand, SystemdUnitError> =>
    err({ kind: "systemd-unit", path: setting.path, line: setting.line, message: `${setting.path}:${setting.line}: ExecStart=: ${message}` });
  if (words.isErr()) return fail(words.error);
  const [path, ...rest] = words.value;
  if (path === undefined) return fail("no command");
  const args: ExecWord[] = [];
  const sources: ExecSource[] = [];
  for (const word of rest) {
    if (!expand) {
      args.push({ word });
      sources.push({ raw: word, variable: false, count: 1 });
      continue;
    }
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (whole !== null) {
      const name = whole[1] ?? "";
      const parts = (environment[name] ?? "").split(/[ \t\n]+/).filter((p) => p !== "");
      for (const part of parts) args.push({ word: part, fromVariable: `$${name}` });
      sources.push({ raw: word, variable: true, count: parts.length });
      continue;
    }
    let from: string | undefined;
    const replaced = word.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string | undefined) => {
      if (m === "$$") return "$";
      from = `\${${name ?? ""}}`;
      return environment[name ?? ""] ?? "";
    });
    args.push(from === undefined ? { word: replaced } : { word: replaced, fromVariable: from });
    sources.push({ raw: from === undefined ? replaced : word, variable: from !== undefined, count: 1 });
  }
  if (!at) return ok({ path, argv0: path, args, sources, setting });
  const [argv0, ...afterArgv0] = args;
  const first = sources[0];
  const rest0 = first === undefined ? [] : first.count > 1 ? [{ ...first, count: first.count - 1 }, ...sources.slice(1)] : sources.slice(1);
  return ok({ path, argv0: argv0?.word ?? path, args: afterArgv0, sources: rest0, setting });
}

/**
 * Quotes words for an `ExecStart=` line: a word with blanks, quotes or
 * backslashes is double-quoted, `$` is written `$$` and `%` `%%` so that
 * systemd passes them through.
 *
 * @param words the command and its arguments
 * @returns the line's value
 */
export function formatExecLine(words: readonly string[]): string {
  return words
    .map((w) => {
      const escaped = w.replace(/\$/g, "$$$$").replace(/%/g, "%%");
      return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    })
    .join(" ");
}
