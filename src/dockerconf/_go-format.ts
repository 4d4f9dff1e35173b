/**
 * How Go's fmt prints values with %v, for dockerd's messages: JSON values
 * as encoding/json decodes them into interface{} (float64, string, bool,
 * nil, []interface{}, map[string]interface{}), and float64s the way %v does.
 *
 * @module
 */
import type { JsonValue } from "../json/json-value.ts";

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
 * sorted), `<nil>`, strings without quotes. Any depth: it does not recurse.
 *
 * @param value the value
 * @returns its text
 */
export function goValue(value: JsonValue): string {
  const parts: string[] = [];
  const stack: ({ readonly text: string } | { readonly value: JsonValue })[] = [{ value }];
  while (stack.length > 0) {
    const item = stack.pop() as { readonly text: string } | { readonly value: JsonValue };
    if ("text" in item) {
      parts.push(item.text);
      continue;
    }
    const v = item.value;
    if (v === null) parts.push("<nil>");
    else if (typeof v === "number") parts.push(goFloat(v));
    else if (typeof v === "string") parts.push(v);
    else if (typeof v === "boolean") parts.push(String(v));
    else if (Array.isArray(v)) {
      const items = v as readonly JsonValue[];
      parts.push("[");
      stack.push({ text: "]" });
      for (let i = items.length - 1; i >= 0; i--) {
        stack.push({ value: items[i] ?? null });
        if (i > 0) stack.push({ text: " " });
      }
    } else {
      const object = v as { readonly [key: string]: JsonValue };
      const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      parts.push("map[");
      stack.push({ text: "]" });
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push({ value: object[k] ?? null });
        stack.push({ text: `${i > 0 ? " " : ""}${k}:` });
      }
    }
  }
  return parts.join("");
}
