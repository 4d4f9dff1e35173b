/**
 * The daemon.json the seed's hosts start from, as a hand-written file: its
 * registry mirrors, an insecure registry and dockerd's listen addresses (a
 * unix socket and a plain-TCP port). The mirror and registry host names sit
 * under `.invalid` (RFC 2606), so that nothing run from this project ever
 * reaches out to them.
 *
 * @module
 */

/**
 * The seed's /etc/docker/daemon.json as the demo uses it,
 * byte for byte the text of the seed's end-to-end test.
 *
 * @example
 * ```ts
 * import { SEED_DAEMON_JSON } from "./seed-daemon-json.ts";
 * const seed = JSON.parse(SEED_DAEMON_JSON) as { hosts: string[] };
 * seed.hosts; // ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
 * ```
 */
export const SEED_DAEMON_JSON = `{
  "registry-mirrors": ["https://docker-mirror.example.invalid"],
  "insecure-registries": ["docker-registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
}
`;
