/**
 * `flannel-ts docker-opts`: flannel's `mk-docker-opts.sh` with the same
 * flags, defaults and output file; the output file is replaced atomically
 * and only when it is a regular file or absent.
 *
 * @module
 */
import { mkDockerOpts } from "../../flannel/docker-opts.ts";
import { parseDotenv } from "../../flannel/subnet-env-dotenv.ts";
import { atomicWriteFile } from "../../node/atomic-write.ts";
import { SUBNET_ENV_MAX_BYTES } from "../../node/subnet-env-file.ts";
import { readTextFile } from "../../node/read-text-file.ts";
import { defineCommand } from "../define-command.ts";
import { dockerOptsSpec } from "../specs/docker-opts.ts";

export default defineCommand(dockerOptsSpec, async ({ values, io, report }) => {
  const envFile = values.flannelEnv;
  const outputFile = values.dockerEnv;
  const text = await readTextFile(envFile, { maxBytes: SUBNET_ENV_MAX_BYTES });
  if (text.isErr()) return report.error(text.error);
  const variables: Record<string, string | undefined> = { ...io.env };
  if (text.value === undefined) {
    report.warning(`${envFile} does not exist; using the environment only, as mk-docker-opts.sh does`);
  } else {
    const entries = parseDotenv(text.value, { environment: io.env });
    if (entries.isErr()) return report.error({ ...entries.error, message: `${envFile}: ${entries.error.message}` });
    for (const entry of entries.value) variables[entry.key] = entry.value;
  }
  const options = mkDockerOpts({
    variables,
    individual: values.individual,
    combined: values.combined,
    combinedKey: values.combinedKey,
    ipMasq: !values.noIpMasq,
    envFile,
    outputFile,
  });
  if (options.isErr()) return report.error(options.error);
  const written = await atomicWriteFile(outputFile, options.value, { mode: 0o644 });
  if (written.isErr()) return report.error(written.error);
  if (values.json) io.out(`${JSON.stringify({ file: written.value.path, contents: options.value })}\n`);
  return 0;
});
