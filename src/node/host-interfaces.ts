import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import type { HostInterface } from "../flannel/external-interface.ts";
import { type Ip, parseIp } from "../subnet/index.ts";

function mtuOf(name: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${name}/mtu`, "utf8").trim());
  } catch {
    return 0;
  }
}

/**
 * The host's interfaces with their addresses (from os.networkInterfaces) and
 * MTU (from /sys/class/net, which Node does not report). Interfaces without
 * an address are included, so that `--iface NAME` finds them and can report
 * that they have no IPv4 address.
 */
export function listHostInterfaces(): HostInterface[] {
  const byName = new Map<string, Ip[]>();
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    const addresses: Ip[] = [];
    for (const info of infos ?? []) {
      const parsed = parseIp(info.address.split("%")[0] ?? "");
      if (parsed.isOk()) addresses.push(parsed.value);
    }
    byName.set(name, addresses);
  }
  try {
    for (const name of readFileSync("/proc/net/dev", "utf8").split("\n").slice(2)) {
      const n = name.split(":")[0]?.trim();
      if (n !== undefined && n !== "" && !byName.has(n)) byName.set(n, []);
    }
  } catch {
    // Not Linux: the os module's list is all there is.
  }
  return [...byName].map(([name, addresses]) => ({ name, mtu: mtuOf(name), addresses }));
}

/**
 * The interface of the IPv4 default route with the lowest metric, read from
 * /proc/net/route; undefined when there is none.
 */
export function defaultRouteInterface(routeTable: string = readRouteTable()): string | undefined {
  let best: { name: string; metric: number } | undefined;
  for (const line of routeTable.split("\n").slice(1)) {
    const [name, destination, , , , , metric, mask] = line.trim().split(/\s+/);
    if (name === undefined || destination !== "00000000" || mask !== "00000000") continue;
    const m = Number.parseInt(metric ?? "0", 10);
    if (best === undefined || m < best.metric) best = { name, metric: m };
  }
  return best?.name;
}

function readRouteTable(): string {
  try {
    return readFileSync("/proc/net/route", "utf8");
  } catch {
    return "";
  }
}
