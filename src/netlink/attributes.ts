import { err, ok, type Result } from "neverthrow";
import { type Ip, type Ip4, ip4, type Ip6, ip6 } from "../subnet/ip.ts";
import { align4, u16, u32 } from "./_bytes.ts";
import { NLA_TYPE_MASK } from "./_attribute-types.ts";
import { malformed, type NetlinkDecodeError, truncated } from "./decode-error.ts";
import { type Mac, macFromBytes } from "./mac.ts";

type Read<T> = Result<T | undefined, NetlinkDecodeError>;

/** Where one attribute's value sits in the datagram. */
interface Slot {
  readonly start: number;
  readonly length: number;
}

/**
 * The attributes (`struct nlattr` / `rtattr`: 16-bit length, 16-bit type,
 * value padded to 4 bytes) of one message or one nest, indexed by type.
 * Typed getters check each value's length and return `undefined` for an
 * absent attribute; the first of repeated types wins. Offsets in errors are
 * positions in the datagram.
 */
export class Attributes {
  private constructor(
    private readonly bytes: Uint8Array,
    private readonly slots: ReadonlyMap<number, Slot>,
  ) {}

  /**
   * Reads the attributes in `bytes[start, end)`.
   *
   * @param bytes the datagram
   * @param start the first attribute's offset
   * @param end the end of the attribute area (the message's or the nest's end)
   * @returns the attributes, or an error naming the first bad one
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Attributes } from "./attributes.ts";
   * // IFLA_MTU (4) = 1450, then IFLA_IFNAME (3) = "nlv1"
   * const bytes = new Uint8Array([8, 0, 4, 0, 0xaa, 5, 0, 0, 9, 0, 3, 0, 0x6e, 0x6c, 0x76, 0x31, 0, 0, 0, 0]);
   * const attributes = Attributes.parse(bytes, 0, bytes.length)._unsafeUnwrap();
   * assert.equal(attributes.u32(4, "IFLA_MTU")._unsafeUnwrap(), 1450);
   * assert.equal(attributes.string(3, "IFLA_IFNAME")._unsafeUnwrap(), "nlv1");
   * ```
   */
  static parse(bytes: Uint8Array, start: number, end: number): Result<Attributes, NetlinkDecodeError> {
    const slots = new Map<number, Slot>();
    let at = start;
    while (at < end) {
      if (end - at < 4) return err(truncated("nlattr", at, 4, end - at));
      const length = u16(bytes, at);
      if (length < 4) return err(malformed("nlattr", at, `nla_len ${length} is below 4`));
      if (length > end - at) return err(truncated(`nlattr of type ${u16(bytes, at + 2) & NLA_TYPE_MASK}`, at, length, end - at));
      const type = u16(bytes, at + 2) & NLA_TYPE_MASK;
      if (!slots.has(type)) slots.set(type, { start: at + 4, length: length - 4 });
      at += align4(length);
    }
    return ok(new Attributes(bytes, slots));
  }

  /**
   * Whether the attribute is present (a flag attribute is true by presence).
   *
   * @param type the attribute type
   * @returns true when present
   */
  has(type: number): boolean {
    return this.slots.has(type);
  }

  /**
   * The value bytes of an attribute, without padding (a view, not a copy).
   *
   * @param type the attribute type
   * @returns the bytes, or undefined when absent
   */
  raw(type: number): Uint8Array | undefined {
    const slot = this.slots.get(type);
    return slot === undefined ? undefined : this.bytes.subarray(slot.start, slot.start + slot.length);
  }

  private fixed<T>(type: number, name: string, size: number, read: (at: number) => T): Read<T> {
    const slot = this.slots.get(type);
    if (slot === undefined) return ok(undefined);
    if (slot.length < size) return err(truncated(name, slot.start, size, slot.length));
    return ok(read(slot.start));
  }

  /**
   * An 8-bit value.
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the value, undefined when absent, or an error when shorter than 1 byte
   */
  u8(type: number, name: string): Read<number> {
    return this.fixed(type, name, 1, (at) => this.bytes[at]!);
  }

  /**
   * A 16-bit value in host byte order.
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the value, undefined when absent, or an error when too short
   */
  u16(type: number, name: string): Read<number> {
    return this.fixed(type, name, 2, (at) => u16(this.bytes, at));
  }

  /**
   * A 16-bit value in network byte order (ports).
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the value, undefined when absent, or an error when too short
   */
  u16be(type: number, name: string): Read<number> {
    return this.fixed(type, name, 2, (at) => (this.bytes[at]! << 8) | this.bytes[at + 1]!);
  }

  /**
   * A 32-bit value in host byte order.
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the value, undefined when absent, or an error when too short
   */
  u32(type: number, name: string): Read<number> {
    return this.fixed(type, name, 4, (at) => u32(this.bytes, at));
  }

  /**
   * A NUL-terminated string (the terminator is optional).
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the text, undefined when absent, or an error when it is not UTF-8
   */
  string(type: number, name: string): Read<string> {
    const value = this.raw(type);
    if (value === undefined) return ok(undefined);
    const nul = value.indexOf(0);
    try {
      return ok(new TextDecoder("utf-8", { fatal: true }).decode(nul < 0 ? value : value.subarray(0, nul)));
    } catch {
      return err(malformed(name, this.slots.get(type)!.start, "not UTF-8 text"));
    }
  }

  /**
   * An IPv4 address (4 bytes, network order).
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the address, undefined when absent, or an error when not 4 bytes
   */
  ip4(type: number, name: string): Read<Ip4> {
    return this.exact(type, name, 4, (at) => ip4(((this.bytes[at]! << 24) | (this.bytes[at + 1]! << 16) | (this.bytes[at + 2]! << 8) | this.bytes[at + 3]!) >>> 0));
  }

  /**
   * An IPv6 address (16 bytes, network order).
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the address, undefined when absent, or an error when not 16 bytes
   */
  ip6(type: number, name: string): Read<Ip6> {
    return this.exact(type, name, 16, (at) => {
      let value = 0n;
      for (let i = 0; i < 16; i++) value = (value << 8n) | BigInt(this.bytes[at + i]!);
      return ip6(value);
    });
  }

  /**
   * An address whose family the message header gave.
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @param family 4 or 6
   * @returns the address, undefined when absent, or an error when of the wrong size
   */
  ip(type: number, name: string, family: 4 | 6): Read<Ip> {
    return family === 4 ? this.ip4(type, name) : this.ip6(type, name);
  }

  /**
   * An address of either family, told apart by its length (4 or 16 bytes),
   * as in FDB entries whose remote may be IPv4 or IPv6.
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the address, undefined when absent, or an error for another length
   */
  ipAnyFamily(type: number, name: string): Read<Ip> {
    const slot = this.slots.get(type);
    if (slot === undefined) return ok(undefined);
    if (slot.length === 4) return this.ip4(type, name);
    if (slot.length === 16) return this.ip6(type, name);
    return err(malformed(name, slot.start, `an address of ${slot.length} bytes (expected 4 or 16)`));
  }

  /**
   * An Ethernet address (6 bytes).
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the address, undefined when absent, or an error when not 6 bytes
   */
  mac(type: number, name: string): Read<Mac> {
    return this.exact(type, name, 6, (at) => macFromBytes(this.bytes.subarray(at, at + 6)));
  }

  /**
   * The attributes nested inside an attribute.
   *
   * @param type the attribute type
   * @param name its name, for errors
   * @returns the inner attributes, undefined when absent, or an error from reading them
   */
  nested(type: number, name: string): Read<Attributes> {
    const slot = this.slots.get(type);
    if (slot === undefined) return ok(undefined);
    return Attributes.parse(this.bytes, slot.start, slot.start + slot.length).mapErr((e) =>
      e.kind === "truncated-message" ? truncated(`${e.what} in ${name}`, e.offset, e.need, e.have) : malformed(`${e.what} in ${name}`, e.offset, e.reason)
    );
  }

  private exact<T>(type: number, name: string, size: number, read: (at: number) => T): Read<T> {
    const slot = this.slots.get(type);
    if (slot === undefined) return ok(undefined);
    if (slot.length !== size) return err(malformed(name, slot.start, `${slot.length} bytes (expected ${size})`));
    return ok(read(slot.start));
  }
}
