import { z } from "zod";
import { readBool } from "../../../platform/db/dialect";
import { fieldBase, type NormalizedField } from "./definition";
import { bad, defineFieldKind, ok, type FieldKind } from "./field-kind";

const definition = z.strictObject({ ...fieldBase, type: z.literal("boolean"), default: z.boolean().optional() });

export type BooleanField = NormalizedField<z.output<typeof definition>>;

/** true / false: `boolean` on PostgreSQL, 0/1 on SQLite. */
export const boolean: FieldKind<BooleanField, typeof definition> = defineFieldKind<BooleanField, typeof definition>({
  type: "boolean",
  definition,
  storage: () => "bool",
  coerce: (_field, value) => (typeof value === "boolean" ? ok(value) : bad("invalid_type", { expected: "boolean" })),
  fromDb: (_field, value) => readBool(value),
  jsonSql: (_field, column, fns) => fns.json.bool(column),
  cursorFits: (_field, value) => typeof value === "boolean",
  valueType: () => "bool",
  jsonSchema: (field) => ({ type: "boolean", ...(field.description ? { description: field.description } : {}) }),
  typescript: () => "boolean",
});
