/**
 * The Deno counterpart of `flannel-ts udp`, for scripts, tests and
 * benchmarks on Deno:
 *
 * ```sh
 * deno run -A src/deno/udp-main.ts --tun flannel0 --subnet 10.5.1.0/24 --network 10.5.0.0/16 \
 *   --bind 192.0.2.1 --route 10.5.2.0/24=192.0.2.2 [--port 8285] [--mtu 1472] \
 *   [--no-source-filter] [--no-offload] [--json]
 * ```
 *
 * The same flags, checks, help and exit codes as the Node command (the one
 * flag layer of src/cli), except that the MTU is not looked up (default
 * 1472). It needs root and `-A`: Deno asks for all permissions to write
 * under /proc/sys, and FFI grants them anyway. Prints the counters as JSON
 * on SIGUSR1 and at exit; stops on SIGINT or SIGTERM.
 *
 * @module
 */
import { DEFAULT_UDP_MTU } from "../core/defaults.ts";
import { defineSpec } from "../cli/command-spec.ts";
import { EXIT } from "../cli/exit-codes.ts";
import { withFlag } from "../cli/flag-spec.ts";
import { formatUsage } from "../cli/format-usage.ts";
import type { CliIo } from "../cli/io.ts";
import { parseCommandLine, wantsJson } from "../cli/parse-command-line.ts";
import { createReporter } from "../cli/reporter.ts";
import { udpFlags, udpRoutes, udpSpec } from "../cli/specs/udp.ts";
import { cidrAddress, cidrNetwork, formatCidr, formatIp } from "../subnet/index.ts";
import { startUdpEngine } from "./udp-engine-deno.ts";

/** `flannel-ts udp`'s spec, as udp-main: the MTU is not looked up. */
export const udpMainSpec = defineSpec({
  ...udpSpec,
  program: "udp-main",
  name: "",
  flags: { ...udpFlags, mtu: withFlag(udpFlags.mtu, { defaultText: String(DEFAULT_UDP_MTU) }) },
});

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const line = parseCommandLine(udpMainSpec, argv, io.env);
  const report = createReporter(io, "udp-main", line.isOk() && !line.value.help ? line.value.values.json : wantsJson(argv));
  if (line.isErr()) return report.error(line.error, EXIT.usage);
  if (line.value.help) {
    io.out(formatUsage(udpMainSpec));
    return EXIT.ok;
  }
  const f = line.value.values;
  const routes = udpRoutes(f.route, f.subnet, f.network, f.port);
  if (routes.isErr()) return report.error(routes.error, EXIT.usage);
  const mtu = f.mtu ?? DEFAULT_UDP_MTU;
  const started = await startUdpEngine({
    device: f.tun,
    subnet: f.subnet,
    network: f.network,
    bind: f.bind,
    port: f.port,
    mtu,
    routes: routes.value,
    sourceFilter: !f.noSourceFilter,
    offload: !f.noOffload,
  });
  if (started.isErr()) return report.error(started.error);
  const engine = started.value;
  const offload = { tso: engine.offload.tun, gso: engine.offload.gso, gro: engine.offload.gro };
  if (f.json) {
    const address = `${formatIp(cidrAddress(cidrNetwork(f.subnet)))}/32`;
    io.err(
      `${
        JSON.stringify({
          started: { device: engine.device, address, mtu, network: formatCidr(f.network), bind: formatIp(f.bind), port: f.port, routes: routes.value.length, offload },
        })
      }\n`,
    );
  } else {
    io.err(`udp-main: ${engine.device} up, ${routes.value.length} route(s), offload tso ${offload.tso} gso ${offload.gso} gro ${offload.gro}\n`);
  }
  const print = (): void => io.out(`${JSON.stringify(engine.counters())}\n`);
  Deno.addSignalListener("SIGUSR1", print);
  const failure = await new Promise<string | undefined>((resolve) => {
    Deno.addSignalListener("SIGINT", () => resolve(undefined));
    Deno.addSignalListener("SIGTERM", () => resolve(undefined));
    engine.failed.then(resolve, () => undefined);
  });
  await engine.close();
  print();
  return failure === undefined ? EXIT.ok : report.error({ kind: "engine-failed", message: failure });
}

if (import.meta.main) {
  const encoder = new TextEncoder();
  const io: CliIo = {
    out: (t) => void Deno.stdout.writeSync(encoder.encode(t)),
    err: (t) => void Deno.stderr.writeSync(encoder.encode(t)),
    env: Deno.env.toObject(),
  };
  let code: number;
  try {
    code = await run(Deno.args, io);
  } catch (cause) {
    code = createReporter(io, "udp-main", wantsJson(Deno.args)).internal(cause);
  }
  Deno.exit(code);
}
