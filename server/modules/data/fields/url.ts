import { z } from "zod";
import { count, fieldBase, type NormalizedField } from "./definition";
import { bad, codePoints, defineFieldKind, ok, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("url"),
  min: count.optional(),
  max: count.optional(),
  default: z.string().optional(),
});

export type UrlField = NormalizedField<z.output<typeof definition>>;

/** An http(s) URL of at most 2048 characters, or the empty string. */
export const url: FieldKind<UrlField, typeof definition> = defineFieldKind<UrlField, typeof definition>({
  type: "url",
  definition,
  constraints: ["min", "max"],
  storage: () => "text",
  coerce(field, value) {
    if (typeof value !== "string") return bad("invalid_type", { expected: "text" });
    const n = codePoints(value);
    if (field.max !== undefined && n > field.max) return bad("too_long", { max: field.max });
    if (field.min !== undefined && n < field.min && n > 0) return bad("too_short", { min: field.min });
    if (value === "") return ok(value);
    if (value.length > 2048) return bad("too_long", { max: 2048 });
    try {
      const u = new URL(value);
      return u.protocol === "http:" || u.protocol === "https:" ? ok(value) : bad("invalid_url");
    } catch {
      return bad("invalid_url");
    }
  },
  valueType: () => "string",
  jsonSchema: (field) => ({
    type: "string",
    format: "uri",
    ...(field.description ? { description: field.description } : {}),
    ...(field.max !== undefined ? { maxLength: field.max } : {}),
  }),
  typescript: () => "string",
});
