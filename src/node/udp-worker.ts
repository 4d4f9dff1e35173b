/**
 * Entry of a forwarding worker thread (see udp-engine-node.ts): binds libc
 * through koffi, reports that it runs, and loops until the engine's stop
 * flag is set.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { type ForwarderInit, runLibcForwarder } from "../backend/udp/udp-forwarder.ts";
import { koffiLibc } from "./koffi-libc.ts";

const init = workerData as ForwarderInit;
const libc = koffiLibc();
parentPort?.postMessage({ kind: "ready" });
const exit = runLibcForwarder(init, libc);
parentPort?.postMessage({ kind: "exit", exit });
