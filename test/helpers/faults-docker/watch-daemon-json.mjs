// Watches /etc/docker inside a Docker-in-Docker host during the Docker-step
// fault test. Every change (inotify, and a poll every 2 ms besides) reads
// daemon.json and counts each distinct text it saw, and notes any temporary
// file beside it. When /run/faults/kill says during-write, the first
// temporary file makes it kill the agent with SIGKILL, once. On SIGTERM it
// prints what it saw as one JSON line and exits.
import { readdirSync, readFileSync, rmSync, watch } from "node:fs";

const dir = "/etc/docker";
const versions = new Map();
const temporaries = new Set();
let agent;
let killed = false;

const findAgent = () => {
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("cli/main.js\0agent")) return Number(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
};

const point = () => {
  try {
    return readFileSync("/run/faults/kill", "utf8").trim();
  } catch {
    return "";
  }
};

const look = () => {
  agent ??= findAgent();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".tmp")) continue;
    temporaries.add(name);
    if (!killed && agent !== undefined && point() === "during-write") {
      killed = true;
      process.kill(agent, "SIGKILL");
      rmSync("/run/faults/kill", { force: true });
    }
  }
  let text;
  try {
    text = readFileSync(`${dir}/daemon.json`, "utf8");
  } catch {
    text = "<missing>";
  }
  versions.set(text, (versions.get(text) ?? 0) + 1);
};

watch(dir, look);
const poll = globalThis.setInterval(look, 2);
look();
process.stdout.write("watching /etc/docker\n");
process.on("SIGTERM", () => {
  globalThis.clearInterval(poll);
  process.stdout.write(`${JSON.stringify({ versions: [...versions.keys()], temporaries: [...temporaries], killed })}\n`);
  process.exit(0);
});
