import { z } from "zod";
import { fieldBase, type NormalizedField } from "./definition";
import { bad, defineFieldKind, inRange, schemaLimits, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("number"),
  min: z.number().optional(),
  max: z.number().optional(),
  default: z.number().optional(),
});

export type NumberField = NormalizedField<z.output<typeof definition>>;

/** Finite floating-point numbers (`double precision` / `real`). */
export const number: FieldKind<NumberField, typeof definition> = defineFieldKind<NumberField, typeof definition>({
  type: "number",
  definition,
  constraints: ["min", "max"],
  storage: () => "double",
  coerce(field, value) {
    if (typeof value !== "number" || !Number.isFinite(value)) return bad("invalid_type", { expected: "number" });
    return inRange(field, value);
  },
  fromDb: (_field, value) => (typeof value === "string" ? Number(value) : value),
  cursorFits: (_field, value) => typeof value === "number" && Number.isFinite(value),
  valueType: () => "double",
  jsonSchema: (field) => ({
    type: "number",
    ...(field.description ? { description: field.description } : {}),
    ...schemaLimits(field, "minimum", "maximum"),
  }),
  typescript: () => "number",
});
