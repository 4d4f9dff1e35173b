/**
 * Numbers of the Linux rtnetlink interface (from the kernel's UAPI headers:
 * linux/netlink.h, linux/rtnetlink.h, linux/if.h, linux/if_addr.h,
 * linux/neighbour.h). Values, not behaviour; the codecs take and give them.
 *
 * @module
 */

/** Control message types (`nlmsg_type` below 16). */
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;

/**
 * `nlmsg_flags`. The same bits mean different things for GET, NEW and DELETE
 * requests and for ACKs, hence the aliases.
 */
export const NLM_F = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  /** The dump changed while it was being read: read it again. */
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  ROOT: 0x100,
  MATCH: 0x200,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  /** On an error message: the echoed request is only its header (NETLINK_CAP_ACK). */
  CAPPED: 0x100,
  /** On an error message: extended ACK attributes follow (NETLINK_EXT_ACK). */
  ACK_TLVS: 0x200,
} as const;

/** rtnetlink message types. */
export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
} as const;

/** Address families as rtnetlink uses them (`AF_BRIDGE` selects FDB entries). */
export const AF = { UNSPEC: 0, INET: 2, BRIDGE: 7, INET6: 10, NETLINK: 16 } as const;

/** Interface flags (`ifi_flags`). */
export const IFF = { UP: 0x1, BROADCAST: 0x2, LOOPBACK: 0x8, POINTOPOINT: 0x10, NOARP: 0x80, RUNNING: 0x40, MULTICAST: 0x1000, LOWER_UP: 0x10000 } as const;

/** Operational states (`IFLA_OPERSTATE`, RFC 2863). */
export const IF_OPER = { UNKNOWN: 0, NOTPRESENT: 1, DOWN: 2, LOWERLAYERDOWN: 3, TESTING: 4, DORMANT: 5, UP: 6 } as const;

/** Routing tables. Tables above 255 travel in `RTA_TABLE` only. */
export const RT_TABLE = { UNSPEC: 0, DEFAULT: 253, MAIN: 254, LOCAL: 255 } as const;

/** Who installed a route (`rtm_protocol`); `ip route` uses BOOT by default. */
export const RTPROT = { UNSPEC: 0, REDIRECT: 1, KERNEL: 2, BOOT: 3, STATIC: 4, RA: 9, DHCP: 16 } as const;

/** Route scopes (`rtm_scope`); NOWHERE in a delete request matches any scope. */
export const RT_SCOPE = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 } as const;

/** Route types (`rtm_type`). */
export const RTN = {
  UNSPEC: 0,
  UNICAST: 1,
  LOCAL: 2,
  BROADCAST: 3,
  ANYCAST: 4,
  MULTICAST: 5,
  BLACKHOLE: 6,
  UNREACHABLE: 7,
  PROHIBIT: 8,
  THROW: 9,
} as const;

/** Next-hop flags (`rtm_flags`); ONLINK: the gateway is on the link even without a route to it. */
export const RTNH_F = { DEAD: 1, PERVASIVE: 2, ONLINK: 4, OFFLOAD: 8, LINKDOWN: 16, UNRESOLVED: 32 } as const;

/** Neighbour states (`ndm_state`). */
export const NUD = {
  NONE: 0x00,
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;

/** Neighbour flags (`ndm_flags`); SELF: an FDB entry of the device itself (a VXLAN remote), not of a bridge. */
export const NTF = { USE: 0x01, SELF: 0x02, MASTER: 0x04, PROXY: 0x08, EXT_LEARNED: 0x10, OFFLOADED: 0x20, STICKY: 0x40, ROUTER: 0x80 } as const;

/** Address flags (`ifa_flags` and `IFA_FLAGS`). */
export const IFA_F = {
  SECONDARY: 0x01,
  NODAD: 0x02,
  OPTIMISTIC: 0x04,
  DADFAILED: 0x08,
  HOMEADDRESS: 0x10,
  DEPRECATED: 0x20,
  TENTATIVE: 0x40,
  PERMANENT: 0x80,
  NOPREFIXROUTE: 0x200,
} as const;
