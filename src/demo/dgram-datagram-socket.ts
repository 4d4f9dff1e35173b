/**
 * The engine's {@link DatagramSocket} over a Node.js `dgram` socket, for the
 * demo: datagrams are queued as Node delivers them and handed out by
 * non-blocking receives, and `onReadable` says when to pump. The engine's own
 * Node adapter blocks in worker threads for throughput; the demo runs both
 * simulated hosts on one event loop, where waiting must never block.
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import { err, ok, ResultAsync } from "neverthrow";
import { type DatagramSocket, type DatagramSource, PORT_GONE, PORT_IDLE } from "../backend/udp/packet-ports.ts";
import { formatIp, ip4 } from "../subnet/ip.ts";

/** Why a UDP socket could not be bound. */
export interface DatagramBindError {
  readonly kind: "udp-bind";
  /** The address and port asked for, e.g. "127.0.0.2:8285". */
  readonly address: string;
  /** The system's error code, e.g. "EADDRINUSE". */
  readonly code: string;
  readonly message: string;
}

// A bound on what waits unread: the demo sends a handful of packets; more means something loops.
const MAX_QUEUED = 1024;

/**
 * A bound UDP socket on the event loop, implementing the engine's
 * {@link DatagramSocket} port.
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it opens UDP sockets on loopback.
 * import { DgramDatagramSocket } from "./dgram-datagram-socket.ts";
 * const opened = await DgramDatagramSocket.bind("127.0.0.1", 0);
 * if (opened.isOk()) {
 *   const socket = opened.value;
 *   socket.onReadable = () => console.log("a datagram is waiting");
 *   await socket.close();
 * }
 * ```
 */
export class DgramDatagramSocket implements DatagramSocket {
  /** No UDP GSO through `dgram`: one datagram per send. */
  readonly maxSegments = 1;
  /** Called (once per datagram) when a datagram has been queued. */
  onReadable: (() => void) | undefined;
  /** Datagrams dropped because the queue was full. */
  overflows = 0;
  /** Sends the system refused after they were queued (e.g. no route to the address). */
  sendErrors = 0;
  readonly #socket: Socket;
  readonly #queue: { bytes: Uint8Array; address: number; port: number }[] = [];
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("message", (message, remote) => {
      if (this.#queue.length >= MAX_QUEUED) {
        this.overflows++;
        return;
      }
      const address = remote.address.split(".").reduce((v, octet) => v * 256 + Number(octet), 0);
      this.#queue.push({ bytes: new Uint8Array(message), address, port: remote.port });
      this.onReadable?.();
    });
  }

  /**
   * Binds a UDP socket to `address:port`.
   *
   * @param address a local IPv4 address, e.g. "127.0.0.1"
   * @param port a UDP port; 0 for one the system picks
   * @returns the socket, or why it could not be bound
   */
  static bind(address: string, port: number): ResultAsync<DgramDatagramSocket, DatagramBindError> {
    const socket = createSocket({ type: "udp4" });
    const resolved = new DgramDatagramSocket(socket);
    const bound = new Promise<DgramDatagramSocket | DatagramBindError>((resolve) => {
      const onError = (cause: NodeJS.ErrnoException): void => {
        socket.close();
        const code = cause.code ?? "EUNKNOWN";
        resolve({ kind: "udp-bind", address: `${address}:${port}`, code, message: `cannot bind a UDP socket to ${address}:${port}: ${code}` });
      };
      socket.once("error", onError);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off("error", onError);
        // From here on, errors are failed sends: count them rather than let them end the process.
        socket.on("error", () => resolved.sendErrors++);
        resolve(resolved);
      });
    });
    return new ResultAsync(bound.then((r) => (r instanceof DgramDatagramSocket ? ok(r) : err(r))));
  }

  /** The address and port the socket is bound to. */
  get local(): { readonly address: string; readonly port: number } {
    const a = this.#socket.address();
    return { address: a.address, port: a.port };
  }

  /** Queues the datagram with Node (a copy: the engine reuses its buffer). */
  send(buffer: Uint8Array, offset: number, length: number, address: number, port: number): boolean {
    if (this.#closed) return false;
    this.#socket.send(buffer.slice(offset, offset + length), port, formatIp(ip4(address)));
    return true;
  }

  /** Hands out the oldest queued datagram; never waits ({@link PORT_IDLE} when none is queued). */
  receive(buffer: Uint8Array, offset: number, capacity: number, from: DatagramSource): number {
    if (this.#closed) return PORT_GONE;
    const datagram = this.#queue.shift();
    if (datagram === undefined) return PORT_IDLE;
    const length = Math.min(datagram.bytes.length, capacity);
    buffer.set(datagram.bytes.subarray(0, length), offset);
    from.address = datagram.address;
    from.port = datagram.port;
    from.segmentSize = 0;
    return length;
  }

  /** Closes the socket; later receives report it gone. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
