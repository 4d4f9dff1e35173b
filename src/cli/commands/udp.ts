import { parseArgs } from "node:util";
import { err, ok, type Result } from "neverthrow";
import { parseRouteSpec, type Route, type UdpEngineOptions } from "../../backend/index.ts";
import { DEFAULT_TUN_NAME, DEFAULT_UDP_PORT, ENCAPSULATION_OVERHEAD } from "../../core/defaults.ts";
import { cidrAddress, cidrContains, cidrNetwork, formatCidr, formatIp, parseCidr4, parseIp4, type Cidr4, type Ip4 } from "../../subnet/index.ts";
import type { CliCommand, CliIo } from "../io.ts";


const usage = `Usage: flannel-ts udp --tun NAME --subnet CIDR --network CIDR --bind IP --route CIDR=IP [flags]

Runs flannel's UDP data path with static routes: creates the TUN device NAME
(address: the subnet's network address as /32, MTU: the underlay's MTU - 28,
a route for the whole network through it), forwards IPv4 packets between it
and the peers' UDP port (the packet is the datagram's payload, as flanneld's
UDP backend sends it), and removes the device on SIGINT or SIGTERM.
Datagrams are accepted only from the routes' peers unless --no-source-filter.
Needs root and iproute2's ip.

The counters are printed to stdout as one line of JSON on SIGUSR1 and at exit.

Flags:
  --tun NAME              the TUN device to create (default flannel0)
  --subnet CIDR           this host's subnet, e.g. 10.5.1.0/24 (required)
  --network CIDR          the flannel network, e.g. 10.5.0.0/16 (required)
  --bind IP               the underlay address to bind the UDP port to (required;
                          0.0.0.0 for every address)
  --port N                the UDP port, the same on every host (default 8285)
  --route CIDR=IP[:PORT]  a peer's subnet and its public IP; repeat for more
  --mtu N                 the TUN's MTU (default: the MTU of the interface that
                          holds --bind, or of the default route's, minus 28)
  --no-source-filter      accept datagrams from any sender, as flanneld does
  --no-offload            do not use TSO/GSO/GRO (the bytes on the wire are the
                          same; only slower)
  -h, --help              show this help

Example:
  flannel-ts udp --tun flannel0 --subnet 10.5.1.0/24 --network 10.5.0.0/16 \\
    --bind 192.0.2.1 --route 10.5.2.0/24=192.0.2.2
`;

/** The parsed flags of `flannel-ts udp`. */
interface UdpFlags {
  readonly tun: string;
  readonly subnet: Cidr4;
  readonly network: Cidr4;
  readonly bind: Ip4;
  readonly port: number;
  readonly routes: readonly Route[];
  readonly mtu: number | undefined;
  readonly sourceFilter: boolean;
  readonly offload: boolean;
}

function parsePort(text: string, what: string): Result<number, string> {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) return err(`${what} "${text}" is not a UDP port (1 to 65535)`);
  return ok(Number(text));
}

function parseFlags(argv: readonly string[]): Result<UdpFlags, string> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        tun: { type: "string", default: DEFAULT_TUN_NAME },
        subnet: { type: "string" },
        network: { type: "string" },
        bind: { type: "string" },
        port: { type: "string" },
        route: { type: "string", multiple: true, default: [] },
        mtu: { type: "string" },
        "no-source-filter": { type: "boolean", default: false },
        "no-offload": { type: "boolean", default: false },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (cause) {
    return err(cause instanceof Error ? cause.message : String(cause));
  }
  for (const required of ["subnet", "network", "bind"] as const) {
    if (values[required] === undefined) return err(`missing --${required}`);
  }
  const subnet = parseCidr4(values.subnet!);
  if (subnet.isErr()) return err(`--subnet: ${subnet.error.message}`);
  const network = parseCidr4(values.network!);
  if (network.isErr()) return err(`--network: ${network.error.message}`);
  if (!cidrContains(network.value, subnet.value)) return err(`--subnet ${formatCidr(subnet.value)} is not inside --network ${formatCidr(network.value)}`);
  const bind = parseIp4(values.bind!);
  if (bind.isErr()) return err(`--bind: ${bind.error.message}`);
  const port = values.port === undefined ? ok(DEFAULT_UDP_PORT) : parsePort(values.port, "--port");
  if (port.isErr()) return err(port.error);
  const routes: Route[] = [];
  for (const text of values.route) {
    const route = parseRouteSpec(text, network.value, port.value);
    if (route.isErr()) return err(`--${route.error.message}`);
    routes.push(route.value);
  }
  let mtu: number | undefined;
  if (values.mtu !== undefined) {
    if (!/^[0-9]{2,5}$/.test(values.mtu) || Number(values.mtu) < 68 || Number(values.mtu) > 65535) return err(`--mtu "${values.mtu}" is not between 68 and 65535`);
    mtu = Number(values.mtu);
  }
  return ok({
    tun: values.tun,
    subnet: subnet.value,
    network: network.value,
    bind: bind.value,
    port: port.value,
    routes,
    mtu,
    sourceFilter: !values["no-source-filter"],
    offload: !values["no-offload"],
  });
}

/** The MTU for the TUN: the underlay interface's (the one holding `bind`, else the default route's) minus 28. */
async function defaultMtu(bind: Ip4): Promise<number> {
  const { defaultRouteInterface, listHostInterfaces } = await import("../../node/host-interfaces.ts");
  const interfaces = listHostInterfaces();
  const holder =
    bind.value === 0
      ? interfaces.find((i) => i.name === defaultRouteInterface())
      : interfaces.find((i) => i.addresses.some((a) => a.family === 4 && a.value === bind.value));
  const mtu = holder !== undefined && holder.mtu > 0 ? holder.mtu : 1500;
  return mtu - ENCAPSULATION_OVERHEAD.udp;
}

function waitForSignal(io: CliIo, printCounters: () => void, failed: Promise<string>): Promise<{ signal?: string; failure?: string }> {
  return new Promise((resolve) => {
    const onUsr1 = (): void => printCounters();
    const finish = (outcome: { signal?: string; failure?: string }): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      process.off("SIGUSR1", onUsr1);
      resolve(outcome);
    };
    const onInt = (): void => finish({ signal: "SIGINT" });
    const onTerm = (): void => finish({ signal: "SIGTERM" });
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    process.on("SIGUSR1", onUsr1);
    failed.then(
      (failure) => finish({ failure }),
      (cause: unknown) => io.err(`flannel-ts udp: ${String(cause)}\n`),
    );
  });
}

const command: CliCommand = {
  summary: "Run the UDP data path with static routes",
  usage,
  run: async (argv, io) => {
    const flags = parseFlags(argv);
    if (flags.isErr()) {
      io.err(`flannel-ts udp: ${flags.error}; run with --help for usage\n`);
      return 2;
    }
    const f = flags.value;
    const mtu = f.mtu ?? (await defaultMtu(f.bind));
    const { startUdpEngine } = await import("../../node/udp-engine-node.ts");
    const options: UdpEngineOptions = {
      device: f.tun,
      subnet: f.subnet,
      network: f.network,
      mtu,
      bind: f.bind,
      port: f.port,
      routes: f.routes,
      sourceFilter: f.sourceFilter,
      offload: f.offload,
    };
    const started = await startUdpEngine(options);
    if (started.isErr()) {
      io.err(`flannel-ts udp: ${started.error.message}\n`);
      return 1;
    }
    const engine = started.value;
    const on = (b: boolean): string => (b ? "on" : "off");
    io.err(
      `flannel-ts udp: ${engine.device} ${formatIp(cidrAddress(cidrNetwork(f.subnet)))}/32 mtu ${mtu}, network ${formatCidr(f.network)}, ` +
        `UDP ${formatIp(f.bind)}:${f.port}, ${f.routes.length} route(s), source filter ${on(f.sourceFilter)}, ` +
        `offload tso ${on(engine.offload.tun)} gso ${on(engine.offload.gso)} gro ${on(engine.offload.gro)}\n`,
    );
    const printCounters = (): void => io.out(`${JSON.stringify(engine.counters())}\n`);
    const outcome = await waitForSignal(io, printCounters, engine.failed);
    await engine.close();
    printCounters();
    if (outcome.failure !== undefined) {
      io.err(`flannel-ts udp: ${outcome.failure}\n`);
      return 1;
    }
    return 0;
  },
};
export default command;
