import { err, ok, type Result } from "neverthrow";
import { parseAddressSpec } from "./parse-address-spec.ts";
import { parseInterfaceName } from "./parse-interface-name.ts";
import { parseMacAddress } from "./parse-mac-address.ts";
import { DEFAULT_CONTAINER_INTERFACE, type InterfaceAddress, type PipeworkRequest } from "./pipework-request.ts";

/** The arguments of `flannel-ts pipework`, as its usage names them. */
export type PipeworkArgument = "<host-bridge>" | "-i" | "<container>" | "<address>" | "<mac>" | "--mtu";

/** The smallest MTU IPv4 allows (RFC 791). */
export const MIN_MTU_IPV4 = 68;
/** The smallest MTU IPv6 allows (RFC 8200); the kernel turns IPv6 off on a smaller link. */
export const MIN_MTU_IPV6 = 1280;
/** The largest MTU a veth device takes. */
export const MAX_MTU = 65535;

/** Why the command line of `flannel-ts pipework` cannot be used; `argument` is the one at fault. */
export type PipeworkArgError =
  | { readonly kind: "missing-argument"; readonly argument: PipeworkArgument; readonly message: string }
  | { readonly kind: "unexpected-argument"; readonly argument: string; readonly message: string }
  | { readonly kind: "unknown-flag"; readonly argument: string; readonly message: string }
  | { readonly kind: "missing-flag-value"; readonly argument: PipeworkArgument; readonly message: string }
  | { readonly kind: "repeated-flag"; readonly argument: string; readonly message: string }
  | { readonly kind: "invalid-argument"; readonly argument: PipeworkArgument; readonly value: string; readonly reason: string; readonly message: string };

type Flag = "-i" | "--mtu" | "--remove";
const flagNames: Readonly<Record<string, Flag>> = { "-i": "-i", "--interface": "-i", "--mtu": "--mtu", "--remove": "--remove" };

const invalid = (argument: PipeworkArgument, value: string, reason: string): PipeworkArgError => ({
  kind: "invalid-argument",
  argument,
  value,
  reason,
  message: `${argument} "${value}": ${reason}`,
});

function parseContainer(text: string): Result<string, PipeworkArgError> {
  // Docker's own rule for names; IDs (hex) fit it too. A leading "/" is how docker inspect prints a name.
  if (text.length > 255) return err(invalid("<container>", text, `${text.length} characters, at most 255`));
  if (!/^\/?[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(text)) {
    return err(invalid("<container>", text, 'not a container name or ID (letters, digits, "_", "." and "-", starting with a letter or digit)'));
  }
  return ok(text.startsWith("/") ? text.slice(1) : text);
}

function parseMtu(text: string): Result<number, PipeworkArgError> {
  if (!/^[1-9][0-9]{0,5}$/.test(text)) return err(invalid("--mtu", text, "not a whole number of bytes"));
  const mtu = Number(text);
  if (mtu < MIN_MTU_IPV4 || mtu > MAX_MTU) return err(invalid("--mtu", text, `outside ${MIN_MTU_IPV4} to ${MAX_MTU}`));
  return ok(mtu);
}

/**
 * Parses the arguments of `flannel-ts pipework` (after the command's name):
 * pipework's `<host-bridge> [-i <container-interface>] <container>
 * <address>/<prefix>[@<gateway>] [<mac>]`, plus `--mtu N` and `--remove`.
 * Flags may stand anywhere (`-i` is not bound to second place as in
 * pipework) and take their value as the next word or after `=`; `--` ends
 * the flags. With `--remove` the address and MAC are optional. Output
 * options such as `--json` belong to the CLI and are not taken here.
 *
 * @param argv the words after `pipework`
 * @returns the request, or a {@link PipeworkArgError} naming the argument at fault
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { err, ok } from "flannel-ts/core";
 * import { parsePipeworkArgs } from "./parse-pipework-args.ts";
 * const parsed = parsePipeworkArgs(["docker0", "-i", "eth1", "web", "172.20.59.200/24@172.20.59.1"]);
 * assert.deepEqual(parsed.map((r) => [r.action, r.bridge, r.containerInterface, r.container]), ok(["add", "docker0", "eth1", "web"]));
 * assert.deepEqual(parsePipeworkArgs(["docker0", "web", "172.20.59.200"]).mapErr((e) => e.argument), err("<address>"));
 * ```
 */
export function parsePipeworkArgs(argv: readonly string[]): Result<PipeworkRequest, PipeworkArgError> {
  const positionals: string[] = [];
  const flags = new Map<Flag, string>();
  let remove = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    const flag = flagNames[name];
    if (flag === undefined) return err({ kind: "unknown-flag", argument: name, message: `unknown flag ${name}` });
    if (flag === "--remove") {
      if (eq >= 0) return err({ kind: "unexpected-argument", argument: word, message: "--remove takes no value" });
      if (remove) return err({ kind: "repeated-flag", argument: "--remove", message: "--remove is given twice" });
      remove = true;
      continue;
    }
    const value = eq < 0 ? argv[i + 1] : word.slice(eq + 1);
    if (eq < 0) i++;
    if (value === undefined || value === "") return err({ kind: "missing-flag-value", argument: flag, message: `${name} needs a value` });
    if (flags.has(flag)) return err({ kind: "repeated-flag", argument: flag, message: `${flag} is given twice` });
    flags.set(flag, value);
  }

  const [bridgeText, containerText, addressText, macText, ...extra] = positionals;
  if (bridgeText === undefined) return err({ kind: "missing-argument", argument: "<host-bridge>", message: "missing <host-bridge>" });
  const bridge = parseInterfaceName(bridgeText);
  if (bridge.isErr()) return err(invalid("<host-bridge>", bridgeText, bridge.error.reason));
  const interfaceText = flags.get("-i") ?? DEFAULT_CONTAINER_INTERFACE;
  const containerInterface = parseInterfaceName(interfaceText);
  if (containerInterface.isErr()) return err(invalid("-i", interfaceText, containerInterface.error.reason));
  if (containerText === undefined) return err({ kind: "missing-argument", argument: "<container>", message: "missing <container> (a name or ID)" });
  const container = parseContainer(containerText);
  if (container.isErr()) return err(container.error);
  if (addressText === undefined && !remove) return err({ kind: "missing-argument", argument: "<address>", message: "missing <address>/<prefix>[@<gateway>], e.g. 10.9.0.2/24" });
  if (extra.length > 0) return err({ kind: "unexpected-argument", argument: extra[0]!, message: `unexpected argument "${extra[0]!}" after <mac>` });

  let address: InterfaceAddress | undefined;
  if (addressText !== undefined) {
    const parsed = parseAddressSpec(addressText);
    if (parsed.isErr()) return err(invalid("<address>", addressText, parsed.error.reason));
    address = parsed.value;
  }
  let mac: string | undefined;
  if (macText !== undefined) {
    const parsed = parseMacAddress(macText);
    if (parsed.isErr()) return err(invalid("<mac>", macText, parsed.error.reason));
    mac = parsed.value;
  }
  let mtu: number | undefined;
  const mtuText = flags.get("--mtu");
  if (mtuText !== undefined) {
    const parsed = parseMtu(mtuText);
    if (parsed.isErr()) return err(parsed.error);
    if (address?.address.family === 6 && parsed.value < MIN_MTU_IPV6) return err(invalid("--mtu", mtuText, `IPv6 needs an MTU of at least ${MIN_MTU_IPV6}`));
    mtu = parsed.value;
  }

  const base = { bridge: bridge.value, containerInterface: containerInterface.value, container: container.value };
  const optional = { ...(mac !== undefined && { mac }), ...(mtu !== undefined && { mtu }) };
  if (remove) return ok({ action: "remove", ...base, ...(address !== undefined && { address }), ...optional });
  return ok({ action: "add", ...base, address: address!, ...optional });
}
