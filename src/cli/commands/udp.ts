/**
 * `flannel-ts udp`: flannel's UDP data path with static routes. Every flag
 * (the network, the subnet and routes inside it) is checked by the spec
 * before a device is touched.
 *
 * @module
 */
import type { UdpEngineOptions } from "../../backend/udp/udp-engine.ts";
import { ENCAPSULATION_OVERHEAD } from "../../core/defaults.ts";
import { cidrAddress, cidrNetwork, formatCidr } from "../../subnet/cidr.ts";
import { formatIp, type Ip4 } from "../../subnet/ip.ts";
import { defineCommand } from "../define-command.ts";
import type { CliIo } from "../io.ts";
import { udpRoutes, udpSpec } from "../specs/udp.ts";

/** The MTU for the TUN: the underlay interface's (the one holding `bind`, else the default route's) minus 28. */
async function defaultMtu(bind: Ip4): Promise<number> {
  const { defaultRouteInterface, listHostInterfaces } = await import("../../node/host-interfaces.ts");
  const interfaces = listHostInterfaces();
  const holder = bind.value === 0
    ? interfaces.find((i) => i.name === defaultRouteInterface())
    : interfaces.find((i) => i.addresses.some((a) => a.family === 4 && a.value === bind.value));
  const mtu = holder !== undefined && holder.mtu > 0 ? holder.mtu : 1500;
  return mtu - ENCAPSULATION_OVERHEAD.udp;
}

// Loaded only to run: koffi and the worker threads are not needed for --help or a refused flag.
function loadEngine(): Promise<typeof import("../../node/udp-engine-node.ts")> {
  return import("../../node/udp-engine-node.ts");
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

export default defineCommand(udpSpec, async ({ values: f, io, report }) => {
  const routes = udpRoutes(f.route, f.subnet, f.network, f.port);
  if (routes.isErr()) return report.error(routes.error, 2);
  const mtu = f.mtu ?? (await defaultMtu(f.bind));
  const { startUdpEngine } = await loadEngine();
  const options: UdpEngineOptions = {
    device: f.tun,
    subnet: f.subnet,
    network: f.network,
    mtu,
    bind: f.bind,
    port: f.port,
    routes: routes.value,
    sourceFilter: !f.noSourceFilter,
    offload: !f.noOffload,
  };
  const started = await startUdpEngine(options);
  if (started.isErr()) return report.error(started.error);
  const engine = started.value;
  const address = `${formatIp(cidrAddress(cidrNetwork(f.subnet)))}/32`;
  if (f.json) {
    const offload = { tso: engine.offload.tun, gso: engine.offload.gso, gro: engine.offload.gro };
    const line = {
      device: engine.device,
      address,
      mtu,
      network: formatCidr(f.network),
      bind: formatIp(f.bind),
      port: f.port,
      routes: routes.value.length,
      sourceFilter: !f.noSourceFilter,
      offload,
    };
    io.err(`${JSON.stringify({ started: line })}\n`);
  } else {
    const on = (b: boolean): string => (b ? "on" : "off");
    io.err(
      `flannel-ts udp: ${engine.device} ${address} mtu ${mtu}, network ${formatCidr(f.network)}, ` +
        `UDP ${formatIp(f.bind)}:${f.port}, ${routes.value.length} route(s), source filter ${on(!f.noSourceFilter)}, ` +
        `offload tso ${on(engine.offload.tun)} gso ${on(engine.offload.gso)} gro ${on(engine.offload.gro)}\n`,
    );
  }
  const printCounters = (): void => io.out(`${JSON.stringify(engine.counters())}\n`);
  const outcome = await waitForSignal(io, printCounters, engine.failed);
  await engine.close();
  printCounters();
  if (outcome.failure !== undefined) return report.error({ kind: "engine-failed", message: outcome.failure });
  return 0;
});
