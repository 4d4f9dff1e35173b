import { describe, expect, it } from "vitest";
import { configWithBackend } from "./_config-with-backend.ts";

describe("configWithBackend", () => {
  it.each(
    [
      ['{"Network":"172.20.0.0/16"}', undefined, { text: '{"Network":"172.20.0.0/16"}', type: "udp" }],
      ['{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}', undefined, { text: '{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}', type: "host-gw" }],
      ['{"Network":"172.20.0.0/16"}', "vxlan", { text: '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}', type: "vxlan" }],
      ['{"Network":"172.20.0.0/16"}', { Type: "vxlan", VNI: 4, Port: 4789 }, { text: '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan","VNI":4,"Port":4789}}', type: "vxlan" }],
      ['{"Network":"172.20.0.0/16","SubnetLen":26}', "udp", { text: '{"Network":"172.20.0.0/16","SubnetLen":26,"Backend":{"Type":"udp"}}', type: "udp" }],
    ] as const,
  )("%s with %j", (config, backend, expected) => {
    expect(configWithBackend(config, backend)).toEqual(expected);
  });

  it.each(
    [
      ['{"Network":"172.20.0.0/16","Backend":{"Type":"udp"}}', "vxlan", 'runAgentHosts: give the Backend either in config ({"Type":"udp"}) or as backend, not both'],
      ["[1]", "vxlan", "runAgentHosts: config is not a JSON object: [1]"],
    ] as const,
  )("refuses %s with %j", (config, backend, message) => {
    expect(() => configWithBackend(config, backend)).toThrow(message);
  });
});
