// A TCP proxy between a client and etcd that a fault test controls, as the
// etcd3 client's own tests inject faults: `pass` forwards; `blackhole` is a
// partition (nothing is forwarded either way, connections stay open and new
// ones are accepted but get no answer; when it heals, what was held back
// flows on, as TCP retransmits it); `refuse` is a server that is gone
// (every connection closed, nothing listens, so connecting is refused).
import { connect, createServer, type Server, type Socket } from "node:net";

export type ProxyMode = "pass" | "blackhole" | "refuse";

export interface FaultProxy {
  /** The address and port clients connect to. */
  readonly host: string;
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Switches the mode; resolves once the listener is open or closed as the mode needs. */
  set(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  readonly host: string;
  /** Default: a free port. */
  readonly port?: number;
  readonly targetHost: string;
  readonly targetPort: number;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let mode: ProxyMode = "pass";
  let accepted = 0;

  const drop = (pair: Pair): void => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const join = (pair: Pair): void => {
    const upstream = pair.upstream ?? connect(options.targetPort, options.targetHost);
    if (pair.upstream === undefined) {
      pair.upstream = upstream;
      upstream.on("error", () => drop(pair));
      upstream.on("close", () => drop(pair));
    }
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
    pair.client.resume();
    upstream.resume();
  };
  const hold = (pair: Pair): void => {
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  };

  const onConnection = (client: Socket): void => {
    accepted++;
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on("error", () => drop(pair));
    client.on("close", () => drop(pair));
    if (mode === "pass") join(pair);
    else hold(pair);
  };

  const server: Server = createServer({ pauseOnConnect: true }, onConnection);
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stopListening = (): Promise<void> => new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  await listen(options.port ?? 0);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("startFaultProxy: no TCP address");
  const port = address.port;

  return {
    host: options.host,
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    async set(next) {
      if (next === mode) return;
      const previous = mode;
      mode = next;
      if (next === "refuse") {
        const closed = stopListening();
        for (const pair of [...pairs]) drop(pair);
        await closed;
        return;
      }
      if (previous === "refuse") await listen(port);
      for (const pair of pairs) (next === "pass" ? join : hold)(pair);
    },
    async close() {
      mode = "refuse";
      const closed = stopListening();
      for (const pair of [...pairs]) drop(pair);
      await closed;
    },
  };
}
