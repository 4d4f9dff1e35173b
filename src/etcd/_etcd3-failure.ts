// What the etcd registry tells its user when a request fails: decided by the
// gRPC status code (read off the client's error class by the adapter), the
// request (a read or a write of how many bytes) and what etcd reports about
// itself, never by the text of an error. Texts of the client library and of
// gRPC ("Resolution note", circuit breakers, deadlines per phase) are not
// shown; etcd's own explanation is, for the codes that only etcd's handlers
// send.
import type { RegistryError } from "./registry.ts";

/** One failed request, as read off the client's error. */
export type EtcdFailure =
  /** A gRPC status: the code, and the status text without gRPC's "<code> <NAME>: " prefix. */
  | { readonly kind: "grpc"; readonly code: number; readonly details: string }
  /** etcd refused the user name or password. */
  | { readonly kind: "auth-failed" }
  /** The client did not send the request: every endpoint failed its last requests. */
  | { readonly kind: "circuit-open" }
  /** The client was closed. */
  | { readonly kind: "closed" }
  /** Anything else (a bug in the client, most likely). */
  | { readonly kind: "other"; readonly text: string };

/** The request that failed. */
export interface EtcdRequest {
  /** What it was doing, for messages, e.g. "listing the leases under /coreos.com/network/subnets/". */
  readonly what: string;
  /** For a write: the key and the request's size in bytes. */
  readonly write?: { readonly key: string; readonly bytes: number };
}

/** What the registry knows around a failure. */
export interface EtcdFailureContext {
  /** The endpoints, credentials removed. */
  readonly endpoints: readonly string[];
  /** The deadline of one request. */
  readonly timeoutMs: number;
  /** The largest answer the client accepts, in bytes. */
  readonly receiveLimitBytes: number;
  /** Whether etcd reports its NOSPACE alarm (its database reached its quota); undefined when not asked or not known. */
  readonly noSpace?: boolean;
}

/** gRPC's status code names, by code. */
export const GRPC_CODE_NAMES: readonly string[] = Object.freeze([
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
]);

const CANCELLED = 1;
const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const PERMISSION_DENIED = 7;
const RESOURCE_EXHAUSTED = 8;
const UNIMPLEMENTED = 12;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

/** Codes that only etcd's request handlers send: their text is etcd's explanation. */
const ETCD_CODES = new Set([3, 5, 6, 7, 8, 9, 10, 11, 16]);

/**
 * Requests larger than this can only be refused with RESOURCE_EXHAUSTED by
 * gRPC's own limit, which etcd sets to --max-request-bytes plus 512 KiB.
 */
const GRPC_MARGIN_BYTES = 512 * 1024;

/**
 * etcd refuses a single-key write with INVALID_ARGUMENT for its size ("request
 * is too large") or for a missing user under auth ("user name is empty");
 * writes above this size are taken to be the former.
 */
const SURELY_LARGE_BYTES = 64 * 1024;

const CHECK = "check --etcd-endpoints, that etcd runs and has a leader, and the TLS settings";

/**
 * Whether a failure needs etcd's alarms to be explained: RESOURCE_EXHAUSTED on
 * a write is either the database quota (alarm NOSPACE), gRPC's size limit or
 * too many pending requests.
 *
 * @param failure the failure
 * @param request the request
 * @returns true when the caller should ask etcd for its alarms first
 */
export function needsAlarms(failure: EtcdFailure, request: EtcdRequest): boolean {
  return failure.kind === "grpc" && failure.code === RESOURCE_EXHAUSTED && request.write !== undefined;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(bytes % 2 ** 20 === 0 ? 0 : 1)} MiB`;

/**
 * The registry error for a failed request.
 *
 * @param failure what the client reported
 * @param request what the request was
 * @param context endpoints, limits and, for RESOURCE_EXHAUSTED on a write, etcd's alarms
 * @returns the typed error with its message
 */
export function registryErrorOf(failure: EtcdFailure, request: EtcdRequest, context: EtcdFailureContext): RegistryError {
  const at = context.endpoints.join(",");
  const unavailable = (message: string): RegistryError => ({ kind: "unavailable", endpoints: context.endpoints, message });
  const storeError = (message: string): RegistryError => ({ kind: "store-error", message });
  switch (failure.kind) {
    case "closed":
      return { kind: "closed", message: "the registry is closed" };
    case "circuit-open":
      return unavailable(`etcd at ${at} did not answer: its last requests to every endpoint failed, and the client waits 5 s before it asks again (${request.what}); ${CHECK}`);
    case "auth-failed":
      return {
        kind: "permission-denied",
        message: `etcd refused the request: authentication failed, the user name or password is wrong (${request.what}); check --etcd-username/--etcd-password`,
      };
    case "other":
      return storeError(`etcd client failed while ${request.what}: ${failure.text}`);
    case "grpc":
      break;
  }
  const { code } = failure;
  const name = GRPC_CODE_NAMES[code] ?? `code ${code}`;
  const etcdSays = ETCD_CODES.has(code) && failure.details !== "" ? `: ${failure.details}` : "";
  switch (code) {
    case DEADLINE_EXCEEDED:
      return unavailable(`etcd at ${at} did not answer: nothing within ${context.timeoutMs / 1000} s (${request.what}); ${CHECK}`);
    case UNAVAILABLE:
      return unavailable(`etcd at ${at} did not answer: no connection, or etcd has no leader (${request.what}); ${CHECK}`);
    case CANCELLED:
      return unavailable(`etcd at ${at} did not answer: the connection closed (${request.what}); ${CHECK}`);
    case PERMISSION_DENIED:
    case UNAUTHENTICATED:
      return { kind: "permission-denied", message: `etcd refused the request${etcdSays} (${request.what}); check --etcd-username/--etcd-password and the user's roles` };
    case UNIMPLEMENTED:
      return storeError(`the server at ${at} does not serve etcd's v3 API (gRPC ${name}) while ${request.what}; check --etcd-endpoints`);
    case INVALID_ARGUMENT: {
      const write = request.write;
      if (write !== undefined && write.bytes > SURELY_LARGE_BYTES) {
        return storeError(
          `etcd refused the write of ${write.key} (${write.bytes} bytes) as too large: it is over etcd's request size limit (--max-request-bytes, 1.5 MiB by default)`,
        );
      }
      return storeError(`etcd refused ${request.what} (gRPC ${name})${etcdSays}`);
    }
    case RESOURCE_EXHAUSTED: {
      const write = request.write;
      if (write === undefined) {
        return storeError(`etcd's answer to ${request.what} is larger than this client accepts (${mib(context.receiveLimitBytes)}, its gRPC receive limit)`);
      }
      if (context.noSpace === true) {
        return storeError(
          `etcd refused the write of ${write.key}: its database is full (alarm NOSPACE: it reached --quota-backend-bytes, 2 GiB by default); compact and defragment etcd, then clear the alarm (etcdctl alarm disarm)`,
        );
      }
      if (write.bytes > GRPC_MARGIN_BYTES) {
        return storeError(
          `etcd refused the write of ${write.key} (${write.bytes} bytes) as too large: it is over etcd's gRPC message limit (--max-request-bytes, 1.5 MiB by default, plus 512 KiB)`,
        );
      }
      return unavailable(`etcd at ${at} did not answer: it is overloaded, with too many requests pending (${request.what}); it is tried again later`);
    }
    default:
      return storeError(`etcd refused ${request.what} (gRPC ${name})${etcdSays}`);
  }
}

/**
 * An endpoint URL with its user name and password replaced by `***`, for messages.
 *
 * @param endpoint a URL as given
 * @returns the URL without credentials (unchanged when it has none); also for a URL that does not parse
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactEndpoint } from "./etcd3-registry.ts";
 * assert.equal(redactEndpoint("https://flannel:s3cret@etcd.example:2379"), "https://***@etcd.example:2379");
 * ```
 */
export function redactEndpoint(endpoint: string): string {
  // The credentials sit between "//" and the last "@" before the host: cut
  // them out without parsing, so that even a URL that does not parse keeps
  // its password to itself.
  const scheme = endpoint.indexOf("//");
  if (scheme < 0) return endpoint;
  const rest = endpoint.slice(scheme + 2);
  const slash = rest.search(/[/?#]/);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const atSign = authority.lastIndexOf("@");
  if (atSign < 0) return endpoint;
  return `${endpoint.slice(0, scheme + 2)}***@${rest.slice(atSign + 1)}`;
}
