import { describe, expect, it } from "vitest";
import { type Health, startHealthz } from "./healthz.ts";

describe("healthz", () => {
  it("answers like flanneld while healthy, 503 with the reason otherwise", async () => {
    let health: Health = { healthy: true };
    const server = (await startHealthz("127.0.0.1", 0, () => health))._unsafeUnwrap();
    try {
      const ok = await fetch(`http://${server.address}/healthz`);
      expect([ok.status, await ok.text()]).toEqual([200, "flanneld is running"]);
      health = { healthy: false, reason: "no lease" };
      const bad = await fetch(`http://${server.address}/healthz`);
      expect([bad.status, await bad.text()]).toEqual([503, "not healthy: no lease"]);
      expect((await fetch(`http://${server.address}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
  it("reports a port it cannot listen on", async () => {
    const first = (await startHealthz("127.0.0.1", 0, () => ({ healthy: true })))._unsafeUnwrap();
    try {
      const second = await startHealthz("127.0.0.1", first.port, () => ({ healthy: true }));
      expect(second._unsafeUnwrapErr().message).toContain(`healthz server cannot listen on 127.0.0.1:${first.port}`);
    } finally {
      await first.close();
    }
  });
});
