/**
 * The kinds of flag values the commands take, each with its range: the
 * checks run in the flag layer, before a command starts, so that a value no
 * command could use ends in exit 2 and a message naming the flag. Pure.
 *
 * Ranges chosen here (docs/cli.md lists them):
 * - MTU 68 to 65507: IPv4's minimum MTU (RFC 791) up to the largest packet
 *   that fits in one UDP datagram over IPv4 (65535 - 20 - 8), since flannel's
 *   UDP backend sends each packet as one datagram.
 * - durations: whole seconds that a timer can hold (setTimeout takes at most
 *   2^31 - 1 ms, about 24.8 days; a larger delay fires at once).
 * - ports 1 to 65535; public addresses unicast IPv4 (not 0.0.0.0, not
 *   multicast, not 255.255.255.255); a public IPv6 address not ::, ::1,
 *   multicast, link-local or IPv4-mapped.
 * - an overlay network is not 0.0.0.0/0 and overlaps neither 0.0.0.0/8,
 *   loopback (127.0.0.0/8) nor 224.0.0.0/3 (multicast, reserved, broadcast).
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { type Cidr4, parseCidr4 } from "../subnet/cidr.ts";
import { overlayReservedClash } from "../subnet/overlay-reserved.ts";
import { type Ip, type Ip4, type Ip6, parseIp, parseIp4, parseIp6 } from "../subnet/ip.ts";
import type { FlagType } from "./flag-spec.ts";

/** The longest timer delay, in milliseconds (what setTimeout holds). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The smallest and largest MTU a flag takes (see the module comment). */
export const MTU_RANGE = Object.freeze({ min: 68, max: 65_535 - 20 - 8 });

const reasonOf = (e: { readonly reason: string }): string => e.reason;

function integer(text: string): number | undefined {
  if (!/^[+-]?[0-9]{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A whole number from `min` to `max`.
 *
 * @param min the smallest value taken
 * @param max the largest value taken
 * @param what what the numbers count, for the message (e.g. `minutes`)
 * @param why why the range is what it is, for the message
 * @returns the type
 */
function integerIn(min: number, max: number, what = "", why = ""): FlagType<number> {
  const unit = what === "" ? "" : `${what} `;
  return {
    placeholder: "int",
    parse: (text) => {
      const n = integer(text.trim() === text ? text : "");
      if (n === undefined) return err("is not an integer");
      if (n < min || n > max) return err(`is out of range: give ${unit}from ${min} to ${max}${why === "" ? "" : ` (${why})`}`);
      return ok(n);
    },
  };
}

const anyIp = (text: string): Result<Ip, string> => parseIp(text).mapErr((e) => `is not an IP address (${reasonOf(e)})`);

const ip4 = (text: string): Result<Ip4, string> => {
  const parsed = parseIp4(text);
  if (parsed.isOk()) return ok(parsed.value);
  if (text.includes(":") && parseIp(text).isOk()) return err("is an IPv6 address; give an IPv4 address");
  return err(`is not an IPv4 address (${reasonOf(parsed.error)})`);
};

const MULTICAST_FIRST = 0xe0000000;
const BROADCAST = 0xffffffff;

/** Why an IPv4 address cannot be a host's own unicast address, or undefined when it can. */
function notUnicast(ip: Ip4): string | undefined {
  if (ip.value === 0) return "is not a unicast address (0.0.0.0 means any address)";
  if (ip.value === BROADCAST) return "is not a unicast address (it is the broadcast address)";
  if (ip.value >= MULTICAST_FIRST) return "is not a unicast address (224.0.0.0 and above are multicast and reserved)";
  return undefined;
}

const ip6 = (text: string): Result<Ip6, string> => {
  // parseIp6 refuses a CIDR too; a prefix length gets a message that says what to give instead.
  if (text.includes("/")) return err("is a CIDR; give the address without a prefix length");
  const parsed = parseIp6(text);
  if (parsed.isOk()) return ok(parsed.value);
  if (parseIp4(text).isOk()) return err("is an IPv4 address; give an IPv6 address");
  return err(`is not an IPv6 address (${reasonOf(parsed.error)})`);
};

/** Why an IPv6 address cannot be a host's address that other hosts reach, or undefined when it can. */
function notUnicast6(ip: Ip6): string | undefined {
  if (ip.value === 0n) return "is not a unicast address (:: means any address)";
  if (ip.value === 1n) return "is the loopback address; give one that other hosts reach";
  if (ip.value >> 120n === 0xffn) return "is not a unicast address (ff00::/8 is multicast)";
  // flanneld takes an interface's global addresses; a link-local one is only reachable on its link, with a zone.
  if (ip.value >> 118n === 0x3fan) return "is a link-local address (fe80::/10); give a global or unique local address";
  if (ip.value >> 32n === 0xffffn) return "is an IPv4-mapped address; give the IPv4 address with --public-ip";
  return undefined;
}

function ipv4Cidr(text: string): Result<Cidr4, string> {
  const parsed = parseCidr4(text);
  if (parsed.isOk()) return ok(parsed.value);
  if (text.includes(":")) return err("is an IPv6 CIDR; give an IPv4 CIDR such as 10.5.0.0/16");
  return err(`is not an IPv4 CIDR (${reasonOf(parsed.error)})`);
}

function endpoint(text: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return "has an endpoint without http:// or https:// in front";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "has an endpoint that is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "has an endpoint that is not http:// or https://";
  if (url.username !== "" || url.password !== "") return "has an endpoint with a user name or password in it; give them with --etcd-username and --etcd-password";
  if (url.hostname === "") return "has an endpoint without a host";
  if (url.port === "") return "has an endpoint without a port";
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") return "has an endpoint with a path; give scheme, host and port only";
  return undefined;
}

/** Linux's PATH_MAX less its NUL: a longer path cannot be opened. */
const PATH_MAX = 4095;

/** A value that becomes a file name: any text without NUL (the kernel cannot take it), at most {@link PATH_MAX} bytes. */
function filePath(text: string): Result<string, string> {
  if (text.includes("\u0000")) return err("contains a NUL character");
  if (new TextEncoder().encode(text).length > PATH_MAX) return err(`is longer than a path can be (${PATH_MAX} bytes)`);
  return ok(text);
}

/**
 * The same type, with the empty value meaning "none" (flanneld's string
 * flags: `--public-ip ""` is no public IP).
 *
 * @param type the type of a given value
 * @returns the type, `undefined` for ""
 */
function orNone<T>(type: FlagType<T>): FlagType<T | undefined> {
  return { placeholder: type.placeholder, parse: (text) => (text === "" ? ok(undefined) : type.parse(text)) };
}

/** The value kinds, by name. */
export const flagTypes = {
  /** Any text. */
  text: { placeholder: "string", parse: (text: string) => ok(text) } satisfies FlagType<string>,
  /** A file or directory path: any text but NUL; empty allowed where it means "none". */
  path: { placeholder: "FILE", parse: filePath } satisfies FlagType<string>,
  /** A shell variable name (letters, digits, _; not starting with a digit), at most 255 characters. */
  shellName: {
    placeholder: "NAME",
    parse: (
      text: string,
    ) => (/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(text) ? ok(text) : err("is not a shell variable name (letters, digits and _, not starting with a digit, at most 255)")),
  } satisfies FlagType<string>,
  /** A whole number in a range. */
  integer: integerIn,
  /** A UDP or TCP port, 1 to 65535. */
  port: { placeholder: "PORT", parse: (text: string) => integerIn(1, 65_535).parse(text).mapErr(() => "is not a port (1 to 65535)") } satisfies FlagType<number>,
  /** An MTU in {@link MTU_RANGE}. */
  mtu: {
    placeholder: "N",
    parse: (text: string) =>
      integerIn(MTU_RANGE.min, MTU_RANGE.max).parse(text).mapErr((
        reason,
      ) => (reason === "is not an integer"
        ? reason
        : `is out of range: give an MTU from ${MTU_RANGE.min} (IPv4's minimum) to ${MTU_RANGE.max} (the largest packet one UDP datagram carries)`)
      ),
  } satisfies FlagType<number>,
  /** Seconds for a timer: from `min` to what setTimeout holds. */
  timerSeconds: (min: number): FlagType<number> => integerIn(min, Math.floor(MAX_TIMER_MS / 1000), "seconds", "a timer holds at most 2^31-1 ms, about 24.8 days"),
  /** Any IPv4 address. */
  ip4: { placeholder: "IP", parse: ip4 } satisfies FlagType<Ip4>,
  /** A host's own unicast IPv4 address (not 0.0.0.0, multicast or broadcast). */
  unicastIp4: {
    placeholder: "IP",
    parse: (text: string) => ip4(text).andThen((ip) => (notUnicast(ip) === undefined ? ok(ip) : err(notUnicast(ip) ?? ""))),
  } satisfies FlagType<Ip4>,
  /** A host's own IPv6 address that other hosts reach: not ::, loopback, multicast, link-local or IPv4-mapped. */
  unicastIp6: {
    placeholder: "IP",
    parse: (text: string) => ip6(text).andThen((ip) => (notUnicast6(ip) === undefined ? ok(ip) : err(notUnicast6(ip) ?? ""))),
  } satisfies FlagType<Ip6>,
  /** An IPv4 address to bind to: unicast, or 0.0.0.0 for every address. */
  bindIp4: {
    placeholder: "IP",
    parse: (text: string) => ip4(text).andThen((ip) => (ip.value === 0 || notUnicast(ip) === undefined ? ok(ip) : err(notUnicast(ip) ?? ""))),
  } satisfies FlagType<Ip4>,
  /** An IPv4 or IPv6 address. */
  ip: { placeholder: "IP", parse: anyIp } satisfies FlagType<Ip>,
  /** An IPv4 or IPv6 address to listen on, kept as written. */
  listenIp: { placeholder: "string", parse: (text: string) => anyIp(text).map(() => text) } satisfies FlagType<string>,
  /** An IPv4 CIDR. */
  cidr4: { placeholder: "CIDR", parse: ipv4Cidr } satisfies FlagType<Cidr4>,
  /** A flannel network: an IPv4 CIDR that is not 0.0.0.0/0 and leaves loopback, multicast and 0.0.0.0/8 alone. */
  overlayNetwork: {
    placeholder: "CIDR",
    parse: (text: string) =>
      ipv4Cidr(text).andThen((network) => {
        if (network.prefix === 0) return err("is every IPv4 address: an overlay network must leave the host's other routes alone (e.g. 10.5.0.0/16)");
        const clash = overlayReservedClash(network);
        return clash === undefined ? ok(network) : err(`overlaps ${clash}; pick a private range such as 10.5.0.0/16`);
      }),
  } satisfies FlagType<Cidr4>,
  /** etcd client URLs separated by commas (blanks around commas allowed): http(s), a host and a port, nothing else. */
  etcdEndpoints: {
    placeholder: "string",
    parse: (text: string) => {
      // As the agent always did: blanks around commas and empty entries are dropped.
      const endpoints = text
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e !== "");
      if (endpoints.length === 0) return err("has no endpoint (e.g. http://127.0.0.1:2379)");
      for (const e of endpoints) {
        const problem = endpoint(e);
        if (problem !== undefined) return err(`${problem}; give comma-separated URLs such as http://127.0.0.1:2379`);
      }
      return ok(endpoints);
    },
  } satisfies FlagType<readonly string[]>,
  /** An etcd key prefix: starts with `/`, no control characters. */
  etcdPrefix: {
    placeholder: "string",
    parse: (text: string) => {
      if (!text.startsWith("/")) return err("does not start with /; give a key prefix such as /coreos.com/network");
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(text)) return err("contains a control character");
      return ok(text);
    },
  } satisfies FlagType<string>,
  /** A network interface name as the kernel takes it (IFNAMSIZ - 1 characters) and `ip link` writes it. */
  interfaceName: {
    placeholder: "NAME",
    parse: (text: string) => (/^[A-Za-z0-9_.-]{1,15}$/.test(text) ? ok(text) : err("is not an interface name (1 to 15 letters, digits, '_', '.', '-')")),
  } satisfies FlagType<string>,
  /** A regular expression (JavaScript's syntax, which covers what flanneld's Go patterns use). */
  regex: {
    placeholder: "string",
    parse: (text: string) => {
      try {
        new RegExp(text);
        return ok(text);
      } catch (cause) {
        return err(`is not a regular expression (${cause instanceof Error ? cause.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "") : "invalid"})`);
      }
    },
  } satisfies FlagType<string>,
  /** A type whose empty value means none. */
  orNone,
  /** One of a few words. */
  choice: <const W extends string>(words: readonly W[]): FlagType<W> => ({
    placeholder: words.join("|"),
    parse: (text) => ((words as readonly string[]).includes(text) ? ok(text as W) : err(`is not one of ${words.join(", ")}`)),
  }),
} as const;
