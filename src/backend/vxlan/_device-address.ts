// The one address flanneld keeps on a VXLAN device: the subnet's network
// address as /32 (IPv4) or /128 (IPv6), so that no broadcast route comes
// with it; it is the source of traffic from the host into the overlay.
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import { deleteAddress, newAddress } from "../../netlink/address-requests.ts";
import { IFA_F } from "../../netlink/constants.ts";
import type { LinkInfo } from "../../netlink/link-info.ts";
import type { NetlinkRequest } from "../../netlink/netlink-request.ts";
import { type Cidr, cidr6, cidrAddress, cidrContainsIp, cidrEquals } from "../../subnet/cidr.ts";
import type { RtnetlinkPort } from "../rtnetlink-port.ts";

const LINK_LOCAL = cidr6(0xfe80n << 112n, 10);

/** What {@link ensureDeviceAddress} changed. */
export interface AddressChanges {
  readonly added: number;
  readonly removed: number;
}

/**
 * Gives the device `wanted` and takes away the addresses flanneld would
 * remove: over IPv4, other addresses inside the flannel network; over
 * IPv6, every address but the link-local ones. An IPv6 address is added
 * without duplicate detection (it is this host's alone), so it is usable at once.
 */
export function ensureDeviceAddress(rtnl: RtnetlinkPort, device: LinkInfo, wanted: Cidr, network: Cidr): ResultAsync<AddressChanges, string> {
  return rtnl
    .addresses({ family: wanted.family, link: device })
    .mapErr((e) => e.message)
    .andThen((present) => {
      const requests: NetlinkRequest[] = [];
      for (const a of present) {
        if (cidrEquals(a.address, wanted)) continue;
        const ip = cidrAddress(a.address);
        const theirs = wanted.family === 4 ? cidrContainsIp(network, ip) : !cidrContainsIp(LINK_LOCAL, ip);
        if (theirs) requests.push(deleteAddress({ link: device, address: a.address }));
      }
      const removed = requests.length;
      const missing = !present.some((a) => cidrEquals(a.address, wanted));
      if (missing) requests.push(newAddress({ link: device, address: wanted, ...(wanted.family === 6 ? { flags: IFA_F.NODAD } : {}) }));
      if (requests.length === 0) return okAsync({ added: 0, removed: 0 });
      return rtnl
        .apply(requests)
        .mapErr((e) => e.message)
        .andThen((result) => {
          const first = result.failures[0];
          return first === undefined ? okAsync({ added: missing ? 1 : 0, removed }) : errAsync(`the kernel refused ${first.message}`);
        });
    });
}
