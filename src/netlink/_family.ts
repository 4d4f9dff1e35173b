// Address family numbers and the 4/6 family of the subnet types.
import { AF } from "./constants.ts";

/** AF_INET or AF_INET6 for an address family. */
export function afOf(family: 4 | 6): number {
  return family === 4 ? AF.INET : AF.INET6;
}

/** 4 or 6 for AF_INET or AF_INET6; undefined for any other family. */
export function familyOfAf(af: number): 4 | 6 | undefined {
  return af === AF.INET ? 4 : af === AF.INET6 ? 6 : undefined;
}
