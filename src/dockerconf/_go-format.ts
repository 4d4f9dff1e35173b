/**
 * How Go's fmt prints values with %v, for dockerd's messages: JSON values
 * as encoding/json decodes them into interface{} (float64, string, bool,
 * nil, []interface{}, map[string]interface{}), and float64s the way %v does.
 *
 * @module
 */
import type { PlainJson } from "./json-document.ts";

/**
 * A float64 as Go's %v prints it: the shortest digits that read back, in
 * %e form (`1e+06`) when the exponent is below -4 or at least 6.
 *
 * @param n the number
 * @returns e.g. `1472`, `1450.5`, `1e+06`, `1.5e-05`
 */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const [mantissa = "", expText = "0"] = n.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * A decoded JSON value as Go's %v prints it: `[a b]`, `map[k:v]` (keys
 * sorted), `<nil>`, strings without quotes.
 *
 * @param value the value
 * @returns its text
 */
export function goValue(value: PlainJson): string {
  if (value === null) return "<nil>";
  if (typeof value === "number") return goFloat(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`;
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${keys.map((k) => `${k}:${goValue(value[k] ?? null)}`).join(" ")}]`;
}
