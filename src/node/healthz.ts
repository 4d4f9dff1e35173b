import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ResultAsync } from "neverthrow";

/** The agent's health as the endpoint reports it. */
export type Health = { readonly healthy: true } | { readonly healthy: false; readonly reason: string };

/** A running health server. */
export interface HealthzServer {
  /** The address it listens on, e.g. `0.0.0.0:8080` (the port is real when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  readonly close: () => Promise<void>;
}

/** The health server could not listen. */
export interface HealthzError {
  readonly kind: "healthz";
  readonly message: string;
}

/**
 * Serves `GET /healthz` like flanneld (`--healthz-ip`, `--healthz-port`):
 * 200 with the body `flanneld is running` while healthy, so existing probes
 * keep working. Unlike flanneld it answers 503 with the reason when the agent
 * is not healthy (no lease, data path down). Any other path is 404.
 *
 * @param host the IP to listen on (flanneld's default 0.0.0.0)
 * @param port the port; 0 picks a free one
 * @param health called on every request
 * @example
 * ```ts ignore
 * import { startHealthz } from "flannel-ts/node";
 * // Listens on a TCP port: type-checked, not run.
 * const server = await startHealthz("127.0.0.1", 0, () => ({ healthy: true }));
 * if (server.isErr()) console.error(server.error.message);
 * else await server.value.close();
 * ```
 */
export function startHealthz(host: string, port: number, health: () => Health): ResultAsync<HealthzServer, HealthzError> {
  const server: Server = createServer((req, res) => {
    if (req.url !== "/healthz" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const h = health();
    if (h.healthy) res.writeHead(200, { "content-type": "text/plain" }).end("flanneld is running");
    else res.writeHead(503, { "content-type": "text/plain" }).end(`not healthy: ${h.reason}`);
  });
  return ResultAsync.fromPromise(
    new Promise<HealthzServer>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        const a = server.address() as AddressInfo;
        resolve({
          address: `${host.includes(":") ? `[${host}]` : host}:${a.port}`,
          port: a.port,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    }),
    (cause): HealthzError => ({ kind: "healthz", message: `healthz server cannot listen on ${host}:${port}: ${cause instanceof Error ? cause.message : String(cause)}` }),
  );
}
