// Issue 12, faults: the agent's Docker step interrupted. In a
// Docker-in-Docker host with a real dockerd, `flannel-ts agent
// --docker-config` is killed with SIGKILL at each point of the step: before
// daemon.json is written, while it is written, between the write and the
// dockerd restart, and in the middle of the restart (dockerd stopped and
// left so). daemon.json is always byte for byte the old file or the new one
// (a watcher in the host reads it at every change), and the next start of
// the agent finishes the job: the new file, no temporary file left, and
// dockerd running with the lease's bip and mtu. Needs root, a running
// dockerd and `npm run build`.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { DOCKER_STEP_POINTS, type DockerStepEnv, type DockerStepPoint, interruptDockerStep, startDockerStepEnv } from "../helpers/faults-docker-step.ts";

let env: DockerStepEnv;

beforeAll(async () => {
  env = await startDockerStepEnv();
});

afterAll(async () => {
  await env?.teardown();
});

// What the file is right after the kill, and whether dockerd still answers.
const AT_KILL: Record<DockerStepPoint, { readonly file: readonly string[]; readonly dockerd: boolean }> = {
  "before-write": { file: ["old"], dockerd: true },
  // The kill races the rename: either file, never a mix.
  "during-write": { file: ["old", "new"], dockerd: true },
  "before-restart": { file: ["new"], dockerd: true },
  "mid-restart": { file: ["new"], dockerd: false },
};

describe("the Docker step interrupted by SIGKILL", () => {
  it.each(DOCKER_STEP_POINTS)("%s: daemon.json is the old or the new file, and the next start finishes the job", async (point) => {
    const report = await interruptDockerStep(env, point);
    console.log(JSON.stringify({ ...report, killedLog: undefined }));
    onTestFailed(() => console.log(`the killed agent's log:\n${report.killedLog}`));
    expect(report.killedExit).toBe(137); // 128 + SIGKILL, as the shell that started it reports it
    expect(AT_KILL[point].file).toContain(report.fileAfterKill);
    expect(report.dockerdAnsweredAfterKill).toBe(AT_KILL[point].dockerd);
    for (const seen of report.seen) expect(["old", "new"]).toContain(seen);
    // Finished: the new file (the seed kept as the backup), nothing stray, dockerd on the lease.
    expect(report.fileAfter).toBe("new");
    expect(report.backupAfter).toBe("old");
    expect(report.temporariesAfter).toEqual([]);
    expect(report.bridge).toEqual(report.wanted);
    expect(report.dockerLine).toMatch(/dockerd restarted and verified$/);
  });
});
