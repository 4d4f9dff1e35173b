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
    ["unterminated quote", 'A=1\nB="abc\n', 2, 3, "line 2: unterminated quoted value for B: no closing \""],
    ["text after a closing quote", 'A="x" y\n', 1, 7, 'line 1: unexpected "y" after the closing quote of A; only a # comment may follow'],
  ])("refuses %s, naming the line", (_name, text, line, column, message) => {
    expect(parseDotenv(text)).toEqual(err({ kind: "dotenv-syntax", line, column, message }));
  });
});
