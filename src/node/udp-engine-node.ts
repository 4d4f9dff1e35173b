import { readFile, writeFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { ResultAsync } from "neverthrow";
import { type ForwarderThread, startUdpEngineOn, type UdpEngine, type UdpEngineError, type UdpEngineOptions } from "../backend/udp/udp-engine.ts";
import type { ForwarderExit, ForwarderInit } from "../backend/udp/udp-forwarder.ts";
import { koffiLibc } from "./koffi-libc.ts";
import { runCommand } from "./run-command.ts";

type WorkerMessage = { readonly kind: "ready" } | { readonly kind: "exit"; readonly exit: ForwarderExit };

/**
 * Starts a forwarding thread as a worker_threads Worker. From the built
 * package it runs udp-worker.js; from the TypeScript sources (tests) it
 * runs udp-worker.ts through tsx (a dev dependency).
 *
 * @param init the thread's settings and shared memory
 * @returns the thread
 */
export function startNodeForwarder(init: ForwarderInit): ForwarderThread {
  const options = { workerData: init, name: `flannel-udp-${init.direction}` };
  // From the sources (tests, tsx), a bootstrap registers tsx in the worker
  // and loads the .ts entry (a worker takes no --import flag).
  const worker = import.meta.url.endsWith(".ts")
    ? new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./udp-worker.ts", import.meta.url).href)}); });`, {
      ...options,
      eval: true,
    })
    : new Worker(new URL("./udp-worker.js", import.meta.url), options);
  let exit: ForwarderExit | undefined;
  let failure: string | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if (message.kind === "ready") resolve();
      else exit = message.exit;
    });
    worker.once("error", (error) => {
      failure = error.message;
      reject(error);
    });
    worker.once("exit", (code) => reject(new Error(`the worker exited with code ${code} before it started`)));
  });
  // The start failure is reported through `ready`; `exited` must not reject.
  ready.catch(() => undefined);
  const exited = new Promise<string | undefined>((resolve) => {
    worker.once("exit", (code) => {
      if (exit === "stopped") resolve(undefined);
      else if (exit === "port-gone") resolve("its TUN device or UDP socket is gone");
      else resolve(failure ?? `the worker exited with code ${code}`);
    });
  });
  return {
    ready,
    exited,
    terminate: () => worker.terminate().then(() => undefined),
  };
}

/**
 * Starts flannel's UDP data path on Node.js: binds the UDP port, creates and
 * configures the TUN device (through koffi's ioctl and iproute2's `ip`), and
 * runs one worker thread per direction, each calling libc directly. It
 * replaces no route and removes nothing it did not create (see
 * `startUdpEngineOn`).
 * Needs root (CAP_NET_ADMIN) and `ip` on the PATH.
 *
 * @param options see {@link UdpEngineOptions}
 * @returns the running engine, or why it could not start
 * @example
 * ```ts
 * import { startUdpEngine } from "./udp-engine-node.ts";
 * import { parseCidr4, parseIp4 } from "../subnet/index.ts";
 * const started = await startUdpEngine({
 *   device: "flannel0",
 *   subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap(),
 *   network: parseCidr4("10.5.0.0/16")._unsafeUnwrap(),
 *   bind: parseIp4("192.0.2.1")._unsafeUnwrap(),
 * });
 * if (started.isOk()) {
 *   const engine = started.value;
 *   engine.routes.set(parseCidr4("10.5.2.0/24")._unsafeUnwrap(), parseIp4("192.0.2.2")._unsafeUnwrap());
 *   console.log(engine.counters().outbound.packets);
 *   await engine.close();
 * }
 * ```
 */
export function startUdpEngine(options: UdpEngineOptions): ResultAsync<UdpEngine, UdpEngineError> {
  const reason = (cause: unknown): { message: string } => ({ message: cause instanceof Error ? cause.message : String(cause) });
  const readTextFile = (path: string): ResultAsync<string, { message: string }> => ResultAsync.fromPromise(readFile(path, "utf8"), reason);
  const writeTextFile = (path: string, text: string): ResultAsync<void, { message: string }> => ResultAsync.fromPromise(writeFile(path, text), reason);
  return startUdpEngineOn({ libc: koffiLibc(), runCommand, readTextFile, writeTextFile, startForwarder: startNodeForwarder }, options);
}
