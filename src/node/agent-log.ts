/**
 * The agent's log as text: one line per event, with time and level.
 *
 * @module
 */
import { type AgentEvent, agentEventLevel, formatAgentEvent } from "../flannel/agent-events.ts";

const LEVEL = { info: "INFO", warning: "WARN", error: "ERROR" } as const;

/**
 * Makes a logger for `startAgent` that writes lines like
 * `2024-05-01T12:00:00.000Z INFO lease acquired: subnet 172.20.5.0/24 ...`.
 *
 * @param write receives each line with its newline (e.g. `process.stderr.write`)
 * @param now the time for the line's stamp; default `Date.now`
 * @returns the `log` option of `startAgent`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agentLogWriter } from "flannel-ts/node";
 * const lines: string[] = [];
 * const log = agentLogWriter((line) => lines.push(line)); // e.g. (line) => process.stderr.write(line)
 * log({ kind: "stopped" });
 * assert.match(lines[0] ?? "", /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO stopped cleanly\n$/);
 * ```
 */
export function agentLogWriter(write: (line: string) => void, now: () => number = Date.now): (event: AgentEvent) => void {
  return (event) => write(`${new Date(now()).toISOString()} ${LEVEL[agentEventLevel(event)]} ${formatAgentEvent(event)}\n`);
}
