import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Print the network config stored in etcd",
  usage: "Usage: flannel-ts config get\n\nPrint the network config stored in etcd.\n",
  run: (_argv, io) => {
    io.err("flannel-ts config get: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
