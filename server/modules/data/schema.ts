import { z } from "zod";
import { collectionNameSchema, identifierSchema, modelId } from "./fields/definition";
import { FIELD_DEFINITIONS, type Field } from "./fields/registry";
import { RECORD_OPERATIONS } from "./types";

/**
 * The zod schemas of everything the data module accepts: the model document (collections,
 * fields, indexes, rules) and the record queries. The console designer, the CLI and the
 * management API all send the same document; semantic checks the schema cannot express (reserved
 * names, relation targets, cycles, rule fields) are in `model/validate-model.ts`.
 */

export { collectionNameSchema, identifierSchema, isRealDate, MAX_TIME, MIN_TIME } from "./fields/definition";
export { ON_DELETE } from "./fields/relation";
export { FIELD_TYPES, type Field, type FieldOf, type FieldType } from "./fields/registry";

/** A field's definition: one of the field types' (`fields/registry.ts`), told apart by `type`. */
export const fieldSchema = z.discriminatedUnion("type", FIELD_DEFINITIONS);

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

// ── Normalized model: every optional decision made explicit, ids assigned (see `fields/`) ─────

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
