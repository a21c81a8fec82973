import { z } from "zod";
import { fieldBase, isoDate, isRealDate, type NormalizedField } from "./definition";
import { bad, defineFieldKind, ok, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("date"),
  min: isoDate.optional(),
  max: isoDate.optional(),
  default: z.union([isoDate, z.literal("today")]).optional(),
});

export type DateField = NormalizedField<z.output<typeof definition>>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar day, `YYYY-MM-DD` (`date`; text on SQLite); `default: today` is the UTC day of creation. */
export const date: FieldKind<DateField, typeof definition> = defineFieldKind<DateField, typeof definition>({
  type: "date",
  definition,
  constraints: ["min", "max"],
  computedDefaults: { today: (now) => new Date(now).toISOString().slice(0, 10) },
  storage: () => "date",
  limitOrder: (limit) => String(limit),
  coerce(field, value) {
    if (typeof value !== "string" || !DAY.test(value) || !isRealDate(value) || value < "0001-01-01") return bad("invalid_date");
    if (field.min !== undefined && value < field.min) return bad("too_small", { min: field.min });
    if (field.max !== undefined && value > field.max) return bad("too_large", { max: field.max });
    return ok(value);
  },
  fromDb: (_field, value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value)),
  cursorFits: (_field, value) => typeof value === "string" && DAY.test(value) && isRealDate(value),
  valueType: () => "date",
  jsonSchema: (field) => ({ type: "string", format: "date", ...(field.description ? { description: field.description } : {}) }),
  typescript: () => "DateString",
});
