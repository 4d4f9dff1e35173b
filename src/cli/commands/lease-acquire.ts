import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Acquire or reuse this host's lease and write subnet.env",
  usage: "Usage: flannel-ts lease acquire\n\nAcquire or reuse this host's lease and write subnet.env.\n",
  run: (_argv, io) => {
    io.err("flannel-ts lease acquire: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
