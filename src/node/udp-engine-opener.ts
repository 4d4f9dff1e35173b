/**
 * The UDP backend's engine on this host: the TUN device and the UDP socket
 * driven by worker threads (see `startUdpEngine`), as the `open` port of
 * `udpBackend`.
 *
 * @module
 */
import type { ResultAsync } from "neverthrow";
import type { OpenUdpEngine } from "../backend/udp/udp-backend.ts";
import type { UdpEngine, UdpEngineError, UdpEngineOptions } from "../backend/udp/udp-engine.ts";
import { startUdpEngine } from "./udp-engine-node.ts";

/** Options of {@link udpEngineOpener}. */
export interface UdpEngineOpenerOptions {
  /** Use TSO/GSO/GRO where the kernel has them. Default true. */
  readonly offload?: boolean;
  /** Starts the engine; tests pass a fake. Default: the Node engine (koffi, worker threads). */
  readonly start?: (options: UdpEngineOptions) => ResultAsync<UdpEngine, UdpEngineError>;
  /** Receives each engine once it runs (e.g. to read its counters). Default none. */
  readonly onEngine?: (engine: UdpEngine) => void;
}

/**
 * Starts the UDP engine for a lease: TUN device named as asked, with the
 * subnet's network address as /32 and a route for the whole network through
 * it, the UDP socket bound to the external interface's address, and routes
 * that follow `setRoute`/`deleteRoute`.
 *
 * @param options offload and the engine's starter; all optional
 * @returns the `open` option of `udpBackend`
 * @example
 * ```ts
 * import { udpBackend } from "flannel-ts/backend";
 * import { udpEngineOpener } from "flannel-ts/node";
 *
 * const backends = { udp: udpBackend({ open: udpEngineOpener() }) };
 * ```
 */
export function udpEngineOpener(options: UdpEngineOpenerOptions = {}): OpenUdpEngine {
  const start = options.start ?? startUdpEngine;
  return (spec) =>
    start({
      device: spec.device,
      subnet: spec.subnet,
      network: spec.network,
      mtu: spec.mtu,
      bind: spec.bindAddress,
      port: spec.port,
      sourceFilter: spec.sourceFilter,
      offload: options.offload ?? true,
    }).map((engine) => {
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
