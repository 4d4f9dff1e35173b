// config set, config get, leases and lease acquire against an in-memory
// registry (the same commands run against etcd in test/integration).
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryRegistry } from "../../etcd/memory-registry.ts";
import type { CliCommand, CliIo } from "../io.ts";
import { openShared } from "../open-etcd-registry.ts";
import { configGetCommand } from "./config-get.ts";
import { configSetCommand } from "./config-set.ts";
import { leaseAcquireCommand } from "./lease-acquire.ts";
import { formatSeconds, leasesCommand } from "./leases.ts";

function capture(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env };
  return { io, out: () => out.join(""), err: () => err.join("") };
}

let registry: MemoryRegistry;
let dir: string;
beforeEach(() => {
  registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-cli-"));
});
afterEach(async () => {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = async (command: CliCommand, argv: string[], env: Record<string, string> = {}) => {
  const c = capture(env);
  const code = await command.run(argv, c.io);
  return { code, out: c.out(), err: c.err() };
};

describe("config set / config get", () => {
  it("writes the config exactly as given, refuses to overwrite without --force", async () => {
    const set = configSetCommand(openShared(registry));
    const get = configGetCommand(openShared(registry));
    const text = '{"Network":"172.20.0.0/16"}';
    expect(await run(set, [text, "--etcd-prefix", "/atomic.io/network"])).toEqual({ code: 0, out: "wrote /atomic.io/network/config\n", err: "" });
    expect(await run(get, [])).toEqual({ code: 0, out: `${text}\n`, err: "" });
    expect(await run(set, ['{"Network":"10.9.0.0/16"}'])).toEqual({
      code: 1,
      out: "",
      err: "flannel-ts config set: a network config already exists at /atomic.io/network/config; pass overwrite (--force) to replace it\n",
    });
    expect((await run(set, ['{"Network":"10.9.0.0/16"}', "--force"])).code).toBe(0);
    expect((await run(get, ["--json"])).out).toContain('"Network": "10.9.0.0/16"');
  });

  it("reads the config from @file", async () => {
    const file = join(dir, "net.json");
    writeFileSync(file, '{\n  "Network": "10.5.0.0/16",\n  "Backend": {"Type": "udp"}\n}\n');
    expect((await run(configSetCommand(openShared(registry)), [`@${file}`])).code).toBe(0);
    expect((await registry.getConfig())._unsafeUnwrap()).toBe(readFileSync(file, "utf8"));
  });

  it("validates first and writes nothing when the config is wrong", async () => {
    const result = await run(configSetCommand(openShared(registry)), ['{"Network":"10.5.0.0/16","SubnetLen":31}']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^flannel-ts config set: .*SubnetLen.*\nflannel-ts config set: nothing written\n$/);
    expect((await registry.getConfig())._unsafeUnwrapErr().kind).toBe("config-not-found");
  });

  it("answers usage errors with 2", async () => {
    const set = configSetCommand(openShared(registry));
    expect((await run(set, [])).code).toBe(2);
    expect((await run(set, ["{}", "{}"])).code).toBe(2);
    expect((await run(set, ["--bogus", "{}"])).code).toBe(2);
    expect(await run(set, ['{"Network":"10.5.0.0/16"}', "--etcd-endpoints", "127.0.0.1:2379"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("--etcd-endpoints") as unknown,
    });
  });

  it("says when there is no config", async () => {
    expect(await run(configGetCommand(openShared(registry)), [])).toEqual({
      code: 1,
      out: "",
      err: `flannel-ts config get: no network config at /atomic.io/network/config: write one first (flannel-ts config set '{"Network":"10.5.0.0/16"}')\n`,
    });
  });
});

describe("leases", () => {
  it("lists subnet, PublicIP, backend, TTL left and reservations; JSON too", async () => {
    registry.putRaw("/atomic.io/network/config", '{"Network":"10.5.0.0/16"}');
    registry.putRaw("/atomic.io/network/subnets/10.5.7.0-24", '{"PublicIP":"192.0.2.7","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1}}');
    const acquire = leaseAcquireCommand(openShared(registry));
    expect((await run(acquire, ["--public-ip", "192.0.2.1", "--subnet-file", join(dir, "a.env"), "--ttl", "600"])).code).toBe(0);
    registry.putRaw("/atomic.io/network/subnets/10.5.8.0-24", "garbage");
    const text = await run(leasesCommand(openShared(registry)), []);
    expect(text.code).toBe(0);
    const lines = text.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SUBNET\s+PUBLIC IP\s+BACKEND\s+TTL\s+RESERVED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual(
      expect.arrayContaining([
        ["10.5.7.0/24", "192.0.2.7", "vxlan", "-", "yes"],
        [expect.stringMatching(/^10\.5\.\d+\.0\/24$/), "192.0.2.1", "-", expect.stringMatching(/^(10m0s|9m59s)$/), "no"],
      ]),
    );
    expect(text.err).toMatch(/^flannel-ts leases: warning: invalid lease value "garbage": not JSON: .* \(at \/atomic\.io\/network\/subnets\/10\.5\.8\.0-24\)\n$/);
    const json = JSON.parse((await run(leasesCommand(openShared(registry)), ["--json"])).out) as { revision: number; leases: unknown[]; unreadable: unknown[] };
    expect(json.leases).toContainEqual({
      key: "/atomic.io/network/subnets/10.5.7.0-24",
      subnet: "10.5.7.0/24",
      publicIp: "192.0.2.7",
      publicIpv6: null,
      backendType: "vxlan",
      backendData: { VNI: 1 },
      reserved: true,
      leaseId: null,
      ttlSeconds: null,
      value: '{"PublicIP":"192.0.2.7","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1}}',
    });
    expect(json.unreadable).toEqual([{ key: "/atomic.io/network/subnets/10.5.8.0-24", value: "garbage", error: expect.stringContaining("not JSON") as unknown }]);
  });

  it.each([
    [0, "0s"],
    [59, "59s"],
    [60, "1m0s"],
    [3599, "59m59s"],
    [3600, "1h0m0s"],
    [86_399, "23h59m59s"],
  ])("formats %d s as %s", (s, text) => {
    expect(formatSeconds(s)).toBe(text);
  });
});

describe("lease acquire", () => {
  beforeEach(() => registry.putRaw("/atomic.io/network/config", '{"Network":"10.5.0.0/16"}'));

  it("acquires a lease, writes flanneld's subnet.env and reuses the lease the next time", async () => {
    const file = join(dir, "run", "subnet.env");
    const acquire = leaseAcquireCommand(openShared(registry));
    const first = await run(acquire, ["--public-ip", "192.0.2.1", "--subnet-file", file, "--json"]);
    expect(first.code).toBe(0);
    const lease = JSON.parse(first.out) as { key: string; subnet: string; source: string; ttlSeconds: number; reserved: boolean; value: string };
    expect(lease).toMatchObject({ source: "new", ttlSeconds: 86_400, reserved: false, value: '{"PublicIP":"192.0.2.1","PublicIPv6":null}' });
    const [a, b, c] = lease.subnet.split(".");
    expect(readFileSync(file, "utf8")).toBe(`FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=${a}.${b}.${c}.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n`);

    const again = await run(acquire, ["--public-ip", "192.0.2.1", "--subnet-file", file]);
    expect(again.code).toBe(0);
    const lines = again.out.split("\n");
    expect(lines.slice(0, 2)).toEqual([`${lease.subnet} for 192.0.2.1 (its lease, renewed)`, `key ${lease.key}`]);
    expect(["expires in 24h0m0s unless renewed", "expires in 23h59m59s unless renewed"]).toContain(lines[2]);
    expect(lines.slice(3)).toEqual([`wrote ${file}`, ""]);
  });

  it("takes the subnet of an existing subnet.env when free, with settings from FLANNELD_* variables", async () => {
    const file = join(dir, "subnet.env");
    writeFileSync(file, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.99.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n");
    const result = await run(leaseAcquireCommand(openShared(registry)), ["--json", "--mtu", "1400"], {
      FLANNELD_PUBLIC_IP: "192.0.2.5",
      FLANNELD_SUBNET_FILE: file,
      FLANNELD_IP_MASQ: "true",
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ key: "/atomic.io/network/subnets/10.5.99.0-24", source: "previous", publicIp: "192.0.2.5" });
    expect(readFileSync(file, "utf8")).toBe("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.99.1/24\nFLANNEL_MTU=1400\nFLANNEL_IPMASQ=true\n");
  });

  it("exits 1 with allocation's message when the network is full", async () => {
    registry.putRaw("/atomic.io/network/config", '{"Network":"10.5.0.0/24","SubnetLen":26}');
    const acquire = leaseAcquireCommand(openShared(registry));
    for (const ip of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) expect((await run(acquire, ["--public-ip", ip, "--subnet-file", join(dir, `${ip}.env`)])).code).toBe(0);
    expect(await run(acquire, ["--public-ip", "192.0.2.4", "--subnet-file", join(dir, "4.env")])).toEqual({
      code: 1,
      out: "",
      err: "flannel-ts lease acquire: out of subnets: all 3 IPv4 subnets of /26 from 10.5.0.64 to 10.5.0.192 are taken (or overlap a taken subnet)\n",
    });
  });

  it("warns that a non-udp network gets a udp lease", async () => {
    registry.putRaw("/atomic.io/network/config", '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}');
    const result = await run(leaseAcquireCommand(openShared(registry)), ["--public-ip", "192.0.2.1", "--subnet-file", join(dir, "s.env")]);
    expect(result.code).toBe(0);
    expect(result.err).toContain('the network\'s backend is "vxlan"');
    expect(readFileSync(join(dir, "s.env"), "utf8")).toContain("FLANNEL_MTU=1450\n");
  });

  it.each([
    [[], "--public-ip (or FLANNELD_PUBLIC_IP) is required: this host's IPv4 address that peers reach"],
    [["--public-ip", "300.0.0.1"], '--public-ip: "300.0.0.1" is not an IPv4 address (octet 300 is above 255)'],
    [["--public-ip", "0.0.0.0"], '--public-ip: "0.0.0.0" is not a unicast address (0.0.0.0 means any address)'],
    [["--public-ip", "255.255.255.255"], '--public-ip: "255.255.255.255" is not a unicast address (it is the broadcast address)'],
    [["--public-ip", "239.1.1.1"], '--public-ip: "239.1.1.1" is not a unicast address (224.0.0.0 and above are multicast and reserved)'],
    [["--public-ip", "2001:db8::1"], '--public-ip: "2001:db8::1" is an IPv6 address; give an IPv4 address'],
    [["--public-ip", "192.0.2.1", "--ttl", "0"], '--ttl: "0" is out of range: give seconds from 1 to 9000000000 (etcd\'s largest lease TTL)'],
    [["--public-ip", "192.0.2.1", "--mtu", "x"], '--mtu: "x" is not an integer'],
    [["--public-ip", "192.0.2.1", "--mtu", "1"], '--mtu: "1" is out of range: give an MTU from 68 (IPv4\'s minimum) to 65507 (the largest packet one UDP datagram carries)'],
    [
      ["--public-ip", "192.0.2.1", "--etcd-endpoints", "127.0.0.1:2379"],
      '--etcd-endpoints: "127.0.0.1:2379" has an endpoint without http:// or https:// in front; give comma-separated URLs such as http://127.0.0.1:2379',
    ],
  ])("answers %j with exit 2 and takes no lease", async (argv, message) => {
    const result = await run(leaseAcquireCommand(openShared(registry)), [...argv, "--subnet-file", join(dir, "x.env")]);
    expect(result).toEqual({ code: 2, out: "", err: `flannel-ts lease acquire: ${message}\n` });
    expect((await registry.listLeases())._unsafeUnwrap().leases).toEqual([]);
  });

  it("a bad FLANNELD_PUBLIC_IP is named as the variable", async () => {
    const result = await run(leaseAcquireCommand(openShared(registry)), ["--subnet-file", join(dir, "x.env")], { FLANNELD_PUBLIC_IP: "10.0.0.256" });
    expect(result).toEqual({
      code: 2,
      out: "",
      err: 'flannel-ts lease acquire: FLANNELD_PUBLIC_IP (for --public-ip): "10.0.0.256" is not an IPv4 address (octet 256 is above 255)\n',
    });
  });

  it.each([
    ["a directory", (p: string) => mkdirSync(p), "directory"],
    ["a FIFO", (p: string) => spawnSync("mkfifo", [p]), "FIFO"],
    ["a link to nothing", (p: string) => symlinkSync(join(dir, "nowhere"), p), "dangling symbolic link"],
  ])("checks subnet.env before it takes a lease: %s there is exit 1, no lease, left as it is", async (_what, make, type) => {
    const file = join(dir, "subnet.env");
    make(file);
    const before = lstatSync(file);
    const result = await run(leaseAcquireCommand(openShared(registry)), ["--public-ip", "192.0.2.1", "--subnet-file", file]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^flannel-ts lease acquire: no lease taken: refusing to write ${file}.*: it is a ${type}, not a regular file; it is left as it is\\n$`));
    expect((await registry.listLeases())._unsafeUnwrap().leases).toEqual([]);
    expect(lstatSync(file).ino).toBe(before.ino);
  });

  it("a directory that cannot be made is found before the lease is taken", async () => {
    writeFileSync(join(dir, "file"), "");
    const result = await run(leaseAcquireCommand(openShared(registry)), ["--public-ip", "192.0.2.1", "--subnet-file", join(dir, "file", "subnet.env")]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^flannel-ts lease acquire: no lease taken: cannot write .*\(mkdir failed: .*\); the file is unchanged\n$/);
    expect((await registry.listLeases())._unsafeUnwrap().leases).toEqual([]);
  });

  it("gives a new lease back when subnet.env cannot be written after all", async () => {
    const file = join(dir, "subnet.env");
    // The check passes; then, while the lease is taken, the path becomes a directory.
    const racing = new Proxy(registry, {
      get(target, property) {
        if (property === "createLease") {
          return (...args: Parameters<typeof registry.createLease>) =>
            target.createLease(...args).map((written) => {
              mkdirSync(file);
              return written;
            });
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const result = await run(leaseAcquireCommand(openShared(racing)), ["--public-ip", "192.0.2.1", "--subnet-file", file]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^flannel-ts lease acquire: acquired \/atomic\.io\/network\/subnets\/10\.5\.\d+\.0-24 but could not write subnet\.env: refusing to write .*; the lease was given back\n$/,
    );
    expect((await registry.listLeases())._unsafeUnwrap().leases).toEqual([]);
  });

  it.each([
    ["a new lease: given back", false, "the lease was given back", 0],
    ["the host's lease from before: kept", true, "the lease it held before stays", 1],
  ])("checks subnet.env before writing it: an MTU below IPv6's 1280 on a dual-stack network is refused, the file left alone (%s)", async (_name, heldBefore, after, leasesLeft) => {
    registry.putRaw("/atomic.io/network/config", '{"Network":"10.5.0.0/16","EnableIPv6":true,"IPv6Network":"fd00:5::/48"}');
    const file = join(dir, "subnet.env");
    const acquire = leaseAcquireCommand(openShared(registry));
    if (heldBefore) {
      expect((await run(acquire, ["--public-ip", "192.0.2.1", "--subnet-file", file])).code).toBe(0);
      rmSync(file);
    }
    writeFileSync(file, "# left alone\n");
    const result = await run(acquire, ["--public-ip", "192.0.2.1", "--subnet-file", file, "--mtu", "1000", "--json"]);
    expect(result.code, result.err).toBe(1);
    // A warning may come first (the network's backend); the error is the last line.
    const { error } = JSON.parse(result.err.trimEnd().split("\n").at(-1) ?? "") as { error: Record<string, unknown> };
    expect(error).toMatchObject({ kind: "mtu-too-small-for-ipv6", key: "FLANNEL_MTU", value: "1000", path: file, exitCode: 1 });
    expect(error["message"]).toMatch(
      new RegExp(
        `^acquired /atomic\\.io/network/subnets/10\\.5\\.\\d+\\.0-24&fd00:5:0:[0-9a-f]+::-64 but will not write ${file}: FLANNEL_MTU=1000 is below 1280, IPv6's minimum, .*; ${after}$`,
      ),
    );
    expect(readFileSync(file, "utf8")).toBe("# left alone\n");
    expect((await registry.listLeases())._unsafeUnwrap().leases).toHaveLength(leasesLeft);
  });
});
