import { err, ok, type Result } from "neverthrow";
import { type Ip, parseIp } from "../subnet/index.ts";
import type { IpJsonError } from "./parse-ip-addr-json.ts";
import type { ObservedRoute } from "./pipework-observation.ts";

/**
 * Reads the output of `ip -j -4 route show default` or `ip -j -6 route show
 * default`: each default route's gateway, device and metric.
 *
 * @param text the command's standard output
 * @param family the family the command was asked for (`-4` or `-6`)
 * @returns the default routes, or an {@link IpJsonError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseIpRouteJson } from "./parse-ip-route-json.ts";
 * const routes = parseIpRouteJson('[{"dst":"default","gateway":"172.17.0.1","dev":"eth0","flags":[]}]', 4);
 * assert.deepEqual(routes.map((r) => r[0]?.dev), ok("eth0"));
 * ```
 */
export function parseIpRouteJson(text: string, family: 4 | 6): Result<ObservedRoute[], IpJsonError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return err({ kind: "ip-output", message: `ip -j route printed no JSON: ${cause instanceof Error ? cause.message : String(cause)}` });
  }
  if (!Array.isArray(parsed)) return err({ kind: "ip-output", message: "ip -j route printed no list of routes" });
  const routes: ObservedRoute[] = [];
  for (const [i, entry] of parsed.entries()) {
    if (typeof entry !== "object" || entry === null) return err({ kind: "ip-output", message: `ip -j route: entry ${i} is not an object` });
    const { dst, gateway, dev, metric } = entry as Record<string, unknown>;
    if (dst !== "default") continue;
    let via: Ip | undefined;
    if (typeof gateway === "string") {
      const ip = parseIp(gateway);
      if (ip.isErr() || ip.value.family !== family) {
        return err({ kind: "ip-output", message: `ip -j route: entry ${i}: gateway ${JSON.stringify(gateway)} is not an IPv${family} address` });
      }
      via = ip.value;
    }
    routes.push({
      family,
      ...(via !== undefined && { gateway: via }),
      ...(typeof dev === "string" && { dev }),
      ...(typeof metric === "number" && { metric }),
    });
  }
  return ok(routes);
}
