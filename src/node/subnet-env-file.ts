/**
 * subnet.env on disk: read it (a missing file is no error: the host has no
 * previous lease) and write it as flanneld does, atomically.
 *
 * @module
 */
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import { DEFAULT_SUBNET_FILE } from "../core/defaults.ts";
import {
  checkSubnetEnv,
  formatSubnetEnv,
  type FormatSubnetEnvOptions,
  parseSubnetEnv,
  type SubnetEnv,
  type SubnetEnvCheckError,
  type SubnetEnvError,
} from "../flannel/subnet-env.ts";
import { atomicWriteFile, type AtomicWriteOptions, type AtomicWriteReport, type FileWriteError } from "./atomic-write.ts";
import { DEFAULT_MAX_READ_BYTES, type FileReadError, readTextFile } from "./read-text-file.ts";

/** The largest subnet.env read: 1 MiB (flanneld's is about 100 bytes). */
export const SUBNET_ENV_MAX_BYTES = DEFAULT_MAX_READ_BYTES;

/**
 * Reads and parses subnet.env: a regular file (a FIFO or device is an
 * error, at once) of at most {@link SUBNET_ENV_MAX_BYTES}.
 *
 * @param path default `/run/flannel/subnet.env`
 * @returns the values, `undefined` when there is no file, or why it cannot be read or parsed
 * @example
 * ```ts ignore
 * import { readSubnetEnvFile } from "flannel-ts/node";
 * // Reads /run/flannel/subnet.env: type-checked, not run.
 * const previous = await readSubnetEnvFile();
 * if (previous.isErr()) console.error(previous.error.message);
 * else console.log(previous.value?.subnet ?? "no subnet.env yet");
 * ```
 */
export function readSubnetEnvFile(path: string = DEFAULT_SUBNET_FILE): ResultAsync<SubnetEnv | undefined, FileReadError | (SubnetEnvError & { readonly path: string })> {
  return readTextFile(path, { maxBytes: SUBNET_ENV_MAX_BYTES }).andThen((text) => {
    if (text === undefined) return okAsync(undefined);
    const parsed = parseSubnetEnv(text);
    return parsed.isOk() ? okAsync(parsed.value) : errAsync({ ...parsed.error, path, message: `${path}: ${parsed.error.message}` });
  });
}

/** Options of {@link writeSubnetEnvFile}. */
export interface WriteSubnetEnvFileOptions extends FormatSubnetEnvOptions {
  /** The file operations, for fault tests. Default `node:fs/promises`. */
  readonly fs?: AtomicWriteOptions["fs"];
}

/**
 * Writes subnet.env as flanneld does: the directory is created (0755) when
 * missing, a new file gets mode 0644, an existing one keeps its mode and
 * owner (as flanneld's writer keeps the permissions), and the file is
 * replaced atomically. Values no reader takes (`checkSubnetEnv`: a subnet
 * outside its network, an MTU below IPv6's 1280 on a dual-stack network,
 * ...) are refused before the file is touched.
 *
 * @param path default `/run/flannel/subnet.env`
 * @param env the values
 * @param options whether to keep extra keys
 * @returns what was written, or a {@link FileWriteError}, or the `SubnetEnvCheckError` of a value refused (the file unchanged)
 * @example
 * ```ts ignore
 * import { writeSubnetEnvFile } from "flannel-ts/node";
 * import { parseCidr4 } from "flannel-ts/subnet";
 * // Writes /run/flannel/subnet.env (as root): type-checked, not run.
 * const network = parseCidr4("10.5.0.0/16");
 * const subnet = parseCidr4("10.5.52.0/24");
 * if (network.isErr() || subnet.isErr()) throw new Error("the literals are valid CIDRs");
 * const written = await writeSubnetEnvFile("/run/flannel/subnet.env", { network: network.value, subnet: subnet.value, mtu: 1472, ipMasq: true });
 * if (written.isErr()) console.error(written.error.message);
 * ```
 */
export function writeSubnetEnvFile(
  path: string,
  env: SubnetEnv,
  options: WriteSubnetEnvFileOptions = {},
): ResultAsync<AtomicWriteReport, FileWriteError | SubnetEnvCheckError> {
  const checked = checkSubnetEnv(env);
  if (checked.isErr()) return errAsync(checked.error);
  return atomicWriteFile(path, formatSubnetEnv(checked.value, options), { mkdir: true, mode: 0o644, ...(options.fs !== undefined && { fs: options.fs }) });
}
