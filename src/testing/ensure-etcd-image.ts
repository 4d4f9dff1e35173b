import { ensureImage, type EnsureImageOptions } from "./_image-build.ts";

/**
 * Returns the name of an etcd image that runs without a registry.
 *
 * With `options.image` (or the environment variable FLANNEL_TS_ETCD_IMAGE)
 * that name is returned unchanged: an official image such as
 * `quay.io/coreos/etcd:v3.5.17` works, since the kit starts etcd by the
 * absolute path `/usr/local/bin/etcd` that those images use. Otherwise it
 * builds `flannel-ts/etcd:debian-<hash8>` from Debian's etcd-server and
 * etcd-client packages (recipe: `images/etcd/build.sh`; about 3 s), once:
 * the tag carries a hash of the recipe, and an existing image is reused.
 * Progress lines go to stderr (or `options.log`).
 *
 * @param options Image override, progress sink, lock wait.
 * @returns The image name to start.
 * @throws Error when the build fails (its last output lines are in the message).
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { ensureEtcdImage } from "flannel-ts/testing";
 * const image = await ensureEtcdImage(); // e.g. "flannel-ts/etcd:debian-1a2b3c4d"
 * ```
 */
export function ensureEtcdImage(options: EnsureImageOptions = {}): Promise<string> {
  return ensureImage({ folder: "etcd", repository: "flannel-ts/etcd", tagPrefix: "debian" }, "FLANNEL_TS_ETCD_IMAGE", options);
}
