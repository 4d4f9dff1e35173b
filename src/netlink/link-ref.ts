/**
 * A network device as a request names it: its index, or an object with the
 * index and the name (a {@link LinkInfo} from a dump is one), so that error
 * messages can say "dev flannel.1" rather than "dev ifindex 7".
 */
export type LinkRef = number | { readonly index: number; readonly name: string };

/**
 * The index of a device reference.
 *
 * @param link an index or a device
 * @returns the interface index
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkIndex } from "flannel-ts/netlink";
 * assert.equal(linkIndex({ index: 7, name: "flannel.1" }), 7);
 * assert.equal(linkIndex(7), 7);
 * ```
 */
export function linkIndex(link: LinkRef): number {
  return typeof link === "number" ? link : link.index;
}

/**
 * How a device reference reads in a message.
 *
 * @param link an index or a device
 * @returns the name, or "ifindex N"
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linkLabel } from "flannel-ts/netlink";
 * assert.equal(linkLabel({ index: 7, name: "flannel.1" }), "flannel.1");
 * assert.equal(linkLabel(7), "ifindex 7");
 * ```
 */
export function linkLabel(link: LinkRef): string {
  return typeof link === "number" ? `ifindex ${link}` : link.name;
}
