/**
 * The exit codes of every `flannel-ts` command, in one table (the top-level
 * `--help` prints it and docs/cli.md repeats it). Pure.
 *
 * @module
 */

/** The exit codes by meaning. */
export const EXIT = Object.freeze({
  /** The command did what was asked. */
  ok: 0,
  /** The operation failed: a file, etcd, dockerd or the kernel said no, or the input file was wrong. */
  failed: 1,
  /** The command line or a variable is wrong: unknown flag, bad or out-of-range value, missing argument. Nothing was done. */
  usage: 2,
  /** A bug: an exception nobody expected (one line; the stack with FLANNEL_TS_DEBUG=1). */
  internal: 70,
  /** `demo --netns` stopped by SIGINT (128 + 2) after removing what it made. */
  sigint: 130,
  /** `demo --netns` stopped by SIGTERM (128 + 15) after removing what it made. */
  sigterm: 143,
});

/** The table as the top-level help prints it. */
export const EXIT_CODE_TABLE: readonly (readonly [number, string])[] = Object.freeze([
  [EXIT.ok, "ok"],
  [EXIT.failed, "the operation failed (a file, etcd, dockerd or the kernel refused; a config or file is wrong)"],
  [EXIT.usage, "usage: unknown flag or command, bad or out-of-range value, missing argument; nothing was done"],
  [EXIT.internal, "internal error (a bug); FLANNEL_TS_DEBUG=1 prints the stack"],
  [EXIT.sigint, "demo --netns interrupted by SIGINT (after cleaning up)"],
  [EXIT.sigterm, "demo --netns stopped by SIGTERM (after cleaning up)"],
]);
