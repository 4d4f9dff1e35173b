/**
 * `flannel-ts subnet alloc`: one free subnet of a network config.
 *
 * @module
 */
import { allocateSubnet } from "../../subnet/allocate-subnet.ts";
import { formatCidr } from "../../subnet/cidr.ts";
import { cryptoRandom, seededRandom } from "../../subnet/random.ts";
import { formatSubnetKey } from "../../subnet/subnet-key.ts";
import { readNetworkConfigArg } from "../args.ts";
import { defineCommand } from "../define-command.ts";
import { subnetAllocSpec } from "../specs/subnet-alloc.ts";

export default defineCommand(subnetAllocSpec, async ({ values, io, report }) => {
  const arg = await readNetworkConfigArg(values.config);
  if (arg.isErr()) {
    for (const problem of arg.error) report.error(problem);
    return 1;
  }
  const { config } = arg.value;
  if (config.ipv4 === undefined) {
    return report.error({
      kind: "ipv6-only",
      message: "the config is IPv6-only (EnableIPv4 false), and flannel's lease keys start with an IPv4 subnet: enable IPv4 to lease through etcd",
    });
  }
  const random = values.seed === undefined ? cryptoRandom() : seededRandom(values.seed);
  const picked = allocateSubnet(config, values.taken, random);
  if (picked.isErr()) return report.error(picked.error);
  const { ipv4, ipv6 } = picked.value;
  if (ipv4 === undefined) throw new Error("subnet alloc: an IPv4 config gave no IPv4 subnet");
  const key = formatSubnetKey(ipv6 === undefined ? { ipv4 } : { ipv4, ipv6 });
  io.out(values.json ? `${JSON.stringify({ key, subnet: formatCidr(ipv4), ipv6Subnet: ipv6 === undefined ? null : formatCidr(ipv6) })}\n` : `${key}\n`);
  return 0;
});
