import { err, type Result } from "neverthrow";
import { DEFAULT_ETCD_PREFIX } from "../core/defaults.ts";
import { formatSubnetKey, parseSubnetKey, type SubnetKey, type SubnetKeyError } from "../subnet/subnet-key.ts";

/**
 * Where flannel keeps its data in etcd under one prefix: the network config at
 * `<prefix>/config` and one key per lease at `<prefix>/subnets/<subnet key>`
 * (`/coreos.com/network/subnets/10.5.34.0-24`).
 */
export interface FlannelKeyLayout {
  /** The prefix, cleaned as Go's `path.Join` cleans it (no trailing or doubled slashes). */
  readonly prefix: string;
  /** The config key, `<prefix>/config`. */
  readonly configKey: string;
  /** Every lease key starts with this, `<prefix>/subnets/` (with the slash). */
  readonly subnetsPrefix: string;
  /**
   * The key of the lease for `subnet`.
   *
   * @param subnet the lease's subnet(s)
   * @returns `<prefix>/subnets/10.5.34.0-24`
   */
  leaseKey(subnet: SubnetKey): string;
  /**
   * The subnet a lease key names.
   *
   * @param key a full etcd key
   * @returns the subnet, or why the key is not a lease key of this layout
   */
  parseLeaseKey(key: string): Result<SubnetKey, LeaseKeyError>;
}

/** Why an etcd key is not a lease key. */
export type LeaseKeyError =
  | { readonly kind: "not-a-lease-key"; readonly key: string; readonly message: string }
  | (SubnetKeyError & { readonly key: string });

/**
 * Cleans a slash-separated path the way Go's `path.Clean` does (flanneld
 * builds its keys with `path.Join`): doubled slashes become one, `.` and
 * `..` elements are resolved, a trailing slash is dropped.
 *
 * @param path e.g. `"/coreos.com//network/"`
 * @returns e.g. `"/coreos.com/network"`; `"."` for an empty path
 */
export function cleanEtcdPath(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out.at(-1) !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

function join(prefix: string, name: string): string {
  return cleanEtcdPath(prefix === "" ? name : `${prefix}/${name}`);
}

/**
 * The key layout for a prefix, as flanneld builds its keys.
 *
 * @param prefix the `--etcd-prefix`; default {@link DEFAULT_ETCD_PREFIX}
 * @returns the layout
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { flannelKeyLayout } from "flannel-ts/etcd";
 * import { parseSubnetKey } from "flannel-ts/subnet";
 * const layout = flannelKeyLayout("/atomic.io/network/");
 * assert.equal(layout.configKey, "/atomic.io/network/config");
 * assert.deepEqual(parseSubnetKey("10.5.34.0-24").map((s) => layout.leaseKey(s)), ok("/atomic.io/network/subnets/10.5.34.0-24"));
 * ```
 */
export function flannelKeyLayout(prefix: string = DEFAULT_ETCD_PREFIX): FlannelKeyLayout {
  const cleaned = prefix === "" ? "" : cleanEtcdPath(prefix);
  const subnetsPrefix = `${join(cleaned, "subnets")}/`;
  return Object.freeze({
    prefix: cleaned,
    configKey: join(cleaned, "config"),
    subnetsPrefix,
    leaseKey: (subnet: SubnetKey) => `${subnetsPrefix}${formatSubnetKey(subnet)}`,
    parseLeaseKey: (key: string): Result<SubnetKey, LeaseKeyError> => {
      const rest = key.startsWith(subnetsPrefix) ? key.slice(subnetsPrefix.length) : undefined;
      if (rest === undefined || rest.includes("/")) {
        return err({ kind: "not-a-lease-key", key, message: `"${key}" is not a lease key: lease keys are ${subnetsPrefix}<subnet key>` });
      }
      return parseSubnetKey(rest).mapErr((e) => ({ ...e, key }));
    },
  });
}
