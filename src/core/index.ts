/**
 * What every layer of flannel-ts shares: flanneld's defaults, the clock
 * (system and manual), and the port through which programs are run.
 *
 * @module
 */
export {
  DEFAULT_ACQUIRE_ATTEMPTS,
  DEFAULT_DAEMON_JSON,
  DEFAULT_ETCD_ENDPOINTS,
  DEFAULT_ETCD_PREFIX,
  DEFAULT_HEALTHZ_IP,
  DEFAULT_IPTABLES_RESYNC_SECONDS,
  DEFAULT_LEASE_TTL_SECONDS,
  DEFAULT_RENEW_MARGIN_MINUTES,
  DEFAULT_RENEW_RETRY_SECONDS,
  DEFAULT_SUBNET_FILE,
  DEFAULT_TUN_NAME,
  DEFAULT_UDP_MTU,
  DEFAULT_UDP_PORT,
  DEFAULT_VXLAN_PORT,
  DEFAULT_VXLAN_VNI,
  ENCAPSULATION_OVERHEAD,
} from "./defaults.ts";
export { type Clock, ManualClock, sleep, type SleepAborted, systemClock, type Timer } from "./clock.ts";
export type { CommandOutput, CommandRunner, CommandStartError } from "./command-runner.ts";
/** neverthrow's Result types and constructors, which every fallible function here returns, for annotating and building them without a second import. */
export { type Err, err, errAsync, type Ok, ok, okAsync, Result, ResultAsync } from "neverthrow";
