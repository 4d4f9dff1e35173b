/**
 * The agent's data path: the UDP engine with its TUN device and socket.
 *
 * @module
 */
import type { ResultAsync } from "neverthrow";
import type { UdpEngine, UdpEngineError, UdpEngineOptions } from "../backend/udp/udp-engine.ts";
import type { OpenDataPath, PortError } from "../flannel/agent-ports.ts";
import { startUdpEngine } from "./udp-engine-node.ts";

/** Options of {@link udpEngineDataPath}. */
export interface UdpEngineDataPathOptions {
  /** Use TSO/GSO/GRO where the kernel has them. Default true. */
  readonly offload?: boolean;
  /** Starts the engine; tests pass a fake. Default: the Node engine (koffi, worker threads). */
  readonly start?: (options: UdpEngineOptions) => ResultAsync<UdpEngine, UdpEngineError>;
  /** Receives each engine once it runs (e.g. to read its counters). Default none. */
  readonly onEngine?: (engine: UdpEngine) => void;
}

/**
 * Opens the UDP engine for a lease: TUN device named as asked, with the
 * subnet's network address as /32 and a route for the whole network through
 * it, the UDP socket bound to the external interface's address, and routes
 * that follow `setRoute`/`deleteRoute`.
 *
 * @param options offload and the engine's starter; all optional
 * @returns the `openDataPath` option of `startAgent`
 * @example
 * ```ts
 * import { udpEngineDataPath } from "./agent-data-path.ts";
 * const openDataPath = udpEngineDataPath();
 * ```
 */
export function udpEngineDataPath(options: UdpEngineDataPathOptions = {}): OpenDataPath {
  const start = options.start ?? startUdpEngine;
  return (spec) =>
    start({
      device: spec.tunName,
      subnet: spec.subnet,
      network: spec.network,
      mtu: spec.mtu,
      bind: spec.bindAddress,
      port: spec.port,
      sourceFilter: spec.sourceFilter,
      offload: options.offload ?? true,
    })
      .mapErr((e): PortError => ({ kind: e.kind, message: e.message }))
      .map((engine) => {
        options.onEngine?.(engine);
        return {
          setRoute: (subnet, publicIp) => engine.routes.set(subnet, publicIp),
          deleteRoute: (subnet) => {
            engine.routes.delete(subnet);
          },
          close: () => engine.close(),
          failed: engine.failed,
        };
      });
}
