import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Two simulated hosts lease subnets and ping each other over loopback",
  usage: "Usage: flannel-ts demo\n\nTwo simulated hosts lease subnets and ping each other over loopback.\n",
  run: (_argv, io) => {
    io.err("flannel-ts demo: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
