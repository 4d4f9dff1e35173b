// An rtnetlink socket inside a named network namespace, for the --netns
// demo's kernel backends: the agents run in the demo's process (in the root
// namespace), and a socket belongs to the namespace it was made in, so the
// calling thread enters the host's namespace just for socket(2) and leaves
// again at once.
import { closeSync, openSync } from "node:fs";
import koffi from "koffi";
import { err, type Result } from "neverthrow";
import type { OpenRtnetlinkPort, RtnetlinkOpenError, RtnetlinkPort } from "../backend/rtnetlink-port.ts";
import { openRtnetlink } from "../node/netlink-socket.ts";

const CLONE_NEWNET = 0x40000000;

let setns: ((fd: number, nstype: number) => number) | undefined;

/**
 * The opener of an rtnetlink socket in the namespace `ip netns add <name>`
 * made (its handle is /run/netns/<name>).
 *
 * @param name the namespace's name
 * @returns the opener, for `nodeKernelBackends({ openRtnetlink })`
 */
export function netnsRtnetlinkOpener(name: string): OpenRtnetlinkPort {
  return (): Result<RtnetlinkPort, RtnetlinkOpenError> => {
    const fail = (why: string): Result<RtnetlinkPort, RtnetlinkOpenError> =>
      err({ kind: "netlink-unavailable", message: `no rtnetlink socket in the network namespace ${name}: ${why}` });
    let home: number | undefined;
    let target: number | undefined;
    try {
      setns ??= koffi.load("libc.so.6").func("int setns(int fd, int nstype)") as (fd: number, nstype: number) => number;
      home = openSync("/proc/thread-self/ns/net", "r");
      target = openSync(`/run/netns/${name}`, "r");
    } catch (cause) {
      if (home !== undefined) closeSync(home);
      return fail(cause instanceof Error ? cause.message : String(cause));
    }
    try {
      if (setns(target, CLONE_NEWNET) !== 0) return fail(`setns failed with errno ${koffi.errno()}`);
      let opened: Result<RtnetlinkPort, RtnetlinkOpenError>;
      try {
        opened = openRtnetlink();
      } catch (cause) {
        opened = fail(cause instanceof Error ? cause.message : String(cause));
      }
      // Staying behind would put the whole demo (its etcd client too) in the host's namespace: that is no error to go on from.
      if (setns(home, CLONE_NEWNET) !== 0) throw new Error(`cannot return from the network namespace ${name}: setns failed with errno ${koffi.errno()}`);
      return opened;
    } finally {
      closeSync(home);
      closeSync(target);
    }
  };
}
