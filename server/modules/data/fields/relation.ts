import { z } from "zod";
import { readJson } from "../../../platform/db/dialect";
import { isRecordId } from "../types";
import { collectionNameSchema, count, fieldBase, type NormalizedField } from "./definition";
import { bad, defineFieldKind, describe, inCount, normalizeCommon, ok, schemaLimits, type FieldKind } from "./field-kind";

export const ON_DELETE = ["cascade", "set null", "restrict"] as const;

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("relation"),
  /** The target collection's name (the same collection for self-relations). */
  collection: collectionNameSchema,
  /** To many (through a managed junction table) instead of to one. */
  multiple: z.boolean().optional(),
  /**
   * When the target record is deleted: `cascade` deletes this record (to one) or the link (to
   * many), `set null` clears the field (to one) or removes the link (to many), `restrict` refuses
   * the deletion. Defaults to `set null` for nullable fields, else `restrict`.
   */
  onDelete: z.enum(ON_DELETE).optional(),
  min: count.optional(),
  max: count.optional(),
});

export type RelationField = NormalizedField<z.output<typeof definition>, "multiple" | "onDelete">;

const RECORD_ID = "^[A-Za-z0-9_-]{1,64}$";
const str = (s: string) => JSON.stringify(s);

/**
 * A record of `collection` by id: to one, a text column with a foreign key (`""` for none); with
 * `multiple`, ids in order through the junction table `_rel_<fieldId>` (`min`/`max` count them).
 * What only relations have (foreign keys, junctions, expand, paths in filters) is in the planner,
 * the record service and the expression compiler, which ask `isRelation`.
 */
export const relation: FieldKind<RelationField, typeof definition> = defineFieldKind<RelationField, typeof definition>({
  type: "relation",
  definition,
  constraints: ["min", "max"],
  normalize(definition) {
    const field = normalizeCommon(definition);
    return { ...field, multiple: field.multiple ?? false, onDelete: field.onDelete ?? (field.nullable ? "set null" : "restrict") };
  },
  definitionIssues: (field, path) =>
    field.onDelete === "set null" && !field.nullable && !field.multiple ? [{ code: "invalid_on_delete", path: `${path}.onDelete` }] : [],
  storage: (field) => (field.multiple ? "junction" : "text"),
  indexable: (field) => !field.multiple,
  coerce(field, value) {
    if (!field.multiple) {
      if (typeof value !== "string") return bad("invalid_type", { expected: "record id" });
      if (value === "") return ok(value);
      return isRecordId(value) ? ok(value) : bad("invalid_relation", { value: value.slice(0, 100) });
    }
    if (!Array.isArray(value)) return bad("invalid_type", { expected: "list of record ids" });
    if (value.length > 10_000) return bad("too_many", { max: 10_000 });
    const out: string[] = [];
    for (const v of value) {
      if (typeof v !== "string" || !isRecordId(v)) return bad("invalid_relation", { value: String(v).slice(0, 100) });
      if (!out.includes(v)) out.push(v);
    }
    return inCount(field, out);
  },
  toDb: (field, value) => (!field.multiple && value === "" ? null : value),
  // To many: the links subquery's JSON array of ids.
  fromDb: (field, value) => (field.multiple ? readJson(value) : value),
  jsonSql: (field, column, fns) => (field.multiple ? fns.json.embedded(column) : column),
  valueType: (field) => (field.multiple ? "ids" : "string"),
  jsonSchema(field) {
    if (field.multiple)
      return {
        type: "array",
        items: { type: "string", pattern: RECORD_ID },
        uniqueItems: true,
        description: describe(field, `Ids of ${field.collection} records, in order.`),
        "x-apprun-relation": field.collection,
        ...schemaLimits(field, "minItems", "maxItems"),
      };
    return {
      type: "string",
      pattern: RECORD_ID,
      description: describe(field, `The id of a ${field.collection} record.`),
      "x-apprun-relation": field.collection,
    };
  },
  typescript: (field) => (field.multiple ? `Array<RecordId<${str(field.collection)}>>` : `RecordId<${str(field.collection)}>`),
  typescriptNote: (field) => `${field.multiple ? "Ids of" : "Id of a"} ${field.collection} record${field.multiple ? "s" : ""}.`,
});
