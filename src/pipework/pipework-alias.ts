import { formatIp, type Ip, parseIp } from "../subnet/index.ts";

/** The alias flannel-ts gives to what `pipework` creates: the bridge, and the container's interface. */
export const PIPEWORK_ALIAS = "flannel-ts pipework";

/** A default route that `pipework` replaced and `--remove` puts back. */
export interface ReplacedDefaultRoute {
  readonly family: 4 | 6;
  readonly gateway?: Ip;
  readonly dev: string;
  readonly metric?: number;
}

/** What an alias written by flannel-ts says. */
export interface PipeworkAlias {
  readonly replaced?: ReplacedDefaultRoute;
}

/**
 * Formats the alias of an interface that `pipework` made: the marker, and
 * the default route it replaced, if any. The kernel keeps it with the
 * interface, so `--remove` needs no state file to undo the route change.
 *
 * @param alias what to record
 * @returns e.g. `"flannel-ts pipework; replaced IPv4 default via 172.17.0.1 dev eth0"`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIp } from "flannel-ts/subnet";
 * import { formatPipeworkAlias } from "./pipework-alias.ts";
 * const alias = formatPipeworkAlias({ replaced: { family: 4, gateway: parseIp("172.17.0.1")._unsafeUnwrap(), dev: "eth0" } });
 * assert.equal(alias, "flannel-ts pipework; replaced IPv4 default via 172.17.0.1 dev eth0");
 * ```
 */
export function formatPipeworkAlias(alias: PipeworkAlias): string {
  const r = alias.replaced;
  if (r === undefined) return PIPEWORK_ALIAS;
  const via = r.gateway === undefined ? "" : ` via ${formatIp(r.gateway)}`;
  const metric = r.metric === undefined ? "" : ` metric ${r.metric}`;
  return `${PIPEWORK_ALIAS}; replaced IPv${r.family} default${via} dev ${r.dev}${metric}`;
}

const replacedPattern = /^; replaced IPv([46]) default(?: via (\S+))? dev (\S+)(?: metric (\d+))?$/;

/**
 * Reads an alias written by {@link formatPipeworkAlias}.
 *
 * @param text an interface's alias
 * @returns what it records, or undefined when flannel-ts did not write it
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePipeworkAlias } from "./pipework-alias.ts";
 * assert.equal(parsePipeworkAlias("flannel-ts pipework")?.replaced, undefined); // ours, nothing was replaced
 * assert.notEqual(parsePipeworkAlias("flannel-ts pipework"), undefined);
 * assert.equal(parsePipeworkAlias("my uplink"), undefined); // not ours
 * ```
 */
export function parsePipeworkAlias(text: string): PipeworkAlias | undefined {
  if (text === PIPEWORK_ALIAS) return {};
  if (!text.startsWith(PIPEWORK_ALIAS)) return undefined;
  const m = replacedPattern.exec(text.slice(PIPEWORK_ALIAS.length));
  if (m === null) return undefined;
  const family = m[1] === "4" ? 4 : 6;
  let gateway: Ip | undefined;
  if (m[2] !== undefined) {
    const parsed = parseIp(m[2]);
    if (parsed.isErr() || parsed.value.family !== family) return undefined;
    gateway = parsed.value;
  }
  return {
    replaced: {
      family,
      ...(gateway !== undefined && { gateway }),
      dev: m[3]!,
      ...(m[4] !== undefined && { metric: Number(m[4]) }),
    },
  };
}
