import { MAX_FILTER_BYTES } from "../schema";
import type { ModelIndex } from "../model/normalize";
import { compileExpression } from "./analyze";
import { ExpressionError, type ExpressionIssue } from "./parse";

export type ExpressionCheck = { valid: true; expand: string[] } | { valid: false; errors: ExpressionIssue[] };

/**
 * Validate-as-you-type: parses an expression and checks its fields and types against a model,
 * returning positioned problems instead of throwing. `allowBody` for create and update rules.
 */
export function checkExpression(model: ModelIndex, collection: string, source: string, options: { allowBody: boolean }): ExpressionCheck {
  if (Buffer.byteLength(source) > MAX_FILTER_BYTES) {
    return { valid: false, errors: [{ code: "invalid_expression", reason: `longer than ${MAX_FILTER_BYTES} bytes`, start: 0, end: source.length }] };
  }
  if (source.trim() === "") return { valid: true, expand: [] };
  try {
    return { valid: true, expand: compileExpression(source, { model, collection, allowBody: options.allowBody }).expand };
  } catch (err) {
    if (err instanceof ExpressionError) return { valid: false, errors: [err.issue] };
    throw err;
  }
}
