import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Run the flannel agent: lease, subnet.env, UDP overlay, renewals",
  usage: "Usage: flannel-ts agent\n\nRun the flannel agent: lease, subnet.env, UDP overlay, renewals.\n",
  run: (_argv, io) => {
    io.err("flannel-ts agent: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
