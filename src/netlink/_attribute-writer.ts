// Attributes on the way out: `nla_len` covers header and value, not the
// padding that follows it to the next 4-byte boundary.
import type { Ip } from "../subnet/ip.ts";
import type { ByteWriter } from "./_bytes.ts";
import { type Mac, macBytes } from "./mac.ts";

/** Writes one attribute whose value `body` writes. */
export function attribute(w: ByteWriter, type: number, body: (w: ByteWriter) => void): void {
  const start = w.size;
  w.u16(0).u16(type);
  body(w);
  w.patchU16(start, w.size - start);
  w.pad();
}

export function attributeU8(w: ByteWriter, type: number, value: number): void {
  attribute(w, type, (v) => v.u8(value));
}

export function attributeU32(w: ByteWriter, type: number, value: number): void {
  attribute(w, type, (v) => v.u32(value));
}

export function attributeU16be(w: ByteWriter, type: number, value: number): void {
  attribute(w, type, (v) => v.u16be(value));
}

/** A flag attribute: present means true, no value. */
export function attributeFlag(w: ByteWriter, type: number): void {
  attribute(w, type, () => undefined);
}

/** A NUL-terminated string. */
export function attributeString(w: ByteWriter, type: number, value: string): void {
  attribute(w, type, (v) => v.bytes(new TextEncoder().encode(value)).u8(0));
}

export function attributeMac(w: ByteWriter, type: number, value: Mac): void {
  attribute(w, type, (v) => v.bytes(macBytes(value)));
}

/** An address in network byte order: 4 bytes for IPv4, 16 for IPv6. */
export function attributeIp(w: ByteWriter, type: number, value: Ip): void {
  attribute(w, type, (v) => v.bytes(ipBytes(value)));
}

/** An address in network byte order. */
export function ipBytes(ip: Ip): Uint8Array {
  if (ip.family === 4) return new Uint8Array([ip.value >>> 24, (ip.value >>> 16) & 0xff, (ip.value >>> 8) & 0xff, ip.value & 0xff]);
  const bytes = new Uint8Array(16);
  let v = ip.value;
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return bytes;
}
