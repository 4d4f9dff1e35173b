import { errAsync, okAsync, ResultAsync } from "neverthrow";
import type { CommandRunner, CommandStartError } from "../core/command-runner.ts";
import { chainsOf, type IptablesRule } from "../flannel/iptables-rules.ts";
import { runCommand } from "./run-command.ts";

/** An iptables call failed. */
export interface IptablesError {
  readonly kind: "iptables";
  readonly args: readonly string[];
  readonly message: string;
}

/** Options of {@link ensureIptablesRules} and {@link removeIptablesRules}. */
export interface IptablesOptions {
  /** The binary: "iptables" (default) or "ip6tables". */
  readonly binary?: string;
  /** How commands are run (tests pass a fake). Default: {@link runCommand}. */
  readonly run?: CommandRunner;
}

type Step = ResultAsync<number, IptablesError | CommandStartError>;

function call(options: IptablesOptions, args: readonly string[], allowed: readonly number[] = [0]): Step {
  const binary = options.binary ?? "iptables";
  const run = options.run ?? runCommand;
  const full = ["-w", "5", ...args];
  return run(binary, full).andThen((out) =>
    allowed.includes(out.code)
      ? okAsync(out.code)
      : errAsync({ kind: "iptables" as const, args: full, message: `${binary} ${full.join(" ")} exited ${out.code}: ${out.stderr.trim()}` })
  );
}

function sequence(steps: ReadonlyArray<() => Step>): ResultAsync<void, IptablesError | CommandStartError> {
  return steps.reduce<ResultAsync<void, IptablesError | CommandStartError>>(
    (acc, step) => acc.andThen(() => step().map(() => undefined)),
    okAsync(undefined),
  );
}

/**
 * Makes sure each rule is present once: creates flannel's chains when
 * missing, then appends every rule that `iptables -C` does not find. Safe to
 * repeat (flanneld re-checks its rules periodically the same way).
 *
 * @param rules from `forwardRules` / `masqRules`
 * @param options see {@link IptablesOptions}
 */
export function ensureIptablesRules(rules: readonly IptablesRule[], options: IptablesOptions = {}): ResultAsync<void, IptablesError | CommandStartError> {
  return sequence([
    // -N exits 1 when the chain exists already, which is what we want.
    ...chainsOf(rules).map(({ table, chain }) => () => call(options, ["-t", table, "-N", chain], [0, 1])),
    ...rules.map((r) => () =>
      call(options, ["-t", r.table, "-C", r.chain, ...r.rulespec], [0, 1]).andThen((code) => code === 0 ? okAsync(0) : call(options, ["-t", r.table, "-A", r.chain, ...r.rulespec]))
    ),
  ]);
}

/**
 * Deletes the rules (missing ones are fine) and then flannel's own chains.
 *
 * @param rules the same list that was ensured
 * @param options see {@link IptablesOptions}
 */
export function removeIptablesRules(rules: readonly IptablesRule[], options: IptablesOptions = {}): ResultAsync<void, IptablesError | CommandStartError> {
  return sequence([
    ...[...rules].reverse().map((r) => () => call(options, ["-t", r.table, "-D", r.chain, ...r.rulespec], [0, 1, 2])),
    ...chainsOf(rules).flatMap(({ table, chain }) => [
      () => call(options, ["-t", table, "-F", chain], [0, 1]),
      () => call(options, ["-t", table, "-X", chain], [0, 1]),
    ]),
  ]);
}
