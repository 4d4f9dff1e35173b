// A host TCP port that is free right now. The kit binds containers' ports to
// a fixed host port of its choice (instead of Docker's ephemeral pick) so a
// container that is stopped and started again keeps its endpoint.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "0.0.0.0", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("freePort: no port assigned"))));
    });
  });
}

/** Docker's refusals when a host port was taken between our check and the container's start. */
export function isPortClash(e: unknown): boolean {
  const text = e instanceof Error ? e.message : String(e);
  return /port is already allocated|address already in use/i.test(text);
}
