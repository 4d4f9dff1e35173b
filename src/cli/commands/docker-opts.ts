import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Write Docker options from subnet.env, as flannel's mk-docker-opts.sh does",
  usage: "Usage: flannel-ts docker-opts\n\nWrite Docker options from subnet.env, as flannel's mk-docker-opts.sh does.\n",
  run: (_argv, io) => {
    io.err("flannel-ts docker-opts: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
