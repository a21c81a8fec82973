import { z } from "zod";
import { count, fieldBase, type NormalizedField } from "./definition";
import { bad, codePoints, defineFieldKind, ok, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("email"),
  min: count.optional(),
  max: count.optional(),
  default: z.string().optional(),
});

export type EmailField = NormalizedField<z.output<typeof definition>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An email address (`local@domain.tld`, at most 254 characters), or the empty string. */
export const email: FieldKind<EmailField, typeof definition> = defineFieldKind<EmailField, typeof definition>({
  type: "email",
  definition,
  constraints: ["min", "max"],
  storage: () => "text",
  coerce(field, value) {
    if (typeof value !== "string") return bad("invalid_type", { expected: "text" });
    const n = codePoints(value);
    if (field.max !== undefined && n > field.max) return bad("too_long", { max: field.max });
    if (field.min !== undefined && n < field.min && n > 0) return bad("too_short", { min: field.min });
    if (value === "") return ok(value);
    return value.length <= 254 && EMAIL.test(value) ? ok(value) : bad("invalid_email");
  },
  valueType: () => "string",
  jsonSchema: (field) => ({
    type: "string",
    format: "email",
    ...(field.description ? { description: field.description } : {}),
    ...(field.max !== undefined ? { maxLength: field.max } : {}),
  }),
  typescript: () => "string",
});
