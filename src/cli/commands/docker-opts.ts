/**
 * `flannel-ts docker-opts`: flannel's `mk-docker-opts.sh` with the same
 * flags, defaults and output file.
 */
import { parseArgs } from "node:util";
import { DOCKER_OPTS_DEFAULTS, mkDockerOpts } from "../../flannel/docker-opts.ts";
import { parseDotenv } from "../../flannel/subnet-env-dotenv.ts";
import { atomicWriteFile } from "../../node/atomic-write.ts";
import { readTextFile } from "../../node/read-text-file.ts";
import type { CliCommand } from "../io.ts";

const usage = `Usage: flannel-ts docker-opts [-f FLANNEL-ENV-FILE] [-d DOCKER-ENV-FILE] [-i] [-c] [-m] [-k COMBINED-KEY]

Generate Docker daemon options based on flannel env file, as flannel's
mk-docker-opts.sh does (the output file is the same, byte for byte).

Options:
  -f, --flannel-env FILE   flannel env file (default ${DOCKER_OPTS_DEFAULTS.envFile})
  -d, --docker-env FILE    Docker env file to write (default ${DOCKER_OPTS_DEFAULTS.outputFile})
  -i, --individual         output each Docker option as its own variable, e.g. DOCKER_OPT_MTU="--mtu=1472"
  -c, --combined           output the combined Docker options in one variable
  -k, --combined-key NAME  name of the combined variable (default ${DOCKER_OPTS_DEFAULTS.combinedKey})
  -m, --no-ip-masq         leave out --ip-masq
  -h, --help               show this help

Neither -i nor -c means both. As in the script, the environment counts: the
combined variable starts with the value of the variable named by -k, and
DOCKER_OPT_* variables of the environment are written too.
`;

const command: CliCommand = {
  summary: "Write Docker options from subnet.env, as flannel's mk-docker-opts.sh does",
  usage,
  run: async (argv, io) => {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          "flannel-env": { type: "string", short: "f", default: DOCKER_OPTS_DEFAULTS.envFile },
          "docker-env": { type: "string", short: "d", default: DOCKER_OPTS_DEFAULTS.outputFile },
          individual: { type: "boolean", short: "i", default: false },
          combined: { type: "boolean", short: "c", default: false },
          "combined-key": { type: "string", short: "k", default: DOCKER_OPTS_DEFAULTS.combinedKey },
          "no-ip-masq": { type: "boolean", short: "m", default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (cause) {
      io.err(`flannel-ts docker-opts: ${cause instanceof Error ? cause.message : String(cause)}\n${usage}`);
      return 2;
    }
    const envFile = values["flannel-env"];
    const outputFile = values["docker-env"];
    const text = await readTextFile(envFile);
    if (text.isErr()) {
      io.err(`flannel-ts docker-opts: ${text.error.message}\n`);
      return 1;
    }
    const variables: Record<string, string | undefined> = { ...io.env };
    if (text.value === undefined) {
      io.err(`flannel-ts docker-opts: warning: ${envFile} does not exist; using the environment only, as mk-docker-opts.sh does\n`);
    } else {
      const entries = parseDotenv(text.value, { environment: io.env });
      if (entries.isErr()) {
        io.err(`flannel-ts docker-opts: ${envFile}: ${entries.error.message}\n`);
        return 1;
      }
      for (const entry of entries.value) variables[entry.key] = entry.value;
    }
    const options = mkDockerOpts({
      variables,
      individual: values.individual,
      combined: values.combined,
      combinedKey: values["combined-key"],
      ipMasq: !values["no-ip-masq"],
      envFile,
      outputFile,
    });
    if (options.isErr()) {
      io.err(`flannel-ts docker-opts: ${options.error.message}\n`);
      return 1;
    }
    const written = await atomicWriteFile(outputFile, options.value, { mode: 0o644 });
    if (written.isErr()) {
      io.err(`flannel-ts docker-opts: ${written.error.message}\n`);
      return 1;
    }
    return 0;
  },
};
export default command;
