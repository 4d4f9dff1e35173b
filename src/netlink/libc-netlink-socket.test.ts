import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { type Libc, readU64 } from "../libc/libc.ts";
import { openLibcNetlinkSocket } from "./libc-netlink-socket.ts";

/** One scripted result of recvmsg: bytes to deliver, or an errno. */
type Arrival = Uint8Array | { readonly errno: number };

/**
 * A C library that records calls and plays a script: buffers get fake
 * addresses, recvmsg copies the next arrival into the buffer its msghdr
 * points at.
 */
class FakeLibc implements Libc {
  readonly calls: string[] = [];
  readonly sent: Uint8Array[] = [];
  readonly arrivals: Arrival[] = [];
  failures: Record<string, number> = {};
  sendErrnos: number[] = [];
  private lastErrno = 0;
  private readonly buffers = new Map<number, Uint8Array>();
  private readonly addresses = new Map<ArrayBufferLike, number>();

  addressOf(bytes: Uint8Array): number {
    let base = this.addresses.get(bytes.buffer);
    if (base === undefined) {
      base = 0x10000 * (this.addresses.size + 1);
      this.addresses.set(bytes.buffer, base);
      this.buffers.set(base, new Uint8Array(bytes.buffer));
    }
    return base + bytes.byteOffset;
  }
  private at(address: number): Uint8Array {
    const base = address - (address % 0x10000);
    return this.buffers.get(base)!.subarray(address - base);
  }
  private fail(name: string): number | undefined {
    const errno = this.failures[name];
    if (errno === undefined) return undefined;
    this.lastErrno = errno;
    return -1;
  }
  errno(): number {
    return this.lastErrno;
  }
  open(): number {
    return -1;
  }
  close(fd: number): number {
    this.calls.push(`close ${fd}`);
    return 0;
  }
  ioctl(): number {
    return -1;
  }
  socket(domain: number, type: number, protocol: number): number {
    this.calls.push(`socket ${domain} ${type.toString(8)} ${protocol}`);
    return this.fail("socket") ?? 7;
  }
  bind(fd: number, address: number, length: number): number {
    this.calls.push(`bind ${fd} family ${this.at(address)[0]} length ${length}`);
    return this.fail("bind") ?? 0;
  }
  setsockopt(_fd: number, level: number, name: number, value: number): number {
    this.calls.push(`setsockopt ${level} ${name} ${new DataView(this.at(value).buffer, this.at(value).byteOffset).getInt32(0, true)}`);
    return this.fail(`setsockopt ${level} ${name}`) ?? 0;
  }
  read(): number {
    return -1;
  }
  write(): number {
    return -1;
  }
  sendto(_fd: number, buffer: number, length: number, _flags: number, address: number, addressLength: number): number {
    const errno = this.sendErrnos.shift();
    if (errno !== undefined) {
      this.lastErrno = errno;
      return -1;
    }
    this.calls.push(`sendto ${length} to family ${this.at(address)[0]} length ${addressLength}`);
    this.sent.push(this.at(buffer).slice(0, length));
    return length;
  }
  sendmsg(): number {
    return -1;
  }
  recvmsg(_fd: number, message: number, flags: number): number {
    const arrival = this.arrivals.shift();
    if (arrival === undefined) {
      this.lastErrno = 11;
      return -1;
    }
    if (!(arrival instanceof Uint8Array)) {
      this.lastErrno = arrival.errno;
      return -1;
    }
    const iovec = this.at(readU64(this.at(message), 16));
    const into = this.at(readU64(iovec, 0));
    const room = readU64(iovec, 8);
    into.set(arrival.subarray(0, room));
    return (flags & 0x20) !== 0 ? arrival.length : Math.min(room, arrival.length);
  }
  poll(_fds: number, _count: number, timeoutMs: number): number {
    this.calls.push(`poll ${timeoutMs <= 2 ? "short" : timeoutMs}`);
    return 0;
  }
}

describe("openLibcNetlinkSocket (over a scripted C library)", () => {
  it("opens AF_NETLINK SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK NETLINK_ROUTE, asks for its options and binds", () => {
    const libc = new FakeLibc();
    libc.failures = { "setsockopt 1 33": 1 };
    expect(openLibcNetlinkSocket(libc, { receiveBuffer: 4096 }).map((s) => s.fd)).toEqual(ok(7));
    expect(libc.calls).toEqual([
      "socket 16 2004003 0",
      "setsockopt 1 33 4096",
      "setsockopt 1 8 4096",
      "setsockopt 270 11 1",
      "setsockopt 270 10 1",
      "setsockopt 270 12 1",
      "bind 7 family 16 length 12",
    ]);
  });

  it("names the call that failed and its errno, and closes what it opened", () => {
    const noFamily = new FakeLibc();
    noFamily.failures = { socket: 97 };
    expect(openLibcNetlinkSocket(noFamily)).toEqual(
      err({
        kind: "netlink-transport",
        operation: "socket",
        errno: 97,
        errnoName: "EAFNOSUPPORT",
        message: "netlink socket: socket: EAFNOSUPPORT (address family not supported by protocol)",
      }),
    );
    const noBind = new FakeLibc();
    noBind.failures = { bind: 1 };
    expect(openLibcNetlinkSocket(noBind).mapErr((e) => e.message)).toEqual(err("netlink socket: bind: EPERM (operation not permitted)"));
    expect(noBind.calls.at(-1)).toBe("close 7");
  });

  it("sends a datagram to the kernel's address, again after EINTR, and reports other errors", () => {
    const libc = new FakeLibc();
    const socket = openLibcNetlinkSocket(libc)._unsafeUnwrap();
    libc.sendErrnos = [4];
    const big = new Uint8Array(40000).fill(3);
    expect(socket.send(big)).toEqual(ok(undefined));
    expect([libc.calls.at(-1), libc.sent[0]?.length, libc.sent[0]?.[39999]]).toEqual(["sendto 40000 to family 16 length 12", 40000, 3]);
    libc.sendErrnos = [1];
    expect(socket.send(new Uint8Array(16)).mapErr((e) => e.message)).toEqual(err("netlink socket: sendto: EPERM (operation not permitted)"));
  });

  it("hands out every queued datagram as a copy, and an overflow as an error that says so", async () => {
    const libc = new FakeLibc();
    const socket = openLibcNetlinkSocket(libc)._unsafeUnwrap();
    libc.arrivals.push(new Uint8Array([1, 2, 3]), { errno: 4 }, new Uint8Array([4, 5]));
    expect((await socket.receive(100)).map((ds) => ds.map((d) => [...d]))).toEqual(ok([[1, 2, 3], [4, 5]]));
    libc.arrivals.push({ errno: 105 });
    expect((await socket.receive(100)).mapErr((e) => [e.errnoName, e.message])).toEqual(
      err(["ENOBUFS", "netlink socket: recvmsg: ENOBUFS (no buffer space available): the receive buffer overflowed and the kernel dropped answers"]),
    );
    libc.arrivals.push(new Uint8Array(70000));
    expect((await socket.receive(100)).mapErr((e) => e.message)).toEqual(
      err("netlink socket: recvmsg: EMSGSIZE (message too long): a datagram of 70000 bytes does not fit the 65536-byte buffer"),
    );
  });

  it("waits for a late answer in short polls, and resolves to nothing when none comes", async () => {
    const libc = new FakeLibc();
    const socket = openLibcNetlinkSocket(libc)._unsafeUnwrap();
    setTimeout(() => libc.arrivals.push(new Uint8Array([9])), 5);
    expect((await socket.receive(1000)).map((ds) => ds.length)).toEqual(ok(1));
    expect(await socket.receive(5)).toEqual(ok([]));
    expect(new Set(libc.calls.filter((c) => c.startsWith("poll")))).toEqual(new Set(["poll short"]));
    socket.close();
    socket.close();
    expect(libc.calls.filter((c) => c.startsWith("close"))).toEqual(["close 7"]);
  });
});
