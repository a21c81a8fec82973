import { MAX_FILTER_BYTES } from "../schema";
import type { ModelIndex } from "../model/normalize";
import { compileExpression } from "./analyze";
import { ExpressionError, issueOf, type ExpressionIssue } from "./parse";
import { formatReason, reason } from "./reasons";
import type { Locale } from "../../../platform/errors/locale";

export type ExpressionCheck = { valid: true; expand: string[] } | { valid: false; errors: ExpressionIssue[] };

/**
 * Validate-as-you-type: parses an expression and checks its fields and types against a model,
 * returning positioned problems instead of throwing. `allowBody` for create and update rules.
 */
export function checkExpression(model: ModelIndex, collection: string, source: string, options: { allowBody: boolean }): ExpressionCheck {
  if (Buffer.byteLength(source) > MAX_FILTER_BYTES) {
    return {
      valid: false,
      errors: [issueOf("invalid_expression", reason("too_long", { max: MAX_FILTER_BYTES }), { start: 0, end: source.length })],
    };
  }
  if (source.trim() === "") return { valid: true, expand: [] };
  try {
    return { valid: true, expand: compileExpression(source, { model, collection, allowBody: options.allowBody }).expand };
  } catch (err) {
    if (err instanceof ExpressionError) return { valid: false, errors: [err.issue] };
    throw err;
  }
}

/** A check's problems with their reasons in a locale (the console shows them as they are). */
export function localizeCheck(check: ExpressionCheck, locale: Locale): ExpressionCheck {
  if (check.valid || locale === "en") return check;
  return {
    valid: false,
    errors: check.errors.map((e) => (e.reasonKey ? { ...e, reason: formatReason(e.reasonKey, e.reasonParams, locale) } : e)),
  };
}
