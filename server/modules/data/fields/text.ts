import { z } from "zod";
import { count, fieldBase, type NormalizedField } from "./definition";
import { bad, codePoints, defineFieldKind, ok, schemaLimits, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("text"),
  min: count.optional(),
  max: count.optional(),
  pattern: z.string().min(1).max(500).optional(),
  default: z.string().max(100_000).optional(),
});

export type TextField = NormalizedField<z.output<typeof definition>>;

const patternCache = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let re = patternCache.get(source);
  if (!re) {
    re = new RegExp(source, "u");
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(source, re);
  }
  return re;
}

/** Text: length in code points between `min` and `max`, an optional pattern (`u` flag); the empty string skips both. */
export const text: FieldKind<TextField, typeof definition> = defineFieldKind<TextField, typeof definition>({
  type: "text",
  definition,
  constraints: ["min", "max", "pattern"],
  storage: () => "text",
  definitionIssues(field, path) {
    if (field.pattern === undefined) return [];
    try {
      new RegExp(field.pattern, "u");
      return [];
    } catch {
      return [{ code: "invalid_pattern", path: `${path}.pattern` }];
    }
  },
  coerce(field, value) {
    if (typeof value !== "string") return bad("invalid_type", { expected: "text" });
    const n = codePoints(value);
    if (field.min !== undefined && n < field.min && n > 0) return bad("too_short", { min: field.min });
    if (field.max !== undefined && n > field.max) return bad("too_long", { max: field.max });
    if (field.pattern && value !== "" && !patternOf(field.pattern).test(value)) return bad("pattern_mismatch", { pattern: field.pattern });
    return ok(value);
  },
  valueType: () => "string",
  jsonSchema: (field) => ({
    type: "string",
    ...(field.description ? { description: field.description } : {}),
    ...schemaLimits(field, "minLength", "maxLength"),
    ...(field.pattern ? { pattern: field.pattern } : {}),
  }),
  typescript: () => "string",
});
