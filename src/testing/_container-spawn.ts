// Starts a long-running process in a container through the Engine API's exec
// and keeps its output. The process is wrapped in `sh -c` that records its pid
// in a file, since the Engine API has no way to signal an exec'd process.
import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import type { SpawnedProcess, SpawnOptions } from "./spawned-process.ts";

const pidDir = "/run/flannel-ts-spawn";

export async function spawnInContainer(containerId: string, command: readonly string[], options: SpawnOptions = {}): Promise<SpawnedProcess> {
  if (command.length === 0) throw new RangeError("spawn: the command is empty");
  const docker = new Docker();
  const container = docker.getContainer(containerId);
  const pidFile = `${pidDir}/${randomUUID()}.pid`;
  const wrapper = ["sh", "-c", `mkdir -p ${pidDir} && echo $$ > ${pidFile} && exec "$@"`, "sh", ...command];
  const exec = await container.exec({
    Cmd: wrapper,
    AttachStdout: true,
    AttachStderr: true,
    Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(options.workingDir === undefined ? {} : { WorkingDir: options.workingDir }),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const state = { stdout: "", stderr: "", output: "" };
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((w) => w());
  const pending = { stdout: "", stderr: "" };
  const sink = (name: "stdout" | "stderr"): PassThrough => {
    const pass = new PassThrough();
    pass.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      state[name] += text;
      state.output += text;
      if (options.onLine !== undefined) {
        const lines = (pending[name] + text).split("\n");
        pending[name] = lines.pop() ?? "";
        for (const line of lines) options.onLine(line, name);
      }
      notify();
    });
    return pass;
  };
  docker.modem.demuxStream(stream, sink("stdout"), sink("stderr"));
  const exited = new Promise<number | null>((resolve) => {
    const done = (): void => {
      exec
        .inspect()
        .then((info) => resolve(info.Running ? null : info.ExitCode))
        .catch(() => resolve(null))
        .finally(notify);
    };
    stream.once("end", done);
    stream.once("error", done);
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
    notify();
  });

  const waitForOutput = (pattern: string | RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const re = typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
      const check = (): void => {
        const m = re.exec(state.output);
        if (m !== null) finish(() => resolve(m));
        else if (ended) finish(() => reject(new Error(`spawn: ${command.join(" ")} ended without printing ${String(re)}; its output:\n${state.output}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`spawn: ${command.join(" ")} did not print ${String(re)} within ${timeoutMs} ms; its output:\n${state.output}`))),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const kill = async (signal = "TERM"): Promise<void> => {
    const killer = await container.exec({ Cmd: ["sh", "-c", `kill -${signal} "$(cat ${pidFile})"`], AttachStdout: true, AttachStderr: true });
    const s = await killer.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      s.once("end", () => resolve());
      s.once("error", () => resolve());
      s.resume();
    });
  };

  return {
    command,
    get stdout() {
      return state.stdout;
    },
    get stderr() {
      return state.stderr;
    },
    get output() {
      return state.output;
    },
    exited,
    waitForOutput,
    kill,
  };
}
