import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { systemClock } from "../../core/clock.ts";
import { demoDockerStep } from "../../demo/demo-docker-step.ts";
import { DgramDatagramSocket } from "../../demo/dgram-datagram-socket.ts";
import { loopbackSite } from "../../demo/loopback-site.ts";
import { netnsSite } from "../../demo/netns-site.ts";
import { runDemo } from "../../demo/run-demo.ts";
import { SEED_DAEMON_JSON } from "../../demo/seed-daemon-json.ts";
import { MemoryRegistry } from "../../etcd/memory-registry.ts";
import type { Registry } from "../../etcd/registry.ts";
import { runCommand } from "../../node/run-command.ts";
import { cryptoRandom, seededRandom } from "../../subnet/random.ts";
import { defineCommand } from "../define-command.ts";
import { EXIT } from "../exit-codes.ts";
import { openEtcdRegistry } from "../open-etcd-registry.ts";
import { DEMO_PREFIX, demoSpec } from "../specs/demo.ts";

export default defineCommand(demoSpec, async ({ values, io, report }) => {
  if (values.netns && process.getuid?.() !== 0) {
    return report.error(
      {
        kind: "needs-root",
        flag: "--netns",
        message: "--netns needs root: it creates network namespaces, veth pairs and TUN devices; run it with sudo, or leave --netns out for the demo without root",
      },
      EXIT.usage,
    );
  }

  // From dist/cli/commands/ and from src/cli/commands/ alike: the package's dist/cli/main.js.
  const builtCli = fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url));
  if (values.netns && values.backend === "udp" && !existsSync(builtCli)) {
    return report.error({ kind: "not-built", message: `--netns on udp runs each host's engine with the built CLI, and ${builtCli} is missing: run npm run build first` });
  }

  let registry: Registry;
  let storeLabel: string;
  if (values.etcdEndpoints !== undefined) {
    const endpoints = values.etcdEndpoints;
    const opened = await openEtcdRegistry({ ...values, etcdEndpoints: endpoints, etcdPrefix: values.etcdPrefix ?? DEMO_PREFIX });
    if (opened.isErr()) return report.error(opened.error);
    registry = opened.value;
    storeLabel = `etcd (${endpoints.join(", ")})`;
  } else {
    registry = new MemoryRegistry({ prefix: DEMO_PREFIX });
    storeLabel = "in-memory store";
  }

  const site = values.netns === true
    ? netnsSite({
      run: runCommand,
      // The built CLI runs each host's engine: its forwarding threads load the built worker.
      flannelTs: [process.execPath, builtCli],
      seedDaemonJson: SEED_DAEMON_JSON,
      prefix: `ftd${process.pid % 100_000}`,
      backend: values.backend,
    })
    : undefined;
  const removeOnSignal = (signal: NodeJS.Signals): void => {
    io.err(`flannel-ts demo: ${signal}: removing the namespaces\n`);
    void (site?.abort() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? EXIT.sigint : EXIT.sigterm));
  };
  if (site !== undefined) {
    process.once("SIGINT", removeOnSignal);
    process.once("SIGTERM", removeOnSignal);
  }
  try {
    const outcome = await runDemo({
      registry,
      storeLabel,
      count: values.count,
      intervalMs: values.interval,
      random: values.seed === undefined ? cryptoRandom() : seededRandom(values.seed),
      clock: systemClock,
      site: site ??
        loopbackSite({
          bindSocket: (address, port) => DgramDatagramSocket.bind(address, port),
          docker: () => demoDockerStep({ seed: SEED_DAEMON_JSON }),
          clock: systemClock,
          micros: () => performance.now() * 1000,
        }),
      print: (line) => io.out(`${line}\n`),
    });
    if (outcome.isErr()) return report.error(outcome.error);
    const lost = outcome.value.pings.some((p) => p.received !== p.transmitted);
    return lost ? report.error({ kind: "lost-pings", message: "some echo requests got no reply (see the statistics above)" }) : 0;
  } finally {
    process.off("SIGINT", removeOnSignal);
    process.off("SIGTERM", removeOnSignal);
    await registry.close();
  }
});
