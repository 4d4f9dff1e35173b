/**
 * Entry of a forwarding worker (see udp-engine-deno.ts): receives its
 * settings, opens libc through Deno.dlopen, reports that it runs, and
 * loops until the engine's stop flag is set.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type ForwarderInit, runLibcForwarder } from "../backend/udp/udp-forwarder.ts";
import { denoLibc } from "./deno-libc.ts";

self.onmessage = (event: MessageEvent<ForwarderInit>) => {
  const libc = denoLibc();
  self.postMessage({ kind: "ready" });
  const exit = runLibcForwarder(event.data, libc);
  self.postMessage({ kind: "exit", exit });
  self.close();
};
