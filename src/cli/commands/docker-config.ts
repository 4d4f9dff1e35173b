import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Merge the lease's bip and mtu into Docker's daemon.json",
  usage: "Usage: flannel-ts docker-config\n\nMerge the lease's bip and mtu into Docker's daemon.json.\n",
  run: (_argv, io) => {
    io.err("flannel-ts docker-config: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
