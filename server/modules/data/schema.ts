import { z } from "zod";
import { RECORD_OPERATIONS } from "./types";

/**
 * The zod schemas of everything the data module accepts: the model document (collections,
 * fields, indexes, rules) and the record queries. The console designer, the CLI and the
 * management API all send the same document; semantic checks the schema cannot express (reserved
 * names, relation targets, cycles, rule fields) are in `model/validate-model.ts`.
 */

/** Lowercase snake_case, 1–63 characters, no leading underscore, no `__` (both are reserved for managed tables). */
export const identifierSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, "must be lowercase letters, digits and underscores, starting with a letter")
  .refine((s) => !s.includes("__") && !s.endsWith("_"), "must not contain `__` or end with `_`");

/**
 * Collection names are at most 36 characters: on SQLite a table is named `<project>__<collection>`
 * and identifiers stop at 63.
 */
export const collectionNameSchema = identifierSchema.refine((s) => s.length <= 36, "must be at most 36 characters");

const modelId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[a-z0-9]{3,23}$`), `must be ${prefix} followed by 3–23 lowercase letters or digits`);

const isoDateTime = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
    "must be an ISO-8601 date-time with a zone",
  );
const isoDate = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && isRealDate(s), "must be a YYYY-MM-DD date");
const decimalString = z.string().regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, "must be a decimal number as text");
const safeInt = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(100_000);

/** A real calendar date from year 1 to 9999 (what both databases store). */
export function isRealDate(s: string): boolean {
  if (s < "0001-01-01") return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Milliseconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the times both databases store. */
export const MIN_TIME = -62135596800000;
export const MAX_TIME = 253402300799999;

const fieldBase = {
  /** Stable identity across renames; assigned on the first apply when absent. */
  id: modelId("f").optional(),
  name: identifierSchema,
  description: z.string().max(500).optional(),
  /** Must be given on create (or have a default); a required field is not nullable unless it says so. */
  required: z.boolean().optional(),
  /** Whether null is a stored value. Defaults to `!required`. */
  nullable: z.boolean().optional(),
  unique: z.boolean().optional(),
};

const textField = z.strictObject({
  ...fieldBase,
  type: z.literal("text"),
  min: count.optional(),
  max: count.optional(),
  pattern: z.string().min(1).max(500).optional(),
  default: z.string().max(100_000).optional(),
});
const emailField = z.strictObject({
  ...fieldBase,
  type: z.literal("email"),
  min: count.optional(),
  max: count.optional(),
  default: z.string().optional(),
});
const urlField = z.strictObject({
  ...fieldBase,
  type: z.literal("url"),
  min: count.optional(),
  max: count.optional(),
  default: z.string().optional(),
});
const integerField = z.strictObject({
  ...fieldBase,
  type: z.literal("integer"),
  min: safeInt.optional(),
  max: safeInt.optional(),
  default: safeInt.optional(),
});
const numberField = z.strictObject({
  ...fieldBase,
  type: z.literal("number"),
  min: z.number().optional(),
  max: z.number().optional(),
  default: z.number().optional(),
});
const decimalField = z.strictObject({
  ...fieldBase,
  type: z.literal("decimal"),
  min: decimalString.optional(),
  max: decimalString.optional(),
  /** Most digits after the point a value may have. */
  scale: z.number().int().min(0).max(30).optional(),
  default: decimalString.optional(),
});
const booleanField = z.strictObject({ ...fieldBase, type: z.literal("boolean"), default: z.boolean().optional() });
const jsonField = z.strictObject({
  ...fieldBase,
  type: z.literal("json"),
  maxSize: z.number().int().min(1).max(10_000_000).optional(),
  // Named, so JSON Schema documents (the management OpenAPI) refer to one shared definition of a JSON value.
  default: z.json().meta({ id: "JsonValue" }).optional(),
});
const datetimeField = z.strictObject({
  ...fieldBase,
  type: z.literal("datetime"),
  min: isoDateTime.optional(),
  max: isoDateTime.optional(),
  /** A date-time, or `"now"` for the moment of creation. */
  default: z.union([isoDateTime, z.literal("now")]).optional(),
});
const dateField = z.strictObject({
  ...fieldBase,
  type: z.literal("date"),
  min: isoDate.optional(),
  max: isoDate.optional(),
  default: z.union([isoDate, z.literal("today")]).optional(),
});
const uuidField = z.strictObject({
  ...fieldBase,
  type: z.literal("uuid"),
  /** A UUID, or `"random"` for a fresh v4 UUID per record. */
  default: z.union([z.uuid(), z.literal("random")]).optional(),
});
const selectField = z.strictObject({
  ...fieldBase,
  type: z.literal("select"),
  values: z.array(z.string().min(1).max(100)).min(1).max(200),
  multiple: z.boolean().optional(),
  /** With `multiple`: fewest and most values. */
  min: count.optional(),
  max: count.optional(),
  default: z.union([z.string(), z.array(z.string())]).optional(),
});
export const ON_DELETE = ["cascade", "set null", "restrict"] as const;
const relationField = z.strictObject({
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
const autodateField = z.strictObject({
  id: fieldBase.id,
  name: fieldBase.name,
  description: fieldBase.description,
  type: z.literal("autodate"),
  onCreate: z.boolean().optional(),
  onUpdate: z.boolean().optional(),
  // What the stored model says of every autodate field, so a model read back applies unchanged.
  required: z.literal(false).optional(),
  nullable: z.literal(true).optional(),
  unique: z.literal(false).optional(),
});

export const fieldSchema = z.discriminatedUnion("type", [
  textField,
  emailField,
  urlField,
  integerField,
  numberField,
  decimalField,
  booleanField,
  jsonField,
  datetimeField,
  dateField,
  uuidField,
  selectField,
  relationField,
  autodateField,
]);

export const FIELD_TYPES = [
  "text",
  "email",
  "url",
  "integer",
  "number",
  "decimal",
  "boolean",
  "json",
  "datetime",
  "date",
  "uuid",
  "select",
  "relation",
  "autodate",
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const indexSchema = z.strictObject({
  fields: z.array(identifierSchema).min(1).max(8),
  unique: z.boolean().optional(),
});

const ruleSchema = z.string().max(4096).nullable().optional();

export const rulesSchema = z.strictObject(
  Object.fromEntries(RECORD_OPERATIONS.map((op) => [op, ruleSchema])) as Record<(typeof RECORD_OPERATIONS)[number], typeof ruleSchema>,
);

export const collectionSchema = z.strictObject({
  id: modelId("c").optional(),
  name: collectionNameSchema,
  description: z.string().max(500).optional(),
  fields: z.array(fieldSchema).max(200),
  indexes: z.array(indexSchema).max(64).optional(),
  /**
   * Access rules per operation, in the filter language. Absent or null: only project admins and
   * API keys with the permission; `""`: everyone; otherwise an expression that must hold.
   */
  rules: rulesSchema.optional(),
});

/** The project's whole data model: the single source the designer, CLI and management API edit. */
export const modelDocumentSchema = z.strictObject({
  collections: z.array(collectionSchema).max(200),
});

export type FieldInput = z.input<typeof fieldSchema>;
export type CollectionInput = z.input<typeof collectionSchema>;
export type ModelDocumentInput = z.input<typeof modelDocumentSchema>;
export type FieldDefinition = z.output<typeof fieldSchema>;
export type IndexDefinition = z.output<typeof indexSchema>;

// ── Normalized model: every optional decision made explicit, ids assigned ───────────────────

type Normalized<T> = T extends { type: "autodate" }
  ? Omit<T, "onCreate" | "onUpdate"> & { id: string; onCreate: boolean; onUpdate: boolean; required: false; nullable: true; unique: false }
  : T extends { type: "relation" }
    ? Omit<T, "required" | "nullable" | "unique" | "multiple" | "onDelete"> & {
        id: string;
        required: boolean;
        nullable: boolean;
        unique: boolean;
        multiple: boolean;
        onDelete: (typeof ON_DELETE)[number];
      }
    : T extends { type: "select" }
      ? Omit<T, "required" | "nullable" | "unique" | "multiple"> & {
          id: string;
          required: boolean;
          nullable: boolean;
          unique: boolean;
          multiple: boolean;
        }
      : Omit<T, "required" | "nullable" | "unique"> & { id: string; required: boolean; nullable: boolean; unique: boolean };

export type Field = Normalized<FieldDefinition>;
export type FieldOf<T extends FieldType> = Extract<Field, { type: T }>;

export interface Index {
  fields: string[];
  unique: boolean;
}

export type Rules = Record<(typeof RECORD_OPERATIONS)[number], string | null>;

export interface Collection {
  id: string;
  name: string;
  description?: string;
  fields: Field[];
  indexes: Index[];
  rules: Rules;
}

export interface ModelDocument {
  collections: Collection[];
}

// ── Schema changes ──────────────────────────────────────────────────────────────────────────

export const applyInputSchema = z.strictObject({
  /** The version the change was made against; a different current version is refused (409). */
  baseVersion: z.number().int().min(0),
  schema: modelDocumentSchema,
  message: z.string().max(1000).optional(),
});
export type ApplyInput = z.input<typeof applyInputSchema>;

export const rollbackInputSchema = z.strictObject({
  toVersion: z.number().int().min(0),
  baseVersion: z.number().int().min(0),
  message: z.string().max(1000).optional(),
});
export type RollbackInput = z.input<typeof rollbackInputSchema>;

// ── Record queries ──────────────────────────────────────────────────────────────────────────

export const MAX_PER_PAGE = 500;
export const MAX_FILTER_BYTES = 4096;
export const MAX_EXPAND_DEPTH = 3;
export const MAX_BATCH = 100;

const csv = z.union([z.string().max(2000), z.array(z.string().max(200)).max(100)]).optional();

export const listQuerySchema = z.strictObject({
  filter: z.string().optional(),
  /** Comma-separated fields; `-` in front for descending, e.g. `-created,title`. */
  sort: csv,
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  perPage: z.coerce.number().int().min(1).optional(),
  /** Count all matching records (costs a second query; off by default). */
  count: z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]).optional(),
  /** Continue after the record this opaque cursor (from a previous page) points at; excludes `page`. */
  cursor: z.string().max(4096).optional(),
  fields: csv,
  expand: csv,
});
export type ListQuery = z.input<typeof listQuerySchema>;

export const viewOptionsSchema = z.strictObject({ fields: csv, expand: csv });
export type ViewOptions = z.input<typeof viewOptionsSchema>;

export const recordInputSchema = z.record(z.string().max(200), z.unknown());

export const batchOperationSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("create"), collection: z.string().max(100), data: recordInputSchema }),
  z.strictObject({ action: z.literal("update"), collection: z.string().max(100), id: z.string().max(100), data: recordInputSchema }),
  z.strictObject({ action: z.literal("delete"), collection: z.string().max(100), id: z.string().max(100) }),
]);
export const batchInputSchema = z.array(batchOperationSchema).min(1);
export type BatchOperation = z.input<typeof batchOperationSchema>;

export const expressionCheckSchema = z.strictObject({
  collection: z.string().max(100),
  expression: z.string(),
  /** `filter` cannot use `body`; a rule for create or update can. */
  kind: z.enum(["filter", "rule"]).default("filter"),
  operation: z.enum(RECORD_OPERATIONS).optional(),
});
