/**
 * The declarative form of a command's flags: what each flag is called, what
 * values it takes (a {@link FlagType} checks them, ranges included), its
 * default, its help and whether a `FLANNELD_*` variable sets it. The parser
 * ({@link parseCommandLine}) and the help ({@link formatUsage}) are built from
 * it. Pure: Deno's udp-main uses it too.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";

/** A kind of value: its placeholder in the help and its parser, which checks ranges too. */
export interface FlagType<T> {
  /** The placeholder after the flag in the help, e.g. `string`, `int`, `CIDR`. */
  readonly placeholder: string;
  /**
   * Parses one value. The error is the reason, phrased to follow the quoted
   * value: `is not a port (1 to 65535)`.
   */
  readonly parse: (text: string) => Result<T, string>;
}

/** One flag. Build it with {@link valueFlag}, {@link optionalFlag}, {@link boolFlag} or {@link listFlag}. */
export interface FlagSpec<T> {
  /** The long name without dashes, e.g. `subnet-file`. */
  readonly name: string;
  /** One letter for `-x` (mk-docker-opts.sh's flags), when it has one. */
  readonly short?: string;
  /** `bool` takes no value (`--flag`, `--flag=false`); `value` takes one (the last wins); `list` collects every occurrence. */
  readonly kind: "bool" | "value" | "list";
  /** The placeholder in the help (empty for a boolean). */
  readonly placeholder: string;
  /** One sentence (or a few), without the default. */
  readonly help: string;
  /** What the help shows as the default; absent: none is shown. */
  readonly defaultText?: string;
  /** True when `FLANNELD_<NAME>` sets the flag (flanneld's rule: only when the command line did not, and not when empty). */
  readonly env: boolean;
  /** A value that is never quoted back (a password). */
  readonly secret?: boolean;
  /** For an optional value (`--docker-config [path]`): the value when the flag is given without one. */
  readonly bare?: string;
  /** The command cannot run without it (on the command line or from its variable). */
  readonly required?: boolean;
  /** Parses one occurrence. */
  readonly parse: (text: string) => Result<unknown, string>;
  /** The flag's value from its parsed occurrences, in order (none: the default). */
  readonly collect: (values: readonly unknown[]) => T;
}

/** A command's flags by property name (the name the command reads them by). */
export type FlagSet = Readonly<Record<string, FlagSpec<unknown>>>;

/** The values of a flag set, typed. */
export type FlagValues<F extends FlagSet> = { readonly [K in keyof F]: F[K] extends FlagSpec<infer T> ? T : never };

/** What is wrong with a command line or a variable; the CLI exits 2 with it. */
export interface FlagError {
  readonly kind: "unknown-flag" | "missing-value" | "bad-value" | "missing-flag" | "missing-argument" | "unexpected-argument" | "conflict";
  /** The flag at fault with its dashes, e.g. `--mtu`. */
  readonly flag?: string;
  /** The environment variable the value came from, when it came from one. */
  readonly variable?: string;
  /** The positional argument at fault, as the help names it (pipework's `<address>`). */
  readonly argument?: string;
  /** One line: the flag (and variable), the value as a short excerpt, what is wrong. */
  readonly message: string;
}

/**
 * The environment variable that sets a flag, as flanneld names it.
 *
 * @param flag the flag's name without dashes, e.g. `etcd-endpoints`
 * @returns e.g. `FLANNELD_ETCD_ENDPOINTS`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envVariableOf } from "./flag-spec.ts";
 * assert.equal(envVariableOf("subnet-lease-renew-margin"), "FLANNELD_SUBNET_LEASE_RENEW_MARGIN");
 * ```
 */
export function envVariableOf(flag: string): string {
  return `FLANNELD_${flag.toUpperCase().replaceAll("-", "_")}`;
}

interface CommonOptions {
  readonly help: string;
  readonly short?: string;
  /** Read `FLANNELD_<NAME>` when the flag is not given. Default false. */
  readonly env?: boolean;
  readonly secret?: boolean;
  /** The placeholder in the help when not the type's (flanneld's flags show Go's `string` and `int`). */
  readonly placeholder?: string;
}

const common = (name: string, options: CommonOptions) => ({
  name,
  help: options.help,
  env: options.env ?? false,
  ...(options.short === undefined ? {} : { short: options.short }),
  ...(options.secret === true ? { secret: true } : {}),
});

const last = (values: readonly unknown[]): unknown => values[values.length - 1];

/**
 * A flag that takes a value and has a default.
 *
 * @param name the long name without dashes
 * @param options the type, the default (and how the help shows it), the help, the variable
 * @returns the flag
 * @example
 * ```ts
 * import { valueFlag } from "./flag-spec.ts";
 * import { flagTypes } from "./flag-types.ts";
 * const port = valueFlag("port", { type: flagTypes.port, default: 8285, help: "the UDP port" });
 * ```
 */
export function valueFlag<T>(
  name: string,
  options: CommonOptions & { readonly type: FlagType<T>; readonly default: T; readonly defaultText?: string; readonly bare?: string },
): FlagSpec<T> {
  return {
    ...common(name, options),
    kind: "value",
    placeholder: options.placeholder ?? options.type.placeholder,
    defaultText: options.defaultText ?? (typeof options.default === "string" ? JSON.stringify(options.default) : String(options.default)),
    ...(options.bare === undefined ? {} : { bare: options.bare }),
    parse: options.type.parse,
    collect: (values) => (values.length === 0 ? options.default : (last(values) as T)),
  };
}

/**
 * A flag that takes a value and must be given (on the command line, or by
 * its variable when it has one).
 *
 * @param name the long name without dashes
 * @param options the type, the help, the variable
 * @returns the flag
 * @example
 * ```ts
 * import { requiredFlag } from "./flag-spec.ts";
 * import { flagTypes } from "./flag-types.ts";
 * const subnet = requiredFlag("subnet", { type: flagTypes.cidr4, help: "this host's subnet, e.g. 10.5.1.0/24" });
 * ```
 */
export function requiredFlag<T>(name: string, options: CommonOptions & { readonly type: FlagType<T> }): FlagSpec<T> {
  return {
    ...common(name, options),
    kind: "value",
    placeholder: options.placeholder ?? options.type.placeholder,
    defaultText: "required",
    required: true,
    parse: options.type.parse,
    collect: (values) => last(values) as T,
  };
}

/**
 * A flag that takes a value and is `undefined` when not given.
 *
 * @param name the long name without dashes
 * @param options the type, the help (and a default text for the help, when absence means something), the variable
 * @returns the flag
 * @example
 * ```ts
 * import { optionalFlag } from "./flag-spec.ts";
 * import { flagTypes } from "./flag-types.ts";
 * const mtu = optionalFlag("mtu", { type: flagTypes.mtu, help: "the TUN's MTU" });
 * ```
 */
export function optionalFlag<T>(
  name: string,
  options: CommonOptions & { readonly type: FlagType<T>; readonly defaultText?: string; readonly bare?: string },
): FlagSpec<T | undefined> {
  return {
    ...common(name, options),
    kind: "value",
    placeholder: options.placeholder ?? options.type.placeholder,
    ...(options.defaultText === undefined ? {} : { defaultText: options.defaultText }),
    ...(options.bare === undefined ? {} : { bare: options.bare }),
    parse: options.type.parse,
    collect: (values) => last(values) as T | undefined,
  };
}

// Go's strconv.ParseBool, which flanneld's boolean flags use.
const parseGoBool = (text: string): Result<boolean, string> => {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return ok(true);
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return ok(false);
  return err("is not a boolean (use true or false)");
};

/**
 * A boolean flag: `--flag` is true, `--flag=false` false (Go's spellings:
 * 1, t, T, TRUE, true, True and the same for false).
 *
 * @param name the long name without dashes
 * @param options the help, the default (false unless given), the variable
 * @returns the flag
 * @example
 * ```ts
 * import { boolFlag } from "./flag-spec.ts";
 * const force = boolFlag("force", { help: "replace an existing config" });
 * ```
 */
export function boolFlag(name: string, options: CommonOptions & { readonly default?: boolean }): FlagSpec<boolean> {
  const fallback = options.default ?? false;
  return {
    ...common(name, options),
    kind: "bool",
    placeholder: "",
    defaultText: String(fallback),
    parse: parseGoBool,
    collect: (values) => (values.length === 0 ? fallback : (last(values) as boolean)),
  };
}

/**
 * A repeatable flag: every occurrence in order (a variable gives one value).
 *
 * @param name the long name without dashes
 * @param options the type of one value, the help, the variable
 * @returns the flag
 * @example
 * ```ts
 * import { listFlag } from "./flag-spec.ts";
 * import { flagTypes } from "./flag-types.ts";
 * const iface = listFlag("iface", { type: flagTypes.text, help: "an interface", env: true });
 * ```
 */
export function listFlag<T>(name: string, options: CommonOptions & { readonly type: FlagType<T>; readonly defaultText?: string }): FlagSpec<readonly T[]> {
  return {
    ...common(name, options),
    kind: "list",
    placeholder: options.placeholder ?? options.type.placeholder,
    defaultText: options.defaultText ?? "none; repeatable",
    parse: options.type.parse,
    collect: (values) => values as readonly T[],
  };
}

/**
 * The same flag, `undefined` when not given (its default is then the
 * command's to choose): for a command that must know whether a flag was
 * given at all.
 *
 * @param flag a flag with a default
 * @returns the flag without it
 * @example
 * ```ts
 * import { valueFlag, whenGiven } from "./flag-spec.ts";
 * import { flagTypes } from "./flag-types.ts";
 * const prefix = whenGiven(valueFlag("etcd-prefix", { type: flagTypes.etcdPrefix, default: "/coreos.com/network", help: "" }));
 * ```
 */
export function whenGiven<T>(flag: FlagSpec<T>): FlagSpec<T | undefined> {
  return { ...flag, collect: (values) => (values.length === 0 ? undefined : flag.collect(values)) };
}

/**
 * The same flag without its `FLANNELD_*` variable (the demo must not join a
 * real flannel network by accident), or with another default text.
 *
 * @param flag a flag
 * @param changes what to change
 * @returns the changed flag
 * @example
 * ```ts
 * import { boolFlag, withFlag } from "./flag-spec.ts";
 * const quiet = withFlag(boolFlag("ip-masq", { help: "masquerade", env: true }), { env: false });
 * ```
 */
export function withFlag<T>(flag: FlagSpec<T>, changes: Partial<Pick<FlagSpec<T>, "env" | "help" | "defaultText">>): FlagSpec<T> {
  return { ...flag, ...changes };
}
