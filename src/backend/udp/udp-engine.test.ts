import { errAsync, okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { type Libc, LINUX } from "../../libc/libc.ts";
import { parseCidr4, parseIp4 } from "../../subnet/index.ts";
import { type CommandResult, startUdpEngineOn, type UdpEngineOptions, type UdpEnginePlatform } from "./udp-engine.ts";

// The engine's side effects, against a fake host: every libc call, `ip`
// command and file write goes into one log, in order, so each case asserts
// exactly what was created and what was taken back.

const c = (text: string) => parseCidr4(text)._unsafeUnwrap();
const options: UdpEngineOptions = { device: "fl0", subnet: c("10.5.1.0/24"), network: c("10.5.0.0/16"), bind: parseIp4("192.0.2.1")._unsafeUnwrap(), mtu: 1472 };

const PERSISTENT_TUN = (mtu: number, up: boolean) =>
  JSON.stringify([{
    ifindex: 7,
    ifname: "fl0",
    flags: ["POINTOPOINT", "NOARP", ...(up ? ["UP"] : [])],
    mtu,
    inet6_addr_gen_mode: "eui64",
    linkinfo: { info_kind: "tun", info_data: { type: "tun", persist: true } },
  }]);

interface Host {
  /** Output of `ip -j -d link show dev fl0`; undefined: no such device. */
  readonly link?: string;
  readonly addrs?: string;
  readonly routes?: string;
  readonly acceptLocal?: string;
  /** A command (as logged) that fails. */
  readonly failing?: string;
  /** errno of bind, 0 for success. */
  readonly bindErrno?: number;
  readonly threadsStart?: boolean;
}

function fakeHost(host: Host): { platform: UdpEnginePlatform; log: string[] } {
  const log: string[] = [];
  const buffers: Uint8Array[] = [];
  let errno = 0;
  let nextFd = 10;
  const name = (bytes: Uint8Array): string => new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
  const libc: Libc = {
    addressOf: (bytes) => buffers.push(bytes) - 1,
    errno: () => errno,
    open: () => (log.push(`open /dev/net/tun = ${nextFd}`), nextFd++),
    close: (fd) => (log.push(`close ${fd}`), 0),
    ioctl: (fd, request, arg) => {
      if (request !== LINUX.TUNSETIFF) return 0;
      const ifreq = buffers[arg]!;
      log.push(`TUNSETIFF ${fd} ${name(ifreq)}${(ifreq[17]! << 8) & LINUX.IFF_VNET_HDR ? " vnet" : ""}`);
      return 0;
    },
    socket: () => (log.push(`socket = ${nextFd}`), nextFd++),
    bind: (fd) => {
      log.push(`bind ${fd}`);
      errno = host.bindErrno ?? 0;
      return errno === 0 ? 0 : -1;
    },
    setsockopt: () => 0,
    read: () => -1,
    write: () => -1,
    sendto: () => -1,
    sendmsg: () => -1,
    recvmsg: () => -1,
    poll: () => 0,
  };
  const answer = (code: number, stdout = "", stderr = ""): CommandResult => ({ code, stdout, stderr });
  const platform: UdpEnginePlatform = {
    libc,
    runCommand: (command, args) => {
      const line = `${command} ${args.join(" ")}`;
      if (args[0] === "-j") {
        if (args.includes("link")) return okAsync(host.link === undefined ? answer(1, "", 'Device "fl0" does not exist.\n') : answer(0, host.link));
        if (args.includes("addr")) return okAsync(answer(0, host.addrs ?? "[]"));
        return okAsync(answer(0, host.routes ?? "[]"));
      }
      log.push(line);
      return okAsync(line === host.failing ? answer(2, "", "RTNETLINK answers: File exists\n") : answer(0));
    },
    readTextFile: () => okAsync(host.acceptLocal ?? "0\n"),
    writeTextFile: (path, text) => {
      const line = `write ${path} ${text.trim()}`;
      log.push(line);
      return line === host.failing ? errAsync({ message: "EACCES" }) : okAsync(undefined);
    },
    startForwarder: () => {
      const ready = host.threadsStart === false ? Promise.reject(new Error("no worker")) : Promise.resolve();
      ready.catch(() => undefined);
      return { ready, exited: Promise.resolve(undefined), terminate: () => Promise.resolve() };
    },
  };
  return { platform, log };
}

const NEW_DEVICE_SETUP = [
  "socket = 10",
  "bind 10",
  "open /dev/net/tun = 11",
  "TUNSETIFF 11 fl0 vnet",
  "ip addr add 10.5.1.0/32 dev fl0",
  "ip link set dev fl0 mtu 1472 up",
  "ip route add 10.5.0.0/16 dev fl0",
  "write /proc/sys/net/ipv4/conf/fl0/accept_local 1",
];

describe("startUdpEngineOn: what it creates and what it takes back", () => {
  it("a new device: set up after the port is bound; closing the descriptor takes everything back", async () => {
    const { platform, log } = fakeHost({});
    const engine = (await startUdpEngineOn(platform, options))._unsafeUnwrap();
    expect(log).toEqual(NEW_DEVICE_SETUP);
    log.length = 0;
    await engine.close();
    await engine.close();
    expect(log).toEqual(["close 11", "close 10"]);
  });

  it("an existing persistent TUN: no offloads, only its own changes, each undone newest first; the device stays", async () => {
    const { platform, log } = fakeHost({ link: PERSISTENT_TUN(1500, false), addrs: "[]", acceptLocal: "0\n" });
    const engine = (await startUdpEngineOn(platform, options))._unsafeUnwrap();
    expect(log).toEqual([
      "socket = 10",
      "bind 10",
      "open /dev/net/tun = 11",
      "TUNSETIFF 11 fl0",
      "ip link set dev fl0 addrgenmode eui64",
      "ip addr add 10.5.1.0/32 dev fl0",
      "ip link set dev fl0 mtu 1472 up",
      "ip route add 10.5.0.0/16 dev fl0",
      "write /proc/sys/net/ipv4/conf/fl0/accept_local 1",
    ]);
    expect(engine.offload).toEqual({ tun: false, gso: true, gro: true });
    log.length = 0;
    await engine.close();
    expect(log).toEqual([
      "write /proc/sys/net/ipv4/conf/fl0/accept_local 0",
      "ip route del 10.5.0.0/16 dev fl0",
      "ip link set dev fl0 mtu 1500 down",
      "ip addr del 10.5.1.0/32 dev fl0",
      "ip link set dev fl0 addrgenmode eui64",
      "close 11",
      "close 10",
    ]);
  });

  it("an existing TUN that has the address and the route already: they are kept at the end", async () => {
    const { platform, log } = fakeHost({
      link: PERSISTENT_TUN(1472, true),
      addrs: JSON.stringify([{ ifname: "fl0", addr_info: [{ family: "inet", local: "10.5.1.0", prefixlen: 32 }] }]),
      routes: JSON.stringify([{ dst: "10.5.0.0/16", dev: "fl0" }]),
      acceptLocal: "1\n",
    });
    const engine = (await startUdpEngineOn(platform, options))._unsafeUnwrap();
    expect(log).toEqual(["socket = 10", "bind 10", "open /dev/net/tun = 11", "TUNSETIFF 11 fl0", "ip link set dev fl0 addrgenmode eui64"]);
    log.length = 0;
    await engine.close();
    expect(log).toEqual(["ip link set dev fl0 addrgenmode eui64", "close 11", "close 10"]);
  });

  it("a port in use: nothing but the socket is touched", async () => {
    const { platform, log } = fakeHost({ bindErrno: 98 });
    const started = await startUdpEngineOn(platform, options);
    expect(started._unsafeUnwrapErr()).toMatchObject({ kind: "udp-socket", step: "bind", address: "192.0.2.1:8285", errno: 98 });
    expect(log).toEqual(["socket = 10", "bind 10", "close 10"]);
  });

  it("another's route for the network: refused before anything is touched", async () => {
    const { platform, log } = fakeHost({ routes: JSON.stringify([{ dst: "10.5.0.0/16", dev: "fl1" }]) });
    const started = await startUdpEngineOn(platform, options);
    expect(started._unsafeUnwrapErr()).toMatchObject({ kind: "tun-host-conflict", what: "route", value: "10.5.0.0/16" });
    expect(log).toEqual([]);
  });

  it("a TUN held by another process: refused before anything is touched", async () => {
    const { platform, log } = fakeHost({
      link: JSON.stringify([{ ifindex: 7, ifname: "fl0", flags: ["UP"], mtu: 1472, linkinfo: { info_kind: "tun", info_data: { persist: false } } }]),
    });
    const started = await startUdpEngineOn(platform, options);
    expect(started._unsafeUnwrapErr()).toEqual({ kind: "tun-host-conflict", what: "device", value: "fl0", message: "TUN device fl0 is in use by another process" });
    expect(log).toEqual([]);
  });

  it("a network of every address: refused before the host is read", async () => {
    const { platform, log } = fakeHost({});
    const started = await startUdpEngineOn(platform, { ...options, network: c("0.0.0.0/0") });
    expect(started._unsafeUnwrapErr()).toMatchObject({ kind: "udp-engine-option", option: "network", value: "0.0.0.0/0" });
    expect(log).toEqual([]);
  });

  const failures: readonly (readonly [string, Host, readonly string[]])[] = [
    ["the route on a new device", { failing: "ip route add 10.5.0.0/16 dev fl0" }, ["close 11", "close 10"]],
    ["accept_local on a new device", { failing: "write /proc/sys/net/ipv4/conf/fl0/accept_local 1" }, ["close 11", "close 10"]],
    [
      "the route on an existing device",
      { link: PERSISTENT_TUN(1400, true), failing: "ip route add 10.5.0.0/16 dev fl0" },
      ["ip link set dev fl0 mtu 1400", "ip addr del 10.5.1.0/32 dev fl0", "ip link set dev fl0 addrgenmode eui64", "close 11", "close 10"],
    ],
  ];
  it.each(failures)("a failed step (%s): exactly what was done is taken back", async (_name, host, undone) => {
    const { platform, log } = fakeHost(host);
    const started = await startUdpEngineOn(platform, options);
    expect(started._unsafeUnwrapErr()).toMatchObject({ kind: "tun-config" });
    const at = log.indexOf(host.failing!);
    expect(at).toBeGreaterThan(0);
    expect(log.slice(at + 1)).toEqual(undone);
  });

  it("a forwarding thread that does not start: the device setup is taken back", async () => {
    const { platform, log } = fakeHost({ threadsStart: false });
    const started = await startUdpEngineOn(platform, { ...options, pollMs: 1 });
    expect(started._unsafeUnwrapErr()).toMatchObject({ kind: "forwarder-start", direction: "outbound" });
    expect(log).toEqual([...NEW_DEVICE_SETUP, "close 11", "close 10"]);
  });
});
