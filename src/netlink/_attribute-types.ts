// Attribute type numbers of the messages this folder reads and writes (from
// linux/if_link.h, if_addr.h, rtnetlink.h, neighbour.h, netlink.h).

export const IFLA = {
  ADDRESS: 1,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  MASTER: 10,
  OPERSTATE: 16,
  LINKINFO: 18,
  EXT_MASK: 29,
} as const;

export const IFLA_INFO = { KIND: 1, DATA: 2 } as const;

export const IFLA_VXLAN = { ID: 1, LINK: 3, LOCAL: 4, LEARNING: 7, PORT: 15, LOCAL6: 17, GBP: 23 } as const;

/** IFLA_EXT_MASK bit: leave the per-device counters out of link replies. */
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

export const IFA = { ADDRESS: 1, LOCAL: 2, LABEL: 3, FLAGS: 8 } as const;

export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, TABLE: 15 } as const;

export const NDA = { DST: 1, LLADDR: 2, VLAN: 5, PORT: 6, VNI: 7, IFINDEX: 8, MASTER: 9 } as const;

export const NLMSGERR_ATTR = { MSG: 1, OFFS: 2 } as const;

/** The nested bit and the byte-order bit of `nla_type`; the type is the rest. */
export const NLA_TYPE_MASK = 0x3fff;
