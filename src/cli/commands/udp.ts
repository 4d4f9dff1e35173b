import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Run the UDP data path with static routes",
  usage: "Usage: flannel-ts udp\n\nRun the UDP data path with static routes.\n",
  run: (_argv, io) => {
    io.err("flannel-ts udp: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
