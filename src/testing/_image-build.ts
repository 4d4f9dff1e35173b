// Builds a local image from a recipe folder under images/ once: the tag
// carries a hash of the recipe, an image with that tag is reused, and two
// processes that want the same tag at once build it only once (a lock
// directory holding the builder's pid).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";

/** Where the image recipes live: `images/` at the package root, beside `src/` and `dist/`. */
export const imagesDir: string = fileURLToPath(new URL("../../images/", import.meta.url));

/** A recipe: a folder under images/ whose build.sh takes the tag to create. */
export interface ImageRecipe {
  /** Folder name under images/, e.g. "etcd". */
  readonly folder: string;
  /** Repository part of the tag, e.g. "flannel-ts/etcd". */
  readonly repository: string;
  /** Tag prefix before the hash, e.g. "debian" gives flannel-ts/etcd:debian-1a2b3c4d. */
  readonly tagPrefix: string;
}

/** Options shared by the ensure*Image functions. */
export interface EnsureImageOptions {
  /**
   * Use this image instead of building one (e.g. an official etcd image when
   * a registry is reachable). Returned as is; testcontainers pulls it if it is
   * missing. Default: the matching FLANNEL_TS_*_IMAGE environment variable,
   * else the locally built image.
   */
  readonly image?: string;
  /** Receives progress lines. Default: written to stderr. */
  readonly log?: (line: string) => void;
  /** How long to wait for another process's build of the same tag. Default 15 minutes. */
  readonly lockTimeoutMs?: number;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * The tag a recipe builds: repository, prefix and the first 8 hex digits of
 * a SHA-256 over the recipe's file names and contents.
 */
export async function recipeTag(recipe: ImageRecipe): Promise<string> {
  const dir = join(imagesDir, recipe.folder);
  const files = await listFiles(dir);
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(dir, file));
    hash.update("\0");
    hash.update(await readFile(file));
    hash.update("\0");
  }
  return `${recipe.repository}:${recipe.tagPrefix}-${hash.digest("hex").slice(0, 8)}`;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out.sort();
}

async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (e) {
    if (isStatus(e, 404)) return false;
    throw e;
  }
}

/** True when `e` is a dockerode error with this HTTP status. */
export function isStatus(e: unknown, status: number): boolean {
  return typeof e === "object" && e !== null && "statusCode" in e && e.statusCode === status;
}

const inProcess = new Map<string, Promise<string>>();

/**
 * Returns the tag of the recipe's image, building it first when no image
 * with that tag exists.
 */
export function ensureImage(recipe: ImageRecipe, envVar: string, options: EnsureImageOptions = {}): Promise<string> {
  const named = options.image ?? process.env[envVar];
  if (named !== undefined && named !== "") return Promise.resolve(named);
  const key = recipe.folder;
  let pending = inProcess.get(key);
  if (pending === undefined) {
    pending = buildIfMissing(recipe, options);
    inProcess.set(key, pending);
    // A failed build may be retried by the next caller.
    pending.catch(() => inProcess.delete(key));
  }
  return pending;
}

async function buildIfMissing(recipe: ImageRecipe, options: EnsureImageOptions): Promise<string> {
  const log = options.log ?? defaultLog;
  const docker = new Docker();
  const tag = await recipeTag(recipe);
  if (await imageExists(docker, tag)) return tag;
  const release = await acquireLock(tag, log, options.lockTimeoutMs ?? 15 * 60_000);
  try {
    if (await imageExists(docker, tag)) return tag;
    await runBuild(recipe, tag, log);
    if (!(await imageExists(docker, tag))) throw new Error(`image build: ${recipe.folder}/build.sh finished but ${tag} does not exist`);
    return tag;
  } finally {
    await release();
  }
}

function runBuild(recipe: ImageRecipe, tag: string, log: (line: string) => void): Promise<void> {
  const script = join(imagesDir, recipe.folder, "build.sh");
  const started = Date.now();
  const prefix = `[flannel-ts/testing] building ${tag}`;
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  log(`${prefix}: start (${script}); cached by tag afterwards`);
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, tag], { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (line.startsWith("step: ")) log(`${prefix}: ${line.slice(6)} (${elapsed()})`);
    };
    let partial = "";
    const onData = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      lines.forEach(onLine);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => reject(new Error(`image build: cannot run ${script}: ${e.message}`)));
    child.on("close", (code) => {
      if (partial !== "") onLine(partial);
      if (code === 0) {
        log(`${prefix}: finished in ${elapsed()}`);
        resolve();
      } else {
        reject(new Error(`image build: ${script} ${tag} exited with ${code} after ${elapsed()}; its last lines:\n${tail.join("\n")}`));
      }
    });
  });
}

async function acquireLock(tag: string, log: (line: string) => void, timeoutMs: number): Promise<() => Promise<void>> {
  const dir = join(tmpdir(), "flannel-ts-image-locks");
  await mkdir(dir, { recursive: true });
  const lock = join(dir, `${tag.replace(/[^A-Za-z0-9_.-]/g, "_")}.lock`);
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      return () => rm(lock, { recursive: true, force: true });
    } catch (e) {
      if (!(e instanceof Error && "code" in e && e.code === "EEXIST")) throw e;
    }
    const holder = Number(await readFile(join(lock, "pid"), "utf8").catch(() => ""));
    if (holder > 0 && !processAlive(holder)) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`image build: ${lock} is still held by pid ${holder} after ${timeoutMs} ms; remove it if that build is gone`);
    if (!announced) {
      log(`[flannel-ts/testing] waiting for pid ${holder || "?"} that is building ${tag}`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e instanceof Error && "code" in e && e.code === "EPERM";
  }
}
