/**
 * The equivalent of flannel's `dist/mk-docker-opts.sh`: Docker daemon
 * options from subnet.env, as the text of the file the script writes
 * (`/run/docker_opts.env`), byte for byte.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";

/** Options of {@link mkDockerOpts}; each names the script flag it stands for. */
export interface DockerOptsOptions {
  /**
   * The shell variables the script sees once it has sourced the env file:
   * the process environment overlaid by the file's statements (see
   * `subnetEnvVariables` and `parseDotenv`). Names that are not shell
   * identifiers are ignored, as a shell ignores them.
   */
  readonly variables: Readonly<Record<string, string | undefined>>;
  /** `-i`: write each option as its own variable. Default false; neither `-i` nor `-c` means both. */
  readonly individual?: boolean;
  /** `-c`: write the combined variable. Default false; neither `-i` nor `-c` means both. */
  readonly combined?: boolean;
  /** `-k`: the combined variable's name. Default `DOCKER_OPTS`; its value in `variables` starts the combined list. */
  readonly combinedKey?: string;
  /** `false` is `-m`: leave out `--ip-masq`. Default true. */
  readonly ipMasq?: boolean;
  /** `-f`, the env file's path (default `/run/flannel/subnet.env`); only checked, see {@link DockerOptsError}. */
  readonly envFile?: string;
  /** `-d`, the output file's path (default `/run/docker_opts.env`); only checked, see {@link DockerOptsError}. */
  readonly outputFile?: string;
}

/**
 * Why no options were made. `invalid-ipmasq` is the script's own refusal
 * (same message). `unsupported` is ours: the script collects its variables
 * by word-splitting the shell's `set` listing and prints them with `echo`,
 * so for values with blanks, quotes, backslashes, `$` or glob characters
 * (and for a few names the script uses itself) its output depends on the
 * shell; rather than guess, flannel-ts refuses those inputs.
 */
export type DockerOptsError =
  | { readonly kind: "invalid-ipmasq"; readonly value: string; readonly message: string }
  | { readonly kind: "invalid-key"; readonly value: string; readonly message: string }
  | { readonly kind: "unsupported"; readonly name: string; readonly value: string; readonly message: string };

/** The script's defaults. */
export const DOCKER_OPTS_DEFAULTS = {
  envFile: "/run/flannel/subnet.env",
  outputFile: "/run/docker_opts.env",
  combinedKey: "DOCKER_OPTS",
} as const;

const MARK = "DOCKER_OPT_";
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Variables the script assigns itself (or getopts does): an input variable
// with one of these names would be read back with the script's value.
const scriptNames = new Set([
  "flannel_env",
  "docker_env",
  "combined_opts_key",
  "indiv_opts",
  "combined_opts",
  "ipmasq",
  "opt",
  "OPTIND",
  "OPTARG",
  "docker_opts",
  "OPT_NAME",
  "OPT_VALUE",
]);

// A value the script's `set | grep`, word splitting, `eval echo` and
// `echo "NAME=\"value\""` all pass through unchanged, in dash and in bash.
function shellPlain(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\s'"`\\$*?[\x00-\x1f\x7f]/.test(value) && !/^-[neE]+$/.test(value);
}

const unsupported = (name: string, value: string, why: string): DockerOptsError => ({
  kind: "unsupported",
  name,
  value,
  message: `${name}=${JSON.stringify(value)}: ${why}; mk-docker-opts.sh's output for it depends on the shell, so flannel-ts refuses it`,
});

/**
 * Makes the Docker options file exactly as `mk-docker-opts.sh` writes it:
 * DOCKER_OPT_BIP (`--bip=` FLANNEL_SUBNET), DOCKER_OPT_IPMASQ (the inverse of
 * FLANNEL_IPMASQ: flannel masquerading means Docker must not), DOCKER_OPT_MTU
 * (`--mtu=` FLANNEL_MTU) and every other variable the script's
 * `set | grep DOCKER_OPT_` finds, sorted by name, each as `NAME="value"`
 * (with `-i`), then the combined variable (with `-c`): the variable's
 * earlier value and a space when it had one, then a space before each
 * option, in quotes.
 *
 * @param options the variables and the script's flags
 * @returns the file's text, or a {@link DockerOptsError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { mkDockerOpts } from "flannel-ts/flannel";
 * assert.deepEqual(
 *   mkDockerOpts({ variables: { FLANNEL_SUBNET: "10.5.52.1/24", FLANNEL_MTU: "1472", FLANNEL_IPMASQ: "true" } }),
 *   ok('DOCKER_OPT_BIP="--bip=10.5.52.1/24"\nDOCKER_OPT_IPMASQ="--ip-masq=false"\nDOCKER_OPT_MTU="--mtu=1472"\n' +
 *     'DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n'),
 * );
 * ```
 */
export function mkDockerOpts(options: DockerOptsOptions): Result<string, DockerOptsError> {
  const key = options.combinedKey ?? DOCKER_OPTS_DEFAULTS.combinedKey;
  if (!identifier.test(key) || key.includes(MARK) || scriptNames.has(key)) {
    return err({
      kind: "invalid-key",
      value: key,
      message: `-k ${JSON.stringify(key)}: the combined variable must be a shell name (letters, digits, _), not containing ${MARK} and not one of the script's own variables`,
    });
  }
  for (
    const [flag, path] of [
      ["-f", options.envFile],
      ["-d", options.outputFile],
    ] as const
  ) {
    if (path?.includes(MARK)) return err(unsupported(flag, path, `the path contains ${MARK}, so the script lists it among the options`));
  }
  let individual = options.individual ?? false;
  let combined = options.combined ?? false;
  if (!individual && !combined) individual = combined = true;

  const vars = new Map<string, string>();
  for (const [name, value] of Object.entries(options.variables)) {
    if (value !== undefined && identifier.test(name)) vars.set(name, value);
  }
  const subnet = vars.get("FLANNEL_SUBNET") ?? "";
  const mtu = vars.get("FLANNEL_MTU") ?? "";
  const ipMasq = vars.get("FLANNEL_IPMASQ") ?? "";
  if (subnet !== "") vars.set("DOCKER_OPT_BIP", `--bip=${subnet}`);
  if (mtu !== "") vars.set("DOCKER_OPT_MTU", `--mtu=${mtu}`);
  if (ipMasq !== "" && options.ipMasq !== false) {
    if (ipMasq === "true") vars.set("DOCKER_OPT_IPMASQ", "--ip-masq=false");
    else if (ipMasq === "false") vars.set("DOCKER_OPT_IPMASQ", "--ip-masq=true");
    else return err({ kind: "invalid-ipmasq", value: ipMasq, message: `Invalid value of FLANNEL_IPMASQ: ${ipMasq}` });
  }

  const seed = vars.get(key) ?? "";
  if (seed.includes("\\")) return err(unsupported(key, seed, "a backslash is an escape to the script's echo"));
  if (seed.includes(MARK)) return err(unsupported(key, seed, `the value contains ${MARK}, so the script lists it among the options`));

  const listed = [...vars.entries()]
    .filter(([name, value]) => name.includes(MARK) || value.includes(MARK))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let out = "";
  let all = seed === "" ? "" : `${seed} `;
  for (const [name, value] of listed) {
    if (scriptNames.has(name)) return err(unsupported(name, value, "the script assigns this variable itself"));
    if (!shellPlain(value)) return err(unsupported(name, value, "blanks, quotes, backslashes, $ and glob characters are split or expanded by the script"));
    if (individual) out += `${name}="${value}"\n`;
    all += ` ${value}`;
  }
  if (combined) out += `${key}="${all}"\n`;
  return ok(out);
}
