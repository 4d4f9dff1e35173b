/**
 * Special files for the hostile cases, made inside a case's own directory:
 * FIFOs, device nodes (mknod, as root), sockets, directories, links, big
 * and binary files.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";

/** The kinds of non-regular file a path can hold. */
export type SpecialKind = "fifo" | "char-device" | "directory" | "socket" | "link-to-fifo" | "link-to-device" | "link-to-directory" | "dangling-link";

/** What the CLI calls each kind in its messages. */
export const KIND_WORDS: Readonly<Record<SpecialKind, string>> = {
  fifo: "FIFO",
  "char-device": "character device",
  directory: "directory",
  socket: "socket",
  "link-to-fifo": "FIFO",
  "link-to-device": "character device",
  "link-to-directory": "directory",
  "dangling-link": "dangling symbolic link",
};

/** mknod needs root; cases with devices run only as root (the CI runs as root). */
export const IS_ROOT = process.getuid?.() === 0;

/**
 * Makes a special file at `path`.
 *
 * @param kind what to make
 * @param path where
 */
export function makeSpecial(kind: SpecialKind, path: string): void {
  switch (kind) {
    case "fifo":
      execFileSync("mkfifo", [path]);
      return;
    case "char-device":
      // 1,5 is /dev/zero: reading it never ends; 1,3 is /dev/null.
      execFileSync("mknod", [path, "c", "1", "5"]);
      return;
    case "directory":
      mkdirSync(path);
      return;
    case "socket":
      // A process that binds and exits leaves the socket file behind.
      execFileSync(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
      return;
    case "link-to-fifo":
      execFileSync("mkfifo", [`${path}.target`]);
      symlinkSync(`${path}.target`, path);
      return;
    case "link-to-device":
      execFileSync("mknod", [`${path}.target`, "c", "1", "3"]);
      symlinkSync(`${path}.target`, path);
      return;
    case "link-to-directory":
      mkdirSync(`${path}.target`);
      symlinkSync(`${path}.target`, path);
      return;
    case "dangling-link":
      symlinkSync(`${path}.nowhere`, path);
      return;
  }
}

/** Kinds that need root to make. */
export const needsRoot = (kind: SpecialKind): boolean => kind === "char-device" || kind === "link-to-device";

/** A valid subnet.env. */
export const SUBNET_ENV = "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n";

/**
 * Writes a file of `bytes` bytes of `fill`.
 *
 * @param path where
 * @param bytes how many
 * @param fill the byte
 */
export function bigFile(path: string, bytes: number, fill = 0x61): void {
  writeFileSync(path, Buffer.alloc(bytes, fill));
}

/** Escapes text for a RegExp. */
export const re = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
