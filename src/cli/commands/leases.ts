import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "List the subnet leases in etcd",
  usage: "Usage: flannel-ts leases\n\nList the subnet leases in etcd.\n",
  run: (_argv, io) => {
    io.err("flannel-ts leases: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
