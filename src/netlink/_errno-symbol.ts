import { ERRNO_TABLE } from "./_errno-table.ts";

/** The errno's symbol ("EEXIST"), or "errno N" for a value Linux does not define. */
export function errnoSymbol(errno: number): string {
  return ERRNO_TABLE[errno]?.[0] ?? `errno ${errno}`;
}

/** The errno's description ("file exists"), or undefined. */
export function errnoDescription(errno: number): string | undefined {
  return ERRNO_TABLE[errno]?.[1];
}
