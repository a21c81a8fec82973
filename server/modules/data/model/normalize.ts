import { FIELD_KINDS } from "../fields/registry";
import { newModelId } from "../ids";
import type { Collection, CollectionInput, Field, FieldInput, FieldOf, Index, ModelDocument, ModelDocumentInput, Rules } from "../schema";
import { RECORD_OPERATIONS } from "../types";

/**
 * Makes every decision of a (zod-parsed) model document explicit: nullability, uniqueness,
 * relation cardinality and on-delete, rules, and ids. Ids come, in order, from the document, from
 * the current model (same collection name, or same field name in the same collection — so
 * hand-written YAML without ids keeps its data), or fresh.
 */
export function normalizeModel(input: ModelDocumentInput, current: ModelDocument = { collections: [] }): ModelDocument {
  const currentByName = new Map(current.collections.map((c) => [c.name, c]));
  const currentById = new Map(current.collections.map((c) => [c.id, c]));
  return {
    collections: input.collections.map((c) => {
      const previous = (c.id ? currentById.get(c.id) : undefined) ?? (c.id ? undefined : currentByName.get(c.name));
      return normalizeCollection(c, previous);
    }),
  };
}

function normalizeCollection(input: CollectionInput, previous: Collection | undefined): Collection {
  const prevFields = new Map((previous?.fields ?? []).map((f) => [f.name, f]));
  const fields = input.fields.map((f) => normalizeField(f, f.id ? undefined : prevFields.get(f.name)));
  const rules = Object.fromEntries(RECORD_OPERATIONS.map((op) => [op, input.rules?.[op] ?? null])) as Rules;
  const indexes: Index[] = (input.indexes ?? []).map((i) => ({ fields: [...i.fields], unique: i.unique ?? false }));
  const out: Collection = { id: input.id ?? previous?.id ?? newModelId("c"), name: input.name, fields, indexes, rules };
  if (input.description !== undefined) out.description = input.description;
  return out;
}

export function normalizeField(input: FieldInput, previous?: Field): Field {
  const definition = { ...input, id: input.id ?? previous?.id ?? newModelId("f") };
  // Each type makes its own options explicit (required, nullable, unique; a select's `multiple`…).
  return stripUndefined(FIELD_KINDS[input.type].normalize(definition as never));
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** System fields every collection has; not listed in `fields`. */
export const SYSTEM_FIELDS: readonly Field[] = [
  { id: "id", name: "id", type: "text", required: true, nullable: false, unique: true },
  { id: "created", name: "created", type: "autodate", onCreate: true, onUpdate: false, required: false, nullable: true, unique: false },
  { id: "updated", name: "updated", type: "autodate", onCreate: true, onUpdate: true, required: false, nullable: true, unique: false },
] as Field[];

export const SYSTEM_FIELD_NAMES = new Set(SYSTEM_FIELDS.map((f) => f.name));

/** A collection with lookup tables, built once per model version. */
export interface CollectionIndex {
  collection: Collection;
  /** User fields and system fields by name. */
  fields: Map<string, Field>;
}

export interface ModelIndex {
  model: ModelDocument;
  collections: Map<string, CollectionIndex>;
  byId: Map<string, CollectionIndex>;
}

export function indexModel(model: ModelDocument): ModelIndex {
  const collections = new Map<string, CollectionIndex>();
  const byId = new Map<string, CollectionIndex>();
  for (const c of model.collections) {
    const fields = new Map<string, Field>();
    for (const f of SYSTEM_FIELDS) fields.set(f.name, f);
    for (const f of c.fields) fields.set(f.name, f);
    const entry = { collection: c, fields };
    collections.set(c.name, entry);
    byId.set(c.id, entry);
  }
  return { model, collections, byId };
}

/** Whether a field is a value column in the collection's table (to-many relations live in junction tables). */
export function hasColumn(field: Field): boolean {
  return !isToManyRelation(field);
}

/**
 * Relations are more than a field type: foreign keys, junction tables, expand, paths in filters.
 * The code for those asks these (the rest of what differs per type is in `fields/`).
 */
export function isRelation(field: Field): field is FieldOf<"relation"> {
  return field.type === "relation";
}

export function isToManyRelation(field: Field): field is Extract<Field, { type: "relation" }> & { multiple: true } {
  return field.type === "relation" && field.multiple;
}

export function isToOneRelation(field: Field): field is Extract<Field, { type: "relation" }> {
  return field.type === "relation" && !field.multiple;
}
