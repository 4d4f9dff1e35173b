import { type Clock, systemClock, type Timer } from "../../core/clock.ts";
import type { RouteChange, RouteTable } from "./route-table.ts";

// Layout of the Int32Array: [0] changes written, [1] capacity, [2] readers,
// [4 + r] changes applied by reader r, records of five words from HEADER.
const WRITTEN = 0;
const CAPACITY = 1;
const READERS = 2;
const READ = 4;
const MAX_READERS = 12;
const HEADER = READ + MAX_READERS;
const RECORD = 5;
const SET = 1;
const DELETE = 2;
const CLEAR = 3;

/** Options of {@link RouteLog.create}. */
export interface RouteLogOptions {
  /** Changes the ring holds before a writer must wait for the readers; a power of two. Default 16384. */
  readonly capacity?: number;
  /** Number of readers (forwarding threads), 1 to 12. Default 2. */
  readonly readers?: number;
}

/**
 * A ring of route changes in shared memory: one writer (the thread that
 * owns the {@link RouteTable}) and a few readers (the forwarding threads),
 * each of which keeps a replica of the table and applies the changes
 * between packets. It needs no messages, so a reader that is busy in a
 * synchronous loop still follows, in any runtime with SharedArrayBuffer.
 *
 * @example
 * ```ts
 * import { RouteLog } from "./route-log.ts";
 * import { RouteTable } from "./route-table.ts";
 * const log = RouteLog.create({ readers: 1 });
 * log.tryAppend({ op: "set", network: 0x0a050200, prefix: 24, address: 0xc0000202, port: 8285 });
 * const replica = new RouteTable();
 * new RouteLog(log.buffer).drain(0, replica); // 1
 * replica.lookup(0x0a050201)?.port; // 8285
 * ```
 */
export class RouteLog {
  /** The shared memory; pass it to the readers. */
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly capacity: number;
  private readonly readers: number;

  /**
   * Allocates a log.
   *
   * @param options see {@link RouteLogOptions}
   * @returns the writer's view of it
   */
  static create(options: RouteLogOptions = {}): RouteLog {
    const capacity = options.capacity ?? 16384;
    const readers = options.readers ?? 2;
    if (capacity < 1 || (capacity & (capacity - 1)) !== 0) throw new RangeError(`RouteLog: capacity ${capacity} is not a power of two`);
    if (readers < 1 || readers > MAX_READERS) throw new RangeError(`RouteLog: ${readers} readers is not 1..${MAX_READERS}`);
    const buffer = new SharedArrayBuffer((HEADER + capacity * RECORD) * 4);
    const words = new Int32Array(buffer);
    words[CAPACITY] = capacity;
    words[READERS] = readers;
    return new RouteLog(buffer);
  }

  /** @param buffer the memory of a log made by {@link RouteLog.create} (in another thread) */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
    this.capacity = this.words[CAPACITY]!;
    this.readers = this.words[READERS]!;
  }

  /**
   * Appends a change (writer only).
   *
   * @returns false when the ring is full because a reader lags: try again later
   */
  tryAppend(change: RouteChange): boolean {
    const words = this.words;
    const written = words[WRITTEN]!;
    for (let r = 0; r < this.readers; r++) {
      if (((written - Atomics.load(words, READ + r)) | 0) >= this.capacity) return false;
    }
    const at = HEADER + (written & (this.capacity - 1)) * RECORD;
    switch (change.op) {
      case "set":
        words[at] = SET;
        words[at + 1] = change.network | 0;
        words[at + 2] = change.prefix;
        words[at + 3] = change.address | 0;
        words[at + 4] = change.port;
        break;
      case "delete":
        words[at] = DELETE;
        words[at + 1] = change.network | 0;
        words[at + 2] = change.prefix;
        break;
      case "clear":
        words[at] = CLEAR;
        break;
    }
    Atomics.store(words, WRITTEN, (written + 1) | 0);
    return true;
  }

  /**
   * Applies to `table` every change that reader `reader` has not applied yet.
   *
   * @param reader this reader's number, 0 to readers - 1
   * @param table the reader's replica
   * @returns how many changes were applied
   */
  drain(reader: number, table: RouteTable): number {
    const words = this.words;
    const written = Atomics.load(words, WRITTEN);
    let read = words[READ + reader]!;
    if (read === written) return 0;
    let applied = 0;
    while (read !== written) {
      const at = HEADER + (read & (this.capacity - 1)) * RECORD;
      const op = words[at];
      if (op === SET) {
        table.apply({ op: "set", network: words[at + 1]! >>> 0, prefix: words[at + 2]!, address: words[at + 3]! >>> 0, port: words[at + 4]! });
      } else if (op === DELETE) {
        table.apply({ op: "delete", network: words[at + 1]! >>> 0, prefix: words[at + 2]! });
      } else {
        table.apply({ op: "clear" });
      }
      read = (read + 1) | 0;
      applied++;
    }
    Atomics.store(words, READ + reader, read);
    return applied;
  }
}

/**
 * Keeps a log in step with a table: writes the table's routes, then every
 * change; when the ring is full, holds changes back in order and retries.
 *
 * @param table the primary table
 * @param log the log the forwarding threads read
 * @param retryMs how long to wait before retrying a full ring (default 5)
 * @param clock the time source of that wait (default the system clock)
 * @returns a function that stops following the table
 */
export function publishRoutes(table: RouteTable, log: RouteLog, retryMs = 5, clock: Clock = systemClock): () => void {
  const backlog: RouteChange[] = [];
  let timer: Timer | undefined;
  const flush = (): void => {
    timer = undefined;
    while (backlog.length > 0 && log.tryAppend(backlog[0]!)) backlog.shift();
    if (backlog.length > 0) timer = clock.setTimer(retryMs, flush);
  };
  const push = (change: RouteChange): void => {
    backlog.push(change);
    if (timer === undefined) flush();
  };
  for (const route of table.routes()) {
    push({ op: "set", network: route.subnet.address, prefix: route.subnet.prefix, address: route.peer.value, port: route.port });
  }
  const unsubscribe = table.subscribe(push);
  return () => {
    unsubscribe();
    timer?.cancel();
  };
}
