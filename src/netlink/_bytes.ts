// Little-endian reads and a growable writer for netlink messages. Netlink
// uses the host's byte order; this project runs on x86-64 and arm64 Linux,
// both little-endian. Callers check bounds before reading.

/** Reads an unsigned 16-bit little-endian value. */
export function u16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

/** Reads an unsigned 32-bit little-endian value. */
export function u32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

/** Reads a signed 32-bit little-endian value. */
export function i32(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24);
}

/** Rounds up to netlink's 4-byte alignment. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Appends bytes to a buffer that grows as needed; `patchU32` fills in lengths afterwards. */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  private room(n: number): number {
    const at = this.length;
    if (at + n > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, at + n));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
    }
    this.length = at + n;
    return at;
  }

  u8(value: number): this {
    this.buffer[this.room(1)] = value;
    return this;
  }

  u16(value: number): this {
    const at = this.room(2);
    this.buffer[at] = value & 0xff;
    this.buffer[at + 1] = (value >>> 8) & 0xff;
    return this;
  }

  /** A 16-bit value in network byte order (big-endian), as UDP ports travel. */
  u16be(value: number): this {
    const at = this.room(2);
    this.buffer[at] = (value >>> 8) & 0xff;
    this.buffer[at + 1] = value & 0xff;
    return this;
  }

  u32(value: number): this {
    this.patchU32(this.room(4), value);
    return this;
  }

  bytes(value: Uint8Array): this {
    this.buffer.set(value, this.room(value.length));
    return this;
  }

  /** Zero bytes up to the next multiple of 4. */
  pad(): this {
    const n = align4(this.length) - this.length;
    this.buffer.fill(0, this.room(n), this.length);
    return this;
  }

  /** Overwrites a 32-bit little-endian value already written (a length). */
  patchU32(offset: number, value: number): void {
    this.buffer[offset] = value & 0xff;
    this.buffer[offset + 1] = (value >>> 8) & 0xff;
    this.buffer[offset + 2] = (value >>> 16) & 0xff;
    this.buffer[offset + 3] = (value >>> 24) & 0xff;
  }

  /** Overwrites a 16-bit little-endian value already written. */
  patchU16(offset: number, value: number): void {
    this.buffer[offset] = value & 0xff;
    this.buffer[offset + 1] = (value >>> 8) & 0xff;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
