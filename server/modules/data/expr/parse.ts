import { Environment, type ASTNode } from "@marcbachmann/cel-js";
import { formatReason, reason, type Reason, type ReasonParams } from "./reasons";

export type ExpressionErrorCode = "invalid_expression" | "unknown_field" | "type_mismatch" | "unsupported_expression";

/** A problem in an expression, with the character range (UTF-16 offsets into the source) it concerns. */
export interface ExpressionIssue {
  code: ExpressionErrorCode;
  /** In English; `reasonKey` and `reasonParams` render it in other locales (reasons.ts). */
  reason: string;
  reasonKey?: string;
  reasonParams?: ReasonParams;
  start: number;
  end: number;
  field?: string;
}

export class ExpressionError extends Error {
  constructor(readonly issue: ExpressionIssue) {
    super(`${issue.code} at ${issue.start}: ${issue.reason}`);
    this.name = "ExpressionError";
  }
}

export function fail(code: ExpressionErrorCode, why: Reason, at: { start: number; end: number }, field?: string): never {
  throw new ExpressionError(issueOf(code, why, at, field));
}

export function issueOf(code: ExpressionErrorCode, why: Reason, at: { start: number; end: number }, field?: string): ExpressionIssue {
  return {
    code,
    reason: formatReason(why.key, why.params, "en"),
    reasonKey: why.key,
    ...(why.params ? { reasonParams: why.params } : {}),
    start: at.start,
    end: at.end,
    ...(field ? { field } : {}),
  };
}

/** Parsing is the only use of cel-js here; the environment bounds what a hostile expression can cost. */
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 500, maxMapEntries: 0, maxCallArguments: 4 },
});

/**
 * Time values are written `@now`, `@todayStart`… as in PocketBase. CEL has no `@`, so outside
 * string literals `@name` becomes `_name` (same length, so error positions stay right); field
 * names cannot start with `_`, so these never meet a field.
 */
export function rewriteAtNames(source: string): string {
  const out = source.split("");
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"' || c === "'") {
      const raw = /[rR]$/.test(source.slice(Math.max(0, i - 2), i).replace(/[bB]/g, ""));
      const triple = source.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      i += close.length;
      while (i < source.length && !source.startsWith(close, i)) {
        if (!raw && source[i] === "\\") i++;
        if (!triple && (source[i] === "\n" || source[i] === "\r")) break;
        i++;
      }
      i += close.length;
      continue;
    }
    if (c === "@" && /[A-Za-z]/.test(source[i + 1] ?? "")) out[i] = "_";
    i++;
  }
  return out.join("");
}

/** Parses an expression into the cel-js syntax tree, or throws ExpressionError(invalid_expression). */
export function parseExpression(source: string): ASTNode {
  if (source.trim() === "") fail("invalid_expression", reason("empty"), { start: 0, end: 0 });
  try {
    return environment.parse(rewriteAtNames(source)).ast;
  } catch (err) {
    const e = err as { name?: string; summary?: string; message?: string; range?: { start: number; end: number } };
    if (e && (e.name === "ParseError" || e.name === "TypeError" || e.name === "EvaluationError")) {
      const range = e.range ?? { start: 0, end: source.length };
      fail(
        "invalid_expression",
        reason("syntax", { detail: (e.summary ?? e.message ?? "syntax error").split("\n")[0]!.slice(0, 200) }),
        range,
      );
    }
    // Anything else from the parser (a RangeError on absurd nesting, say) is still bad input.
    fail("invalid_expression", reason("unparsable"), { start: 0, end: source.length });
  }
}
