// The peers of the netlink integration test: what flannel's VXLAN backend
// programs for each (a route to its subnet via its VTEP address, onlink; a
// permanent neighbour for that address; an FDB entry to its PublicIP).
import { type Mac, mac } from "../../src/netlink/index.ts";
import { type Cidr, cidr4, cidr6 } from "../../src/subnet/cidr.ts";
import { type Ip, ip4, ip6 } from "../../src/subnet/ip.ts";

export type Family = 4 | 6;

export interface Peer {
  /** 10.8.0.0/24, 10.8.1.0/24, ... or fd10:0:0:2::/64, fd10:0:0:3::/64, ... */
  readonly subnet: Cidr;
  /** The subnet's first address, the peer's VTEP address on the overlay. */
  readonly vtep: Ip;
  readonly mac: Mac;
  /** 198.18.x.y or 2001:db8::x: never contacted, only programmed. */
  readonly publicIp: Ip;
}

/** Peer i of a family. */
export function peer(family: Family, i: number): Peer {
  if (family === 4) {
    const subnet = cidr4(0x0a080000 + i * 256, 24);
    return { subnet, vtep: ip4(subnet.address), mac: mac(0x0a5800000000 + i), publicIp: ip4(0xc6120000 + i) };
  }
  const subnet = cidr6((0xfd10n << 112n) + (BigInt(i + 2) << 64n), 64);
  return { subnet, vtep: ip6(subnet.address), mac: mac(0x0e5300000000 + i), publicIp: ip6((0x20010db8n << 96n) + BigInt(i + 2)) };
}
