/**
 * The agent's log as JSON lines (`flannel-ts agent --json`): one object per
 * event on stderr, `{"time", "level", "event", "message"}`, for log
 * collectors that read JSON.
 *
 * @module
 */
import { type AgentEvent, agentEventLevel, formatAgentEvent } from "../flannel/agent-events.ts";

/**
 * Makes a logger for the agent that writes one JSON object per event.
 *
 * @param write receives each line with its newline
 * @param now the time for the line's stamp; default `Date.now`
 * @returns the `log` option of the agent
 * @example
 * ```ts
 * import { agentJsonLogWriter } from "./agent-json-log.ts";
 * const lines: string[] = [];
 * agentJsonLogWriter((line) => lines.push(line), () => 0)({ kind: "stopped" });
 * // lines[0]: '{"time":"1970-01-01T00:00:00.000Z","level":"info","event":"stopped","message":"stopped cleanly"}\n'
 * ```
 */
export function agentJsonLogWriter(write: (line: string) => void, now: () => number = Date.now): (event: AgentEvent) => void {
  return (event) => write(`${JSON.stringify({ time: new Date(now()).toISOString(), level: agentEventLevel(event), event: event.kind, message: formatAgentEvent(event) })}\n`);
}
