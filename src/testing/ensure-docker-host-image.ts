import { ensureImage, type EnsureImageOptions } from "./_image-build.ts";

/** Path of the inner busybox image tarball inside the local Docker-in-Docker host image. */
export const innerBusyboxTar = "/usr/share/flannel-ts/busybox.tar";

/** Name under which {@link startDockerHost} imports that tarball into each host's dockerd. */
export const innerBusyboxImage = "flannel-ts/busybox:latest";

/**
 * Returns the name of a Docker-in-Docker host image that runs without a
 * registry.
 *
 * With `options.image` (or FLANNEL_TS_DIND_IMAGE) that name is returned
 * unchanged. Otherwise it builds `flannel-ts/dind:trixie-<hash8>` (recipe:
 * `images/dind/`): a Debian trixie root filesystem made by mmdebstrap with
 * docker.io 26, docker-cli, iproute2, iptables, ping, procps and Node.js 20,
 * PID 1 a small shell (`dind-entry`) that starts dockerd through
 * `dockerd-ctl` and keeps running, so dockerd can be restarted; plus a
 * busybox image tarball at {@link innerBusyboxTar}. The build takes about
 * 40 s once (needs root, mmdebstrap and Debian's archive); the tag carries a
 * hash of the recipe, and an existing image is reused. Progress lines go to
 * stderr (or `options.log`).
 *
 * @param options Image override, progress sink, lock wait.
 * @returns The image name to start.
 * @throws Error when the build fails (its last output lines are in the message).
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { ensureDockerHostImage } from "flannel-ts/testing";
 * const image = await ensureDockerHostImage(); // e.g. "flannel-ts/dind:trixie-5e6f7a8b"
 * ```
 */
export function ensureDockerHostImage(options: EnsureImageOptions = {}): Promise<string> {
  return ensureImage({ folder: "dind", repository: "flannel-ts/dind", tagPrefix: "trixie" }, "FLANNEL_TS_DIND_IMAGE", options);
}
