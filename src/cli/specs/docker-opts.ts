/**
 * `flannel-ts docker-opts`, declared: mk-docker-opts.sh's flags and help.
 *
 * @module
 */
import { err, ok } from "neverthrow";
import { DOCKER_OPTS_DEFAULTS, mkDockerOpts } from "../../flannel/docker-opts.ts";
import { defineSpec } from "../command-spec.ts";
import { boolFlag, valueFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { jsonFlag } from "../shared-flags.ts";

/** The spec of `flannel-ts docker-opts`. */
export const dockerOptsSpec = defineSpec({
  name: "docker-opts",
  synopsis: "[-f FLANNEL-ENV-FILE] [-d DOCKER-ENV-FILE] [-i] [-c] [-m] [-k COMBINED-KEY] [--json]",
  description: `Generate Docker daemon options based on flannel env file, as flannel's
mk-docker-opts.sh does (the output file is the same, byte for byte).

Neither -i nor -c means both. As in the script, the environment counts: the
combined variable starts with the value of the variable named by -k, and
DOCKER_OPT_* variables of the environment are written too. The output file
is replaced atomically, and only when it is a regular file or absent.`,
  flags: {
    flannelEnv: valueFlag("flannel-env", { short: "f", type: flagTypes.path, default: DOCKER_OPTS_DEFAULTS.envFile, help: "flannel env file" }),
    dockerEnv: valueFlag("docker-env", { short: "d", type: flagTypes.path, default: DOCKER_OPTS_DEFAULTS.outputFile, help: "Docker env file to write" }),
    individual: boolFlag("individual", { short: "i", help: 'output each Docker option as its own variable, e.g. DOCKER_OPT_MTU="--mtu=1472"' }),
    combined: boolFlag("combined", { short: "c", help: "output the combined Docker options in one variable" }),
    combinedKey: valueFlag("combined-key", { short: "k", type: flagTypes.shellName, default: DOCKER_OPTS_DEFAULTS.combinedKey, help: "name of the combined variable" }),
    noIpMasq: boolFlag("no-ip-masq", { short: "m", help: "leave out --ip-masq" }),
    json: jsonFlag,
  },
  footer: `With --json: {"file", "contents"} on stdout.`,
  // The script's own rules for the key and the paths, asked of the one implementation.
  check: (values) => {
    const probe = mkDockerOpts({ variables: {}, combinedKey: values.combinedKey, envFile: values.flannelEnv, outputFile: values.dockerEnv });
    if (probe.isOk() || probe.error.kind === "invalid-ipmasq") return ok(undefined);
    const flag = probe.error.kind === "invalid-key" ? "--combined-key" : probe.error.name === "-f" ? "--flannel-env" : "--docker-env";
    return err({ kind: "bad-value", flag, message: probe.error.message });
  },
});
