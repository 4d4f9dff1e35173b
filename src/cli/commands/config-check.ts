import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Validate a network config and print it with flannel's defaults filled in",
  usage: "Usage: flannel-ts config check\n\nValidate a network config and print it with flannel's defaults filled in.\n",
  run: (_argv, io) => {
    io.err("flannel-ts config check: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
