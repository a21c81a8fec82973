import { sql } from "kysely";
import { z } from "zod";
import { readJson } from "../../../platform/db/dialect";
import { count, fieldBase, type NormalizedField } from "./definition";
import { bad, defineFieldKind, inCount, normalizeCommon, ok, schemaLimits, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("select"),
  values: z.array(z.string().min(1).max(100)).min(1).max(200),
  multiple: z.boolean().optional(),
  /** With `multiple`: fewest and most values. */
  min: count.optional(),
  max: count.optional(),
  default: z.union([z.string(), z.array(z.string())]).optional(),
});

export type SelectField = NormalizedField<z.output<typeof definition>, "multiple">;

const str = (s: string) => JSON.stringify(s);

/**
 * One of `values` (text; `""` for none), or with `multiple` a list of them without repeats, in the
 * order given (a JSON array column; `min`/`max` count them).
 */
export const select: FieldKind<SelectField, typeof definition> = defineFieldKind<SelectField, typeof definition>({
  type: "select",
  definition,
  constraints: ["min", "max"],
  normalize: (definition) => ({ ...normalizeCommon(definition), multiple: definition.multiple ?? false }),
  definitionIssues(field, path) {
    if (new Set(field.values).size === field.values.length) return [];
    return [{ code: "duplicate_name", path: `${path}.values`, name: field.values.find((v, i) => field.values.indexOf(v) !== i) }];
  },
  changeWarnings(old, field) {
    const before = (old as { values?: unknown }).values;
    return old.type === "select" && Array.isArray(before) && (before as string[]).some((v) => !field.values.includes(v))
      ? ["options_removed"]
      : [];
  },
  storage: (field) => (field.multiple ? "json" : "text"),
  indexable: (field) => !field.multiple,
  convertFrom(kind, from, field, column) {
    if (from.type !== "select" || (from as SelectField).multiple === field.multiple) return null;
    const pg = kind === "postgres";
    if ((from as SelectField).multiple) return { expr: pg ? sql`(${column} ->> 0)` : sql`json_extract(${column}, '$[0]')`, lossy: true };
    return {
      expr: pg
        ? sql`case when ${column} is null then null else jsonb_build_array(${column}) end`
        : sql`case when ${column} is null then null else json_array(${column}) end`,
      lossy: false,
    };
  },
  coerce(field, value) {
    if (!field.multiple) {
      if (typeof value !== "string") return bad("invalid_type", { expected: "text" });
      if (value === "") return ok(value);
      return field.values.includes(value) ? ok(value) : bad("invalid_option", { value: value.slice(0, 100) });
    }
    if (!Array.isArray(value)) return bad("invalid_type", { expected: "list of values" });
    const out: string[] = [];
    for (const v of value) {
      if (typeof v !== "string" || !field.values.includes(v) || v.includes("\u0000"))
        return bad("invalid_option", { value: String(v).slice(0, 100) });
      if (!out.includes(v)) out.push(v);
    }
    return inCount(field, out);
  },
  // Only the type is checked: options may have been removed after values were stored.
  coerceStored(field, value) {
    const fits = field.multiple
      ? Array.isArray(value) && value.every((v) => typeof v === "string" && !v.includes("\u0000"))
      : typeof value === "string" && !value.includes("\u0000");
    return fits ? ok(value) : bad("invalid_type");
  },
  toDb: (field, value) => (field.multiple ? JSON.stringify(value) : value),
  fromDb: (field, value) => (field.multiple ? readJson(value) : value),
  jsonSql: (field, column, fns) => (field.multiple ? fns.json.embedded(column) : column),
  valueType: (field) => (field.multiple ? "strings" : "string"),
  jsonSchema(field) {
    const description = field.description ? { description: field.description } : {};
    if (field.multiple)
      return {
        type: "array",
        items: { type: "string", enum: field.values },
        uniqueItems: true,
        ...description,
        ...schemaLimits(field, "minItems", "maxItems"),
      };
    return { type: "string", enum: field.values, ...description };
  },
  typescript(field) {
    const union = field.values.map(str).join(" | ");
    return field.multiple ? `Array<${union}>` : union;
  },
  typescriptInput: (field) => (field.multiple ? select.typescript(field) : `${select.typescript(field)} | ""`),
});
