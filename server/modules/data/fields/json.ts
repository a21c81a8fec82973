import { z } from "zod";
import { readJson } from "../../../platform/db/dialect";
import { fieldBase, type NormalizedField } from "./definition";
import { bad, defineFieldKind, describe, ok, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("json"),
  maxSize: z.number().int().min(1).max(10_000_000).optional(),
  // Named, so JSON Schema documents (the management OpenAPI) refer to one shared definition of a JSON value.
  default: z.json().meta({ id: "JsonValue" }).optional(),
});

export type JsonField = NormalizedField<z.output<typeof definition>>;

/** Any JSON value (`jsonb` / text), at most `maxSize` bytes as JSON text; not indexable or sortable. */
export const json: FieldKind<JsonField, typeof definition> = defineFieldKind<JsonField, typeof definition>({
  type: "json",
  definition,
  constraints: ["maxSize"],
  emptyIsValue: true,
  storage: () => "json",
  indexable: () => false,
  coerce(field, value) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      return bad("invalid_type", { expected: "JSON" });
    }
    if (text === undefined) return bad("invalid_type", { expected: "JSON" });
    if (text.includes("\\u0000")) return bad("invalid_character");
    if (field.maxSize !== undefined && Buffer.byteLength(text) > field.maxSize) return bad("json_too_large", { max: field.maxSize });
    return ok(value);
  },
  toDb: (_field, value) => JSON.stringify(value),
  fromDb: (_field, value) => readJson(value),
  jsonSql: (_field, column, fns) => fns.json.embedded(column),
  cursorFits: () => false,
  valueType: () => "json",
  jsonSchema: (field) => ({ description: describe(field, `Any JSON value${field.maxSize ? ` of at most ${field.maxSize} bytes` : ""}.`) }),
  typescript: () => "JsonValue",
});
