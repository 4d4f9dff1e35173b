/**
 * The Deno counterpart of `flannel-ts udp`, for scripts, tests and
 * benchmarks on Deno:
 *
 * ```sh
 * deno run -A src/deno/udp-main.ts --tun flannel0 --subnet 10.5.1.0/24 --network 10.5.0.0/16 \
 *   --bind 192.0.2.1 --route 10.5.2.0/24=192.0.2.2 [--port 8285] [--mtu 1472] \
 *   [--no-source-filter] [--no-offload]
 * ```
 *
 * Same flags and behaviour as the Node command, except that the MTU is not
 * looked up (default 1472). It needs root and `-A`: Deno asks for all
 * permissions to write under /proc/sys, and FFI grants them anyway. Prints the counters as JSON on SIGUSR1 and at
 * exit; stops on SIGINT or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DEFAULT_TUN_NAME, DEFAULT_UDP_MTU, DEFAULT_UDP_PORT } from "../core/defaults.ts";
import { parseRouteSpec, type Route } from "../backend/index.ts";
import { cidrContains, formatCidr, parseCidr4, parseIp4 } from "../subnet/index.ts";
import { startUdpEngine } from "./udp-engine-deno.ts";

function fail(message: string, code: number): never {
  console.error(`udp-main: ${message}`);
  Deno.exit(code);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      tun: { type: "string", default: DEFAULT_TUN_NAME },
      subnet: { type: "string" },
      network: { type: "string" },
      bind: { type: "string", default: "0.0.0.0" },
      port: { type: "string", default: String(DEFAULT_UDP_PORT) },
      route: { type: "string", multiple: true, default: [] },
      mtu: { type: "string", default: String(DEFAULT_UDP_MTU) },
      "no-source-filter": { type: "boolean", default: false },
      "no-offload": { type: "boolean", default: false },
    },
  });
  const subnet = parseCidr4(values.subnet ?? "");
  const network = parseCidr4(values.network ?? "");
  const bind = parseIp4(values.bind);
  if (subnet.isErr()) fail(`--subnet: ${subnet.error.message}`, 2);
  if (network.isErr()) fail(`--network: ${network.error.message}`, 2);
  if (bind.isErr()) fail(`--bind: ${bind.error.message}`, 2);
  if (!cidrContains(network.value, subnet.value)) fail(`--subnet ${formatCidr(subnet.value)} is not inside --network ${formatCidr(network.value)}`, 2);
  const port = Number(values.port);
  const routes: Route[] = [];
  for (const text of values.route) {
    const route = parseRouteSpec(text, network.value, port);
    if (route.isErr()) fail(`--${route.error.message}`, 2);
    routes.push(route.value);
  }
  const started = await startUdpEngine({
    device: values.tun,
    subnet: subnet.value,
    network: network.value,
    bind: bind.value,
    port,
    mtu: Number(values.mtu),
    routes,
    sourceFilter: !values["no-source-filter"],
    offload: !values["no-offload"],
  });
  if (started.isErr()) fail(started.error.message, 1);
  const engine = started.value;
  console.error(`udp-main: ${engine.device} up, ${routes.length} route(s), offload tso ${engine.offload.tun} gso ${engine.offload.gso} gro ${engine.offload.gro}`);
  const print = (): void => console.log(JSON.stringify(engine.counters()));
  Deno.addSignalListener("SIGUSR1", print);
  const failure = await new Promise<string | undefined>((resolve) => {
    Deno.addSignalListener("SIGINT", () => resolve(undefined));
    Deno.addSignalListener("SIGTERM", () => resolve(undefined));
    engine.failed.then(resolve, () => undefined);
  });
  await engine.close();
  print();
  if (failure !== undefined) fail(failure, 1);
  Deno.exit(0);
}
