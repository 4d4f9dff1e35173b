import type { Stats } from "node:fs";

/**
 * What kind of file a stat describes, in words, for messages.
 *
 * @param s the stat (of lstat, for links)
 * @returns e.g. `character device`
 */
export function fileTypeOf(s: Stats): string {
  if (s.isFile()) return "regular file";
  if (s.isDirectory()) return "directory";
  if (s.isFIFO()) return "FIFO";
  if (s.isCharacterDevice()) return "character device";
  if (s.isBlockDevice()) return "block device";
  if (s.isSocket()) return "socket";
  if (s.isSymbolicLink()) return "symbolic link";
  return "special file";
}
