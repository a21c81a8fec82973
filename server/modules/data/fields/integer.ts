import { z } from "zod";
import { fieldBase, safeInt, type NormalizedField } from "./definition";
import { bad, defineFieldKind, inRange, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("integer"),
  min: safeInt.optional(),
  max: safeInt.optional(),
  default: safeInt.optional(),
});

export type IntegerField = NormalizedField<z.output<typeof definition>>;

/** Whole numbers within ±(2^53 − 1): `bigint` on PostgreSQL, `integer` on SQLite. */
export const integer: FieldKind<IntegerField, typeof definition> = defineFieldKind<IntegerField, typeof definition>({
  type: "integer",
  definition,
  constraints: ["min", "max"],
  storage: () => "int",
  coerce(field, value) {
    if (typeof value !== "number" || !Number.isInteger(value)) return bad("invalid_type", { expected: "integer" });
    if (!Number.isSafeInteger(value))
      return bad(value > 0 ? "too_large" : "too_small", value > 0 ? { max: Number.MAX_SAFE_INTEGER } : { min: Number.MIN_SAFE_INTEGER });
    return inRange(field, value);
  },
  fromDb: (_field, value) => (typeof value === "string" ? Number(value) : value),
  cursorFits: (_field, value) => Number.isSafeInteger(value),
  valueType: () => "int",
  jsonSchema: (field) => ({
    type: "integer",
    ...(field.description ? { description: field.description } : {}),
    minimum: field.min ?? Number.MIN_SAFE_INTEGER,
    maximum: field.max ?? Number.MAX_SAFE_INTEGER,
  }),
  typescript: () => "number",
});
