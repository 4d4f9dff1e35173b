// ESLint rule: a neverthrow Result or ResultAsync used as a bare expression
// statement is an error, the same way a floating promise is. Handle it
// (match, isErr, map...), return it, or assign it.
import { ESLintUtils } from "@typescript-eslint/utils";

const resultNames = new Set(["Ok", "Err", "ResultAsync", "Result"]);

function isResultType(type) {
  if (type.isUnion()) return type.types.some(isResultType);
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  return symbol !== undefined && resultNames.has(symbol.getName());
}

export default {
  meta: {
    type: "problem",
    docs: { description: "require neverthrow Results to be used" },
    messages: { unused: "This {{name}} is ignored: handle its error (match, isErr, unwrapOr...) or return it." },
    schema: [],
  },
  create(context) {
    const services = ESLintUtils.getParserServices(context);
    return {
      ExpressionStatement(node) {
        let expr = node.expression;
        if (expr.type === "UnaryExpression" && expr.operator === "void") return;
        if (expr.type === "AwaitExpression") expr = expr.argument;
        if (expr.type === "AssignmentExpression") return;
        const type = services.getTypeAtLocation(expr);
        if (isResultType(type)) {
          context.report({ node, messageId: "unused", data: { name: type.getSymbol()?.getName() ?? "Result" } });
        }
      },
    };
  },
};
