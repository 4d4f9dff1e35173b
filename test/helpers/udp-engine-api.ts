// The engine through its library API (from the TypeScript sources), driven
// by lines on stdin, for the integration tests: `set SUBNET PUBLICIP`,
// `delete SUBNET`, `counters`. Answers each line with one JSON line.
// Usage: node --import tsx udp-engine-api.ts DEVICE SUBNET NETWORK BIND
import { createInterface } from "node:readline";
import { startUdpEngine } from "../../src/node/index.ts";
import { parseCidr4, parseIp4 } from "../../src/subnet/index.ts";

const [device = "flannel0", subnet = "", network = "", bind = "0.0.0.0"] = process.argv.slice(2);
const started = await startUdpEngine({
  device,
  subnet: parseCidr4(subnet)._unsafeUnwrap(),
  network: parseCidr4(network)._unsafeUnwrap(),
  bind: parseIp4(bind)._unsafeUnwrap(),
});
if (started.isErr()) {
  process.stderr.write(`${started.error.message}\n`);
  process.exit(1);
}
const engine = started.value;
process.stdout.write(`${JSON.stringify({ started: engine.device })}\n`);

createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, a = "", b = ""] = line.trim().split(/\s+/);
  if (command === "set") engine.routes.set(parseCidr4(a)._unsafeUnwrap(), parseIp4(b)._unsafeUnwrap());
  if (command === "delete") engine.routes.delete(parseCidr4(a)._unsafeUnwrap());
  process.stdout.write(`${JSON.stringify({ done: line, routes: engine.routes.size, counters: engine.counters() })}\n`);
});

process.on("SIGTERM", () => {
  void engine.close().then(() => process.exit(0));
});
