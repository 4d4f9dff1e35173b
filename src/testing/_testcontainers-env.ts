import type * as Testcontainers from "testcontainers";

// testcontainers starts its Ryuk reaper from a registry image unless told not
// to; no registry is reachable here, so the kit turns Ryuk off (unless the
// caller already chose) and removes every container it starts itself.
export function disableRyukUnlessChosen(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
}

/** Label put on every container the kit starts; its value says what it is ("etcd", "docker-host"). */
export const kitLabel = "org.flannel-ts.testing";

/** Labels for a container of this kind: the kind, and the pid of the process that started it. */
export function kitLabels(kind: string): Record<string, string> {
  return { [kitLabel]: kind, [`${kitLabel}.pid`]: String(process.pid) };
}

/**
 * Loads testcontainers, an optional peer dependency that only the functions
 * starting containers need: importing `flannel-ts/testing` works without it
 * (the registry contract, the `ip` parsers), and a start without it says what
 * to install instead of failing with a bare ERR_MODULE_NOT_FOUND.
 */
export async function loadTestcontainers(): Promise<typeof Testcontainers> {
  disableRyukUnlessChosen();
  try {
    return await import("testcontainers");
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new Error(
        "flannel-ts/testing starts containers through the testcontainers package, which is not installed: npm install --save-dev testcontainers@^11 (version 12 needs Node.js 22)",
        { cause },
      );
    }
    throw cause;
  }
}
