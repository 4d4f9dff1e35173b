/**
 * flannel's UDP backend behind the {@link Backend} interface: a TUN device
 * with the subnet's network address, the whole network routed into it, and
 * an engine that sends each packet in a UDP datagram to the host whose lease
 * holds the destination. The engine itself (threads, libc) comes in through
 * {@link OpenUdpEngine}: the Node and Deno adapters start the real one, the
 * demo and the tests an in-memory one.
 *
 * @module
 */
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { DEFAULT_TUN_NAME } from "../../core/defaults.ts";
import type { LeaseRecord } from "../../etcd/registry.ts";
import { type Cidr4, cidrEquals, formatCidr } from "../../subnet/cidr.ts";
import { encapsulationMtu } from "../../subnet/encapsulation-mtu.ts";
import { formatIp, type Ip4, ipEquals } from "../../subnet/ip.ts";
import { type Backend, type BackendError, type BackendLease, type BackendReport, EMPTY_BACKEND_REPORT, type OpenBackend, type PeerChange } from "../backend.ts";

/** What the engine is started with. */
export interface UdpEngineSpec {
  /** The TUN device's name. */
  readonly device: string;
  /** This host's subnet; the TUN gets its network address as /32, as flanneld gives it. */
  readonly subnet: Cidr4;
  /** The whole flannel network, routed through the TUN. */
  readonly network: Cidr4;
  /** The TUN's MTU: the external interface's minus 28. */
  readonly mtu: number;
  /** The address the UDP socket binds to (the external interface's). */
  readonly bindAddress: Ip4;
  /** The UDP port, 8285 or Backend.Port. */
  readonly port: number;
  /** Accept datagrams only from the PublicIPs of current routes. */
  readonly sourceFilter: boolean;
}

/** A running engine as the backend drives it. */
export interface UdpEnginePort {
  /** Sends traffic for `subnet` to `publicIp` (adds or replaces the route). */
  setRoute(subnet: Cidr4, publicIp: Ip4): void;
  /** Stops sending traffic for `subnet`. */
  deleteRoute(subnet: Cidr4): void;
  /** Stops the engine and removes the TUN device. */
  close(): Promise<void>;
  /** Settles with a reason if the engine dies on its own. Default: never. */
  readonly failed?: Promise<string>;
}

/** Starts an engine; on failure nothing it made is left behind. */
export type OpenUdpEngine = (spec: UdpEngineSpec) => ResultAsync<UdpEnginePort, { readonly kind: string; readonly message: string }>;

/** Options of {@link udpBackend}. */
export interface UdpBackendOptions {
  /** Starts the engine (`startUdpEngine` of `flannel-ts/node` through `udpEngineOpener`, or an in-memory one). */
  readonly open: OpenUdpEngine;
  /** The TUN device's name. Default flanneld's, "flannel0". */
  readonly device?: string;
  /** Accept datagrams only from current leases' PublicIPs. Default true (flanneld accepts any). */
  readonly sourceFilter?: boolean;
}

const failure = (step: BackendError["step"], message: string): BackendError => ({ kind: "backend", backend: "udp", step, message });

/**
 * The UDP backend: routes each peer's subnet to its PublicIP on the
 * config's port (8285 unless `Backend.Port`). It writes no backend data into
 * the lease, as flanneld's UDP backend writes none, and carries IPv4 only.
 *
 * @param options how to start the engine, the device's name, the source filter
 * @returns the backend's opener, for the agent's `backends.udp`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { okAsync } from "neverthrow";
 * import { udpBackend } from "flannel-ts/backend";
 * import { parseIp4, parseNetworkConfig } from "flannel-ts/subnet";
 *
 * const config = parseNetworkConfig('{"Network":"10.5.0.0/16"}');
 * const ip = parseIp4("192.0.2.1");
 * if (config.isErr() || ip.isErr()) throw new Error("bad example input");
 * const open = udpBackend({ open: () => okAsync({ setRoute: () => {}, deleteRoute: () => {}, close: () => Promise.resolve() }) });
 * const backend = await open({ config: config.value, external: { name: "eth0", mtu: 1500, ifaceAddress: ip.value, publicIp: ip.value } });
 * assert.equal(backend.isOk() && backend.value.mtu, 1472);
 * ```
 */
export function udpBackend(options: UdpBackendOptions): OpenBackend {
  return (context) => {
    const { config, external } = context;
    if (config.backend.kind !== "udp") return errAsync(failure("open", `the config's Backend.Type is "${config.backend.type}", not udp`));
    const v4 = config.ipv4;
    if (v4 === undefined) return errAsync(failure("open", "the network config has IPv4 turned off; the udp backend carries IPv4 only: set Network and leave EnableIPv4 true"));
    if (config.ipv6 !== undefined) {
      return errAsync(
        failure("open", "the network config is dual-stack (EnableIPv6); the udp backend carries IPv4 only: use the vxlan or host-gw backend, or set EnableIPv6 false"),
      );
    }
    const mtu = encapsulationMtu(external.mtu, "udp");
    if (mtu.isErr()) return errAsync(failure("open", `interface ${external.name}: ${mtu.error.message}`));
    return okAsync(new UdpBackend(options, { network: v4.network, port: config.backend.port, mtu: mtu.value, bindAddress: external.ifaceAddress }));
  };
}

interface Fixed {
  readonly network: Cidr4;
  readonly port: number;
  readonly mtu: number;
  readonly bindAddress: Ip4;
}

class UdpBackend implements Backend {
  readonly kind = "udp" as const;
  readonly name = "UDP engine";
  readonly leaseAttrs = {};
  readonly mtu: number;
  readonly failed: Promise<string>;
  readonly #o: UdpBackendOptions;
  readonly #fixed: Fixed;
  readonly #device: string;
  /** Every peer routed to, by lease key, kept across engine restarts. */
  readonly #routes = new Map<string, { readonly subnet: Cidr4; readonly publicIp: Ip4 }>();
  #engine: UdpEnginePort | undefined;
  #fail: (reason: string) => void = () => undefined;

  constructor(options: UdpBackendOptions, fixed: Fixed) {
    this.#o = options;
    this.#fixed = fixed;
    this.mtu = fixed.mtu;
    this.#device = options.device ?? DEFAULT_TUN_NAME;
    this.failed = new Promise((resolve) => {
      this.#fail = resolve;
    });
  }

  attach(lease: BackendLease): ResultAsync<string, BackendError> {
    const spec: UdpEngineSpec = {
      device: this.#device,
      subnet: lease.subnet,
      network: this.#fixed.network,
      mtu: this.#fixed.mtu,
      bindAddress: this.#fixed.bindAddress,
      port: this.#fixed.port,
      sourceFilter: this.#o.sourceFilter ?? true,
    };
    // A moved lease needs the TUN device on the new subnet: the engine starts over.
    const previous = this.#engine;
    this.#engine = undefined;
    return ResultAsync.fromSafePromise(previous?.close() ?? Promise.resolve())
      .andThen(() => this.#o.open(spec).mapErr((e) => failure("attach", e.message)))
      .map((engine) => {
        this.#engine = engine;
        for (const route of this.#routes.values()) engine.setRoute(route.subnet, route.publicIp);
        void engine.failed?.then((reason) => {
          if (this.#engine === engine) this.#fail(reason);
        });
        return `${spec.device} for subnet ${formatCidr(spec.subnet)}, MTU ${spec.mtu}, listening on ${formatIp(spec.bindAddress)}:${spec.port}`;
      });
  }

  apply(changes: readonly PeerChange[]): ResultAsync<BackendReport, BackendError> {
    let programmed = 0;
    let removed = 0;
    for (const change of changes) {
      if (change.kind === "removed") {
        if (this.#unroute(change.lease.key)) removed++;
      } else if (this.#route(change.lease)) {
        programmed++;
      }
    }
    return okAsync({ ...EMPTY_BACKEND_REPORT, programmed, removed });
  }

  reconcile(peers: readonly LeaseRecord[]): ResultAsync<BackendReport, BackendError> {
    const wanted = new Set(peers.map((p) => p.key));
    let stale = 0;
    let restored = 0;
    for (const key of [...this.#routes.keys()]) {
      if (!wanted.has(key) && this.#unroute(key)) stale++;
    }
    for (const peer of peers) if (this.#route(peer)) restored++;
    return okAsync({ ...EMPTY_BACKEND_REPORT, stale, restored });
  }

  async close(): Promise<string> {
    const engine = this.#engine;
    this.#engine = undefined;
    await engine?.close();
    return `${this.#device} removed`;
  }

  /** Routes a lease's subnet to its PublicIP; false when that route was already there. */
  #route(lease: LeaseRecord): boolean {
    const subnet = lease.subnet.ipv4;
    const publicIp = lease.attrs.publicIp;
    const known = this.#routes.get(lease.key);
    if (known !== undefined && cidrEquals(known.subnet, subnet) && ipEquals(known.publicIp, publicIp)) return false;
    this.#routes.set(lease.key, { subnet, publicIp });
    this.#engine?.setRoute(subnet, publicIp);
    return true;
  }

  #unroute(key: string): boolean {
    const known = this.#routes.get(key);
    if (known === undefined) return false;
    this.#routes.delete(key);
    this.#engine?.deleteRoute(known.subnet);
    return true;
  }
}
