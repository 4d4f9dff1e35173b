import { errAsync, okAsync, type Result, ResultAsync } from "neverthrow";
import type { RouteToAddress } from "../flannel/external-interface.ts";
import type { Rtnetlink } from "../netlink/rtnetlink.ts";
import { formatIp, type Ip } from "../subnet/ip.ts";
import { openRtnetlink } from "./netlink-socket.ts";

/** What {@link routeToAddress} needs of rtnetlink. */
export type RouteLookupPort = Pick<Rtnetlink, "routeTo" | "linkByIndex" | "close">;

/**
 * Looks up the route the kernel would take to an address, as
 * `ip route get` does (RTM_GETROUTE), and names its interface: what
 * flanneld's `--iface-can-reach` chooses the external interface by. The
 * socket is opened for the lookup and closed after it.
 *
 * @param address the address to reach
 * @param open opens the socket; default: rtnetlink in this thread's network namespace
 * @returns the interface and source address, or a sentence that says why there is none
 * @example
 * ```ts ignore
 * import { routeToAddress } from "flannel-ts/node";
 * import { parseIp } from "flannel-ts/subnet";
 * // Opens a netlink socket through koffi: type-checked, not run.
 * const route = await routeToAddress(parseIp("192.0.2.1")._unsafeUnwrap());
 * if (route.isOk()) console.log(route.value.interface, route.value.source);
 * ```
 */
export function routeToAddress(address: Ip, open: () => Result<RouteLookupPort, { readonly message: string }> = openRtnetlink): ResultAsync<RouteToAddress, string> {
  const shown = formatIp(address);
  const opened = open();
  if (opened.isErr()) return errAsync(`could not look up the route to ${shown}: ${opened.error.message}`);
  const rtnl = opened.value;
  const lookup = rtnl
    .routeTo(address)
    .mapErr((e) => `could not look up the route to ${shown}: ${e.message}`)
    .andThen((route) => {
      if (route === undefined) return errAsync(`no route to ${shown}`);
      if (route.oif === undefined) return errAsync(`the route to ${shown} names no interface`);
      const source = route.prefsrc;
      return rtnl
        .linkByIndex(route.oif)
        .mapErr((e) => `could not read interface ${route.oif} of the route to ${shown}: ${e.message}`)
        .andThen((link) =>
          link === undefined
            ? errAsync(`interface ${route.oif} of the route to ${shown} is gone`)
            : okAsync<RouteToAddress, string>({ interface: link.name, ...(source === undefined ? {} : { source }) })
        );
    });
  return new ResultAsync(
    (async () => {
      const result = await lookup;
      rtnl.close();
      return result;
    })(),
  );
}
