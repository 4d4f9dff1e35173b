import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Write the network config to etcd (validated first)",
  usage: "Usage: flannel-ts config set\n\nWrite the network config to etcd (validated first).\n",
  run: (_argv, io) => {
    io.err("flannel-ts config set: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
