import { ResultAsync } from "neverthrow";
import { type CommandResult, type ForwarderThread, startUdpEngineOn, type UdpEngine, type UdpEngineError, type UdpEngineOptions } from "../backend/udp/udp-engine.ts";
import type { ForwarderExit, ForwarderInit } from "../backend/udp/udp-forwarder.ts";
import { denoLibc } from "./deno-libc.ts";

type WorkerMessage = { readonly kind: "ready" } | { readonly kind: "exit"; readonly exit: ForwarderExit };

const reason = (cause: unknown): { message: string } => ({ message: cause instanceof Error ? cause.message : String(cause) });

/**
 * Starts a forwarding thread as a Deno Worker running udp-worker.ts.
 *
 * @param init the thread's settings and shared memory
 * @returns the thread
 */
export function startDenoForwarder(init: ForwarderInit): ForwarderThread {
  const worker = new Worker(new URL("./udp-worker.ts", import.meta.url).href, { type: "module", name: `flannel-udp-${init.direction}` });
  let settleExit: (reason: string | undefined) => void = () => undefined;
  const exited = new Promise<string | undefined>((resolve) => (settleExit = resolve));
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      if (event.data.kind === "ready") return resolve();
      settleExit(event.data.exit === "stopped" ? undefined : "its TUN device or UDP socket is gone");
      worker.terminate();
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      reject(new Error(event.message));
      settleExit(event.message);
      worker.terminate();
    };
  });
  ready.catch(() => undefined);
  worker.postMessage(init);
  return {
    ready,
    exited,
    terminate: () => {
      worker.terminate();
      settleExit("terminated");
      return Promise.resolve();
    },
  };
}

function runCommand(command: string, args: readonly string[]): ResultAsync<CommandResult, { message: string }> {
  const decoder = new TextDecoder();
  return ResultAsync.fromPromise(
    new Deno.Command(command, { args: [...args], stdout: "piped", stderr: "piped" }).output().then((out) => ({
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    })),
    reason,
  );
}

/**
 * Starts flannel's UDP data path on Deno: creates and configures the TUN
 * device (ioctl through Deno.dlopen, iproute2's `ip`), binds the UDP port
 * and runs one Worker per direction calling libc directly. Needs root and
 * `-A` (Deno wants all permissions to write the TUN's accept_local under
 * /proc/sys, and FFI grants them anyway).
 *
 * @param options see {@link UdpEngineOptions}
 * @returns the running engine, or why it could not start
 * @example
 * ```ts ignore
 * import { startUdpEngine } from "flannel-ts/deno";
 * import { parseCidr4, parseIp4 } from "flannel-ts/subnet";
 * // As root, with --allow-ffi: creates flannel0. Type-checked, not run.
 * const started = await startUdpEngine({
 *   device: "flannel0",
 *   subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap(),
 *   network: parseCidr4("10.5.0.0/16")._unsafeUnwrap(),
 *   bind: parseIp4("192.0.2.1")._unsafeUnwrap(),
 *   routes: [{ subnet: parseCidr4("10.5.2.0/24")._unsafeUnwrap(), peer: parseIp4("192.0.2.2")._unsafeUnwrap(), port: 8285 }],
 * });
 * if (started.isErr()) console.error(started.error.message);
 * else await started.value.close();
 * ```
 */
export function startUdpEngine(options: UdpEngineOptions): ResultAsync<UdpEngine, UdpEngineError> {
  const readTextFile = (path: string): ResultAsync<string, { message: string }> => ResultAsync.fromPromise(Deno.readTextFile(path), reason);
  const writeTextFile = (path: string, text: string): ResultAsync<void, { message: string }> => ResultAsync.fromPromise(Deno.writeTextFile(path, text), reason);
  return startUdpEngineOn({ libc: denoLibc(), runCommand, readTextFile, writeTextFile, startForwarder: startDenoForwarder }, options);
}
