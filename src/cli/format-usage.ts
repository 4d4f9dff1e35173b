/**
 * A command's `--help`, built from its spec: the usage line, the
 * description, the arguments, then every flag as Go's flag package shows
 * flanneld's (the flag and its placeholder on one line, the help below it
 * with the default and the FLANNELD_* variable). Pure.
 *
 * @module
 */
import type { CommandSpec } from "./command-spec.ts";
import { envVariableOf, type FlagSet, type FlagSpec } from "./flag-spec.ts";

const WIDTH = 80;
const INDENT = "        ";

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines;
}

function flagLines(flag: FlagSpec<unknown>): string[] {
  const names = flag.short === undefined ? `--${flag.name}` : `-${flag.short}, --${flag.name}`;
  const head = `  ${names}${flag.bare !== undefined ? ` [${flag.placeholder}]` : flag.placeholder === "" ? "" : ` ${flag.placeholder}`}`;
  const notes: string[] = [];
  const shownDefault = flag.kind === "bool" && flag.defaultText === "false" ? undefined : flag.defaultText;
  if (shownDefault !== undefined) notes.push(shownDefault === "required" ? "required" : `default ${shownDefault}`);
  if (flag.env) notes.push(envVariableOf(flag.name));
  const help = notes.length === 0 ? flag.help : `${flag.help} (${notes.join("; ")})`;
  return [head, ...wrap(help, INDENT)];
}

/**
 * The text of `<command> --help`.
 *
 * @param spec the command
 * @returns the help, ending in a newline
 * @example
 * ```ts
 * import { defineSpec } from "./command-spec.ts";
 * import { boolFlag } from "./flag-spec.ts";
 * import { formatUsage } from "./format-usage.ts";
 * const text = formatUsage(defineSpec({ name: "leases", synopsis: "[--json]", description: "Lists the leases.", flags: { json: boolFlag("json", { help: "print JSON" }) } }));
 * // "Usage: flannel-ts leases [--json]\n\nLists the leases.\n\nFlags:\n  --json\n        print JSON\n  -h, --help\n        show this help\n"
 * ```
 */
export function formatUsage<F extends FlagSet>(spec: CommandSpec<F>): string {
  const out: string[] = [["Usage:", spec.program ?? "flannel-ts", spec.name, spec.synopsis].filter((w) => w !== "").join(" "), ""];
  if (spec.description !== "") out.push(spec.description.trimEnd(), "");
  const pos = spec.positionals;
  if (pos !== undefined) out.push("Arguments:", `  ${pos.name}`, ...wrap(pos.help, INDENT), "");
  const grouped = new Set((spec.groups ?? []).flatMap((g) => g.flags));
  const flags: Readonly<Record<string, FlagSpec<unknown>>> = spec.flags;
  out.push("Flags:");
  for (const [key, flag] of Object.entries(flags)) if (!grouped.has(key)) out.push(...flagLines(flag));
  out.push("  -h, --help", `${INDENT}show this help`, "");
  for (const group of spec.groups ?? []) {
    out.push(`${group.title}:`);
    for (const key of group.flags) {
      const flag = flags[key];
      if (flag !== undefined) out.push(...flagLines(flag));
    }
    out.push("");
  }
  if (Object.values(flags).some((f) => f.env)) {
    out.push(...wrap("A FLANNELD_* variable sets its flag when the command line does not; an empty one counts as unset (flanneld's rule).", ""), "");
  }
  if (spec.footer !== undefined) out.push(spec.footer.trimEnd(), "");
  return out.join("\n");
}
