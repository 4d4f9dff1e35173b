import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { goQuoteChar, type JsonReadError, type JsonScanOptions, type JsonSink, jsonStringValue, scanJson } from "./scan-json.ts";

/** Records every token, to see what a scan reports. */
const recorder = (text: string): { sink: JsonSink; tokens: string[] } => {
  const tokens: string[] = [];
  const sink: JsonSink = {
    open: (type, start, line, column) => tokens.push(`open ${type} ${start} ${line}:${column}`),
    close: (type, end) => tokens.push(`close ${type} ${end}`),
    key: (start, end, plain, line, column) => tokens.push(`key ${jsonStringValue(text, start, end, plain)} ${line}:${column}`),
    scalar: (type, start, end, plain, line, column) =>
      tokens.push(`${type} ${type === "string" ? jsonStringValue(text, start, end, plain) : text.slice(start, end)} ${line}:${column}`),
  };
  return { sink, tokens };
};
const quiet: JsonSink = { open: () => undefined, close: () => undefined, key: () => undefined, scalar: () => undefined };
const scan = (text: string, options?: JsonScanOptions) => scanJson(text, quiet, options);

describe("scanJson", () => {
  it("reports tokens in order with their positions", () => {
    const text = '{\n  "a": [1.50, -0e3, true],\n  "b": null\n}';
    const { sink, tokens } = recorder(text);
    expect(scanJson(text, sink)).toEqual(ok(undefined));
    expect(tokens).toEqual([
      "open object 0 1:1",
      "key a 2:3",
      "open array 9 2:8",
      "number 1.50 2:9",
      "number -0e3 2:15",
      "true true 2:21",
      "close array 27",
      "key b 3:3",
      "null null 3:8",
      "close object 42",
    ]);
  });

  // Go's messages, each checked against Go 1.19's encoding/json (json.Unmarshal into interface{}).
  it.each<[string, number, number, string, string | undefined]>([
    ['{"mtu": 1450,}', 1, 14, "invalid character '}' looking for beginning of object key string", "trailing commas are not allowed in JSON; remove the comma before }"],
    ['{"hosts": ["a",]}', 1, 16, "invalid character ']' looking for beginning of value", "trailing commas are not allowed in JSON; remove the comma before ]"],
    ['{"mtu": 1450 // c\n}', 1, 14, "invalid character '/' after object key:value pair", "comments are not allowed in JSON; remove the comment"],
    ['{\n  /* note */\n  "mtu": 1}', 2, 3, "invalid character '/' looking for beginning of object key string", "comments are not allowed in JSON; remove the comment"],
    ['{"a":1} x', 1, 9, "invalid character 'x' after top-level value", undefined],
    ['{"a" 1}', 1, 6, "invalid character '1' after object key", undefined],
    ['{"a": 01}', 1, 8, "invalid character '1' after object key:value pair", "numbers are written without leading zeros (24, not 024)"],
    ["01", 1, 2, "invalid character '1' after top-level value", "numbers are written without leading zeros (24, not 024)"],
    ['{"a": tru}', 1, 10, "invalid character '}' in literal true (expecting 'e')", undefined],
    ['{"a": "x\ny"}', 1, 9, "invalid character '\\n' in string literal", "control characters must be escaped inside strings (a string cannot span lines)"],
    ['"a\u0000"', 1, 3, "invalid character '\\x00' in string literal", "a NUL character: this is not a text file"],
    ["\u0000", 1, 1, "invalid character '\\x00' looking for beginning of value", "a NUL character: this is not a text file"],
    ['{"a": "\\q"}', 1, 9, "invalid character 'q' in string escape code", undefined],
    ['"\\u12"', 1, 6, "invalid character '\"' in \\u hexadecimal character escape", undefined],
    ['{"a": 1.}', 1, 9, "invalid character '}' after decimal point in numeric literal", undefined],
    ["-x", 1, 2, "invalid character 'x' in numeric literal", undefined],
    ["1ex", 1, 3, "invalid character 'x' in exponent of numeric literal", undefined],
    ["{'a': 1}", 1, 2, "invalid character '\\'' looking for beginning of object key string", "JSON strings and keys are written in double quotes"],
    ['{"a": [1, 2}', 1, 12, "invalid character '}' after array element", undefined],
    ['{"a":1 "b":2}', 1, 8, "invalid character '\"' after object key:value pair", undefined],
    ["{1:2}", 1, 2, "invalid character '1' looking for beginning of object key string", undefined],
    ["[,]", 1, 2, "invalid character ',' looking for beginning of value", undefined],
    ["NaN", 1, 1, "invalid character 'N' looking for beginning of value", undefined],
    ["\u007f", 1, 1, "invalid character '\\x7f' looking for beginning of value", undefined],
    // Go quotes the first byte of a character's UTF-8 form.
    ["é", 1, 1, "invalid character 'Ã' looking for beginning of value", undefined],
    ["\u00a0{}", 1, 1, "invalid character 'Â' looking for beginning of value", undefined],
    ["\ufeff{}", 1, 1, "invalid character 'ï' looking for beginning of value", "the text starts with a byte-order mark (U+FEFF); save it without one"],
    // The end of input: inside a structure it is "unexpected end"; inside a token, Go's scanner sees a space.
    ['{"a": 1', 1, 8, "unexpected end of JSON input", "the text ends too early; close every { and ["],
    ['"abc', 1, 5, "unexpected end of JSON input", undefined],
    ["", 1, 1, "unexpected end of JSON input", "the text is empty"],
    [" \n\t", 2, 2, "unexpected end of JSON input", "the text is empty"],
    ["tru", 1, 4, "invalid character ' ' in literal true (expecting 'e')", "the text ends in the middle of a value"],
    ["-", 1, 2, "invalid character ' ' in numeric literal", "the text ends in the middle of a value"],
    ["1.", 1, 3, "invalid character ' ' after decimal point in numeric literal", "the text ends in the middle of a value"],
    ["1E+", 1, 4, "invalid character ' ' in exponent of numeric literal", "the text ends in the middle of a value"],
    ['"\\u12', 1, 6, "invalid character ' ' in \\u hexadecimal character escape", "the text ends in the middle of a value"],
    ['"\\', 1, 3, "invalid character ' ' in string escape code", "the text ends in the middle of a value"],
  ])("refuses %j at line %i, column %i", (text, line, column, goMessage, hint) => {
    const expected: JsonReadError = hint === undefined
      ? { kind: "json-syntax", offset: expect.any(Number) as number, line, column, goMessage, message: `line ${line}, column ${column}: ${goMessage}` }
      : { kind: "json-syntax", offset: expect.any(Number) as number, line, column, goMessage, hint, message: `line ${line}, column ${column}: ${hint}` };
    expect(scan(text)).toEqual(err(expected));
  });

  it("takes only space, tab, CR and LF as whitespace, and counts lines at LF", () => {
    expect(scan(" \r\n\t{}\r\n")).toEqual(ok(undefined));
    expect(scan('{\r\n"a":\r\n x}')).toEqual(err(expect.objectContaining({ line: 3, column: 2 })));
    expect(scan("\u2028{}")).toEqual(err(expect.objectContaining({ goMessage: "invalid character 'â' looking for beginning of value" })));
  });

  it("skips a byte-order mark and accepts an empty text only when asked, as dockerd 23+", () => {
    expect(scan("\ufeff{}", { byteOrderMark: "skip" })).toEqual(ok(undefined));
    expect(scan("\ufeff{\n 1}", { byteOrderMark: "skip" })).toEqual(err(expect.objectContaining({ line: 2, column: 2 })));
    expect(scan("\ufeff x", { byteOrderMark: "skip" })).toEqual(err(expect.objectContaining({ line: 1, column: 2 })));
    expect(scan(" \n ", { allowEmpty: true })).toEqual(ok(undefined));
    expect(scan("\ufeff", { byteOrderMark: "skip", allowEmpty: true })).toEqual(ok(undefined));
  });

  it("limits depth as Go does: 10,000 levels pass, 10,001 do not", () => {
    const nest = (n: number, open = "[", close = "]") => open.repeat(n) + close.repeat(n);
    expect(scan(nest(10_000))).toEqual(ok(undefined));
    expect(scan(`{"a":`.repeat(9_999) + "{}" + "}".repeat(9_999))).toEqual(ok(undefined));
    expect(scan(nest(10_001))).toEqual(
      err({
        kind: "json-too-deep",
        offset: 10_000,
        line: 1,
        column: 10_001,
        limit: 10_000,
        goMessage: "invalid character '[' exceeded max depth",
        message: "line 1, column 10001: objects and arrays are nested more than 10000 levels deep",
      }),
    );
    expect(scan(nest(5), { maxDepth: 4 })).toEqual(err(expect.objectContaining({ kind: "json-too-deep", offset: 4, limit: 4 })));
    // Deeper than the limit by far: still an error, never a stack overflow.
    expect(scan("[".repeat(1_000_000), { maxBytes: 2_000_000 })).toEqual(err(expect.objectContaining({ kind: "json-too-deep", offset: 10_000 })));
  });

  it("limits size in UTF-8 bytes, with the position where the limit is passed", () => {
    expect(scan('"' + "x".repeat(8) + '"', { maxBytes: 10 })).toEqual(ok(undefined));
    expect(scan('"' + "x".repeat(9) + '"', { maxBytes: 10 })).toEqual(
      err({ kind: "json-too-large", offset: 10, line: 1, column: 11, limit: 10, message: "line 1, column 11: the text is larger than 10 bytes, the most read here" }),
    );
    // é is two bytes, 😀 four.
    expect(scan('"éé😀"', { maxBytes: 10 })).toEqual(ok(undefined));
    expect(scan('"ééé😀"', { maxBytes: 10 })).toEqual(err(expect.objectContaining({ kind: "json-too-large", offset: 4 })));
    expect(scan('[\n"' + "x".repeat(20) + '"]', { maxBytes: 10 })).toEqual(err(expect.objectContaining({ line: 2, column: 9 })));
    expect(scan(" ".repeat(1_572_864) + "1")).toEqual(err(expect.objectContaining({ kind: "json-too-large", limit: 1_572_864, offset: 1_572_864 })));
  });

  it("never throws, and accepts exactly what JSON.parse accepts (within the limits)", () => {
    const pieces = fc.constantFrom(
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      '"a"',
      '"',
      "\\",
      "\\u",
      "d83d",
      "1",
      "0",
      "-",
      ".",
      "e",
      "+",
      "true",
      "nul",
      " ",
      "\n",
      "x",
      "\u0000",
      "😀",
      "\ud800",
    );
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.json(), fc.array(pieces, { maxLength: 20 }).map((p) => p.join("")));
    fc.assert(
      fc.property(text, (t) => {
        let valid = true;
        try {
          JSON.parse(t);
        } catch {
          valid = false;
        }
        expect(scan(t).isOk()).toBe(valid && t.charCodeAt(0) !== 0xfeff);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("jsonStringValue", () => {
  it.each([
    [String.raw`"a\"\\\/\b\f\n\r\t\u00e9"`, 'a"\\/\b\f\n\r\té'],
    // Go's decoding of surrogates: a pair is one character, anything lone is U+FFFD.
    [String.raw`"\ud83d\ude00"`, "😀"],
    [String.raw`"\ud800"`, "\ufffd"],
    [String.raw`"\ude00\ud83d"`, "\ufffd\ufffd"],
    [String.raw`"\ud83d\u0041"`, "\ufffdA"],
    [String.raw`"\ud83dx"`, "\ufffdx"],
    ['"a\ud800b"', "a\ufffdb"],
    ['"\udc00"', "\ufffd"],
    ['"😀"', "😀"],
    [String.raw`"\u0000"`, "\u0000"],
  ])("%s", (text, expected) => {
    const { sink, tokens } = recorder(text);
    expect(scanJson(text, sink).isOk()).toBe(true);
    expect(tokens).toEqual([`string ${expected} 1:1`]);
  });
});

describe("goQuoteChar", () => {
  it.each([
    ["x", "'x'"],
    ["'", "'\\''"],
    ['"', "'\"'"],
    ["\\", "'\\\\'"],
    ["\n", "'\\n'"],
    ["\u0007", "'\\a'"],
    ["\u0001", "'\\x01'"],
    ["\ufeff", "'ï'"],
    ["😀", "'ð'"],
    ["\ud800", "'ï'"],
  ])("%j is %s", (c, expected) => {
    expect(goQuoteChar(c, 0)).toBe(expected);
  });
});
