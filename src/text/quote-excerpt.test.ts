import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quoteExcerpt } from "./quote-excerpt.ts";

describe("quoteExcerpt", () => {
  it.each<[string, Parameters<typeof quoteExcerpt>[1], string]>([
    ["10.5.0.0/33", undefined, '"10.5.0.0/33"'],
    ['a"b\\c', undefined, '"a\\"b\\\\c"'],
    ["line\nbreak\ttab\r", undefined, '"line\\nbreak\\ttab\\r"'],
    ["\u001b[31mred\u001b[0m", undefined, '"\\u001b[31mred\\u001b[0m"'],
    ["\u0000\u007f\u0085\u009b", undefined, '"\\u0000\\u007f\\u0085\\u009b"'],
    ["abc\u202edef\u2066", undefined, '"abc\\u202edef\\u2066"'],
    ["a\u2028b", undefined, '"a\\u2028b"'],
    ["lone \ud800 and pair 😀", undefined, '"lone \\ud800 and pair 😀"'],
    ["x".repeat(60), undefined, `"${"x".repeat(60)}"`],
    ["x".repeat(61), undefined, `"${"x".repeat(60)}…" (61 characters)`],
    ["😀".repeat(10), { max: 3 }, '"😀😀😀…" (10 characters)'],
    ['"raw"', { quote: false }, '"raw"'],
    ['"a\nb"', { quote: false, max: 3 }, '"a\\n… (5 characters)'],
  ])("%j", (value, options, expected) => {
    expect(quoteExcerpt(value, options)).toBe(expected);
  });

  it("is short, on one line and free of control characters, for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.integer({ min: 1, max: 80 }), (value, max) => {
        const out = quoteExcerpt(value, { max });
        // eslint-disable-next-line no-control-regex -- looking for control characters is the point
        expect(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(6 * max + 40);
        // eslint-disable-next-line no-control-regex -- as above
        if ([...value].length <= max && !/[\u0000-\u001f"\\\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/.test(value)) expect(out).toBe(`"${value}"`);
      }),
    );
  });
});
