import type { CliCommand } from "../io.ts";

const command: CliCommand = {
  summary: "Allocate one free subnet from a network config",
  usage: "Usage: flannel-ts subnet alloc\n\nAllocate one free subnet from a network config.\n",
  run: (_argv, io) => {
    io.err("flannel-ts subnet alloc: not implemented yet\n");
    return Promise.resolve(2);
  },
};
export default command;
