import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseDotenv } from "./subnet-env-dotenv.ts";

describe("parseDotenv: the forms godotenv reads", () => {
  it.each([
    ["plain", "A=1\nB=2\n", [["A", "1", 1], ["B", "2", 2]]],
    ["no final newline", "A=1", [["A", "1", 1]]],
    ["CRLF", "A=1\r\nB=2\r\n", [["A", "1", 1], ["B", "2", 2]]],
    ["blank lines and comments", "# comment\n\n   # indented comment\nA=1\n\n", [["A", "1", 4]]],
    ["export prefix", "export A=1\nexport\tB=2\n", [["A", "1", 1], ["B", "2", 2]]],
    ["a key named export", "export=1\n", [["export", "1", 1]]],
    ["yaml-style colon", "A: 1\n", [["A", "1", 1]]],
    ["spaces around", "  A  =  1  \n", [["A", "1", 1]]],
    ["empty value", "A=\nB=2\n", [["A", "", 1], ["B", "2", 2]]],
    ["double quotes", 'A="1 2"\n', [["A", "1 2", 1]]],
    ["single quotes", "A='1 2'\n", [["A", "1 2", 1]]],
    ["quotes then a comment", 'A="x" # why\n', [["A", "x", 1]]],
    ["inline comment after space", "A=x # why\n", [["A", "x", 1]]],
    ["a # without a space before it is part of the value", "A=x#y\n", [["A", "x#y", 1]]],
    ["the last ' #' ends the value", "A=x # y # z\n", [["A", "x # y", 1]]],
    ["escapes in double quotes", 'A="a\\nb\\"c\\\\d"\n', [["A", 'a\nb"c\\d', 1]]],
    ["no escapes in single quotes", "A='a\\nb'\n", [["A", "a\\nb", 1]]],
    ["multi-line double quotes", 'A="x\ny"\nB=2\n', [["A", "x\ny", 1], ["B", "2", 3]]],
    ["expansion of an earlier key", "A=1\nB=$A-${A}\n", [["A", "1", 1], ["B", "1-1", 2]]],
    ["expansion in double quotes, not single", "A=1\nB=\"$A\"\nC='$A'\n", [["A", "1", 1], ["B", "1", 2], ["C", "$A", 3]]],
    ["escaped dollar", 'A=1\nB="\\$A"\n', [["A", "1", 1], ["B", "$A", 2]]],
    ["unknown variable expands to nothing", "B=x$NOPE\n", [["B", "x", 1]]],
    ["dotted key", "a.b=1\n", [["a.b", "1", 1]]],
    ["repeated key appears twice", "A=1\nA=2\n", [["A", "1", 1], ["A", "2", 2]]],
  ])("%s", (_name, text, expected) => {
    expect(parseDotenv(text)).toEqual(ok(expected.map(([key, value, line]) => ({ key, value, line }))));
  });

  it("looks up the given environment after the file's keys", () => {
    expect(parseDotenv("A=$HOME\nHOME=x\nB=$HOME\n", { environment: { HOME: "/root" } })).toEqual(
      ok([
        { key: "A", value: "/root", line: 1 },
        { key: "HOME", value: "x", line: 2 },
        { key: "B", value: "x", line: 3 },
      ]),
    );
  });

  it.each([
    ["no =", "A=1\nFLANNEL_MTU\n", 2, 12, 'line 2: expected "=" after FLANNEL_MTU, found end of line (names are letters, digits, "_" and ".")'],
    ["space in a key", "FOO BAR=1\n", 1, 5, 'line 1: expected "=" after FOO, found "B" (names are letters, digits, "_" and ".")'],
    ["bad first character", "A=1\n-x=1\n", 2, 1, 'line 2: unexpected character "-" where a variable name should start'],
    ["unterminated quote", 'A=1\nB="abc\n', 2, 3, 'line 2: unterminated quoted value for B: no closing "'],
    ["text after a closing quote", 'A="x" y\n', 1, 7, 'line 1: unexpected "y" after the closing quote of A; only a # comment may follow'],
  ])("refuses %s, naming the line", (_name, text, line, column, message) => {
    expect(parseDotenv(text)).toEqual(err({ kind: "dotenv-syntax", line, column, message }));
  });
});

describe("parseDotenv: limits", () => {
  it("stops variables that double each other, naming the line, the key and the variable", () => {
    const lines = ["A=0123456789"];
    for (let i = 1; i <= 40; i++) lines.push(`A${i}=\${A${i === 1 ? "" : i - 1}}\${A${i === 1 ? "" : i - 1}}`);
    const started = Date.now();
    expect(parseDotenv(lines.join("\n"))).toEqual(
      err({
        kind: "dotenv-expansion-too-large",
        limit: 262_144,
        key: "A14",
        variable: "A13",
        line: 15,
        message: "line 15: expanding $A13 in A14 takes the values past 262144 characters, the most expanded here; variables that repeat each other grow without end",
      }),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("counts quoted and unexpanded values against the same budget", () => {
    expect(parseDotenv("A='12345'\nB=\"$A\"\nC=123", { maxExpandedLength: 12 })).toEqual(
      err(
        expect.objectContaining({
          kind: "dotenv-expansion-too-large",
          key: "C",
          variable: "",
          line: 3,
          message: expect.stringMatching(/^line 3: expanding its own text in C takes/) as string,
        }),
      ),
    );
    expect(parseDotenv("A='12345'\nB=\"$A\"\nC=12", { maxExpandedLength: 12 }).isOk()).toBe(true);
  });

  it("refuses a text over the size limit, naming where it passes it", () => {
    expect(parseDotenv("A=1\nB=2345\n", { maxLength: 6 })).toEqual(
      err({ kind: "dotenv-too-large", limit: 6, line: 2, column: 3, message: "line 2: the text is longer than 6 characters, the most read here" }),
    );
    expect(parseDotenv(`A=${"x".repeat(65_536)}`)._unsafeUnwrapErr().kind).toBe("dotenv-too-large");
  });

  it("reads many lines and long blank runs in linear time", () => {
    const started = Date.now();
    expect(parseDotenv("A=1\n".repeat(16_000))._unsafeUnwrap()).toHaveLength(16_000);
    expect(parseDotenv(`A=x${" ".repeat(60_000)}y${" ".repeat(4_000)}`)._unsafeUnwrap()).toEqual([{ key: "A", value: `x${" ".repeat(60_000)}y`, line: 1 }]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("quotes an offending character with control characters escaped", () => {
    expect(parseDotenv("A=1\n\u001bX=1\n")._unsafeUnwrapErr().message).toBe('line 2: unexpected character "\\u001b" where a variable name should start');
  });

  it("never throws, whatever the text", () => {
    const piece = fc.constantFrom("A", "=", "$", "{A}", "${A}${A}", '"', "'", "\\", "#", " ", "\n", "\r\n", "export ", ":", "\u0000", "\u00a0");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.array(piece, { maxLength: 30 }).map((p) => p.join(""))), (text) => {
        const result = parseDotenv(text, { maxExpandedLength: 1_000 });
        if (result.isErr()) expect(["dotenv-syntax", "dotenv-too-large", "dotenv-expansion-too-large"]).toContain(result.error.kind);
        else expect(result.value.reduce((n, e) => n + e.value.length, 0)).toBeLessThanOrEqual(1_000);
      }),
      { numRuns: 2000 },
    );
  });
});
