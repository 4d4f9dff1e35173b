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
