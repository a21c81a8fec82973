import type { ModelDocument } from "../../server/modules/data/schema";

/**
 * The designer's working copy of a project's data model, and the edits it makes to it. Pure
 * functions over plain objects, so the canvas, the side panel and the YAML tab share one state
 * and the rules here are unit-tested. What is sent to the server is `toDocument(draft)`.
 */

// Mirrors of the server's constants (server/modules/data/schema.ts), which the browser cannot import as values.
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
export const ON_DELETE = ["cascade", "set null", "restrict"] as const;
export const RECORD_OPERATIONS = ["list", "view", "create", "update", "delete"] as const;
export type RecordOperation = (typeof RECORD_OPERATIONS)[number];

/** A field as the document has it: `name`, `type` and the type's options. */
export type DraftField = { id?: string; name: string; type: FieldType } & Record<string, unknown>;

export interface DraftIndex {
  fields: string[];
  unique?: boolean;
}

export interface DraftCollection {
  /** Client-only identity (stable across renames, never sent). */
  key: string;
  id?: string;
  name: string;
  description?: string;
  fields: DraftField[];
  indexes: DraftIndex[];
  rules: Partial<Record<RecordOperation, string | null>>;
}

export interface DraftModel {
  collections: DraftCollection[];
}

/** Options each type accepts besides the common ones (name, description, required, nullable, unique, default). */
export const TYPE_OPTIONS: Record<FieldType, readonly string[]> = {
  text: ["min", "max", "pattern", "default"],
  email: ["min", "max", "default"],
  url: ["min", "max", "default"],
  integer: ["min", "max", "default"],
  number: ["min", "max", "default"],
  decimal: ["min", "max", "scale", "default"],
  boolean: ["default"],
  json: ["maxSize", "default"],
  datetime: ["min", "max", "default"],
  date: ["min", "max", "default"],
  uuid: ["default"],
  select: ["values", "multiple", "min", "max", "default"],
  relation: ["collection", "multiple", "onDelete", "min", "max"],
  autodate: ["onCreate", "onUpdate"],
};

const COMMON = ["id", "name", "type", "description", "required", "nullable", "unique"];

let keySeq = 0;
const newKey = () => `k${Date.now().toString(36)}${(keySeq++).toString(36)}`;

/** A draft of a document; collections that `previous` has (by id, else name) keep their key, so their place on the canvas. */
export function fromDocument(doc: ModelDocument | { collections: Array<Record<string, unknown>> }, previous?: DraftModel): DraftModel {
  const keyOf = (c: Record<string, unknown>) =>
    previous?.collections.find((p) => (c.id && p.id === c.id) || p.name === c.name)?.key ?? newKey();
  return {
    collections: (doc.collections as Array<Record<string, unknown>>).map((c) => ({
      key: keyOf(c),
      ...(c.id ? { id: c.id as string } : {}),
      name: String(c.name ?? ""),
      ...(c.description ? { description: String(c.description) } : {}),
      fields: ((c.fields as DraftField[] | undefined) ?? []).map((f) => stripNormalized({ ...f })),
      indexes: ((c.indexes as DraftIndex[] | undefined) ?? []).map((i) => ({
        fields: [...i.fields],
        ...(i.unique ? { unique: true } : {}),
      })),
      rules: { ...((c.rules as DraftCollection["rules"] | undefined) ?? {}) },
    })),
  };
}

/** Drops what normalization made explicit but the document schema does not accept (autodate's constraints). */
function stripNormalized(f: DraftField): DraftField {
  if (f.type === "autodate") {
    const { required: _r, nullable: _n, unique: _u, ...rest } = f;
    return rest as DraftField;
  }
  return f;
}

/** The model document to send: only the options each type accepts, nothing empty. */
export function toDocument(model: DraftModel): { collections: Array<Record<string, unknown>> } {
  return {
    collections: model.collections.map((c) => {
      const rules = Object.fromEntries(
        RECORD_OPERATIONS.filter((op) => c.rules[op] !== undefined && c.rules[op] !== null).map((op) => [op, c.rules[op]]),
      );
      return {
        ...(c.id ? { id: c.id } : {}),
        name: c.name,
        ...(c.description ? { description: c.description } : {}),
        fields: c.fields.map(cleanField),
        ...(c.indexes.length ? { indexes: c.indexes.map((i) => ({ fields: i.fields, ...(i.unique ? { unique: true } : {}) })) } : {}),
        ...(Object.keys(rules).length ? { rules } : {}),
      };
    }),
  };
}

export function cleanField(f: DraftField): Record<string, unknown> {
  const allowed = new Set([...COMMON, ...TYPE_OPTIONS[f.type]]);
  if (f.type === "autodate") for (const k of ["required", "nullable", "unique"]) allowed.delete(k);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (!allowed.has(k) || v === undefined || v === "" || (Array.isArray(v) && v.length === 0 && k !== "default")) continue;
    out[k] = v;
  }
  return out;
}

/** A name not yet taken, e.g. `collection_2`. */
export function freeName(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}

export function addCollection(model: DraftModel, name?: string): { model: DraftModel; collection: DraftCollection } {
  const collection: DraftCollection = {
    key: newKey(),
    name:
      name ??
      freeName(
        "collection",
        model.collections.map((c) => c.name),
      ),
    fields: [],
    indexes: [],
    rules: {},
  };
  return { model: { collections: [...model.collections, collection] }, collection };
}

export function updateCollection(model: DraftModel, key: string, change: (c: DraftCollection) => DraftCollection): DraftModel {
  return { collections: model.collections.map((c) => (c.key === key ? change(c) : c)) };
}

/** Renames a collection and every relation that points to it. */
export function renameCollection(model: DraftModel, key: string, name: string): DraftModel {
  const old = model.collections.find((c) => c.key === key)?.name;
  return {
    collections: model.collections.map((c) => ({
      ...c,
      name: c.key === key ? name : c.name,
      fields: c.fields.map((f) => (f.type === "relation" && f.collection === old ? { ...f, collection: name } : f)),
    })),
  };
}

/** Removes a collection and the relation fields (and their indexes) that point to it. */
export function removeCollection(model: DraftModel, key: string): DraftModel {
  const gone = model.collections.find((c) => c.key === key)?.name;
  return {
    collections: model.collections
      .filter((c) => c.key !== key)
      .map((c) => {
        const dropped = c.fields.filter((f) => f.type === "relation" && f.collection === gone).map((f) => f.name);
        return dropped.length
          ? {
              ...c,
              fields: c.fields.filter((f) => !dropped.includes(f.name)),
              indexes: c.indexes.filter((i) => !i.fields.some((n) => dropped.includes(n))),
            }
          : c;
      }),
  };
}

/** A new field of a type with the options it needs to be valid. */
export function newField(type: FieldType, taken: Iterable<string>, model?: DraftModel): DraftField {
  const name = freeName(type === "relation" ? "link" : "field", taken);
  switch (type) {
    case "select":
      return { name, type, values: ["option_a", "option_b"] };
    case "relation":
      return { name, type, collection: model?.collections[0]?.name ?? "" };
    case "autodate":
      return { name, type, onCreate: true, onUpdate: false };
    default:
      return { name, type };
  }
}

export function addField(model: DraftModel, key: string, field: DraftField): DraftModel {
  return updateCollection(model, key, (c) => ({ ...c, fields: [...c.fields, field] }));
}

/** Replaces a field (by position); a rename follows into the collection's indexes. */
export function updateField(model: DraftModel, key: string, index: number, field: DraftField): DraftModel {
  return updateCollection(model, key, (c) => {
    const old = c.fields[index];
    if (!old) return c;
    const fields = c.fields.map((f, i) => (i === index ? field : f));
    const indexes =
      old.name !== field.name
        ? c.indexes.map((ix) => ({ ...ix, fields: ix.fields.map((n) => (n === old.name ? field.name : n)) }))
        : c.indexes;
    return { ...c, fields, indexes };
  });
}

/** Changes a field's type, keeping its name, id and common constraints, dropping options of the old type. */
export function changeFieldType(field: DraftField, type: FieldType, model?: DraftModel): DraftField {
  const fresh = newField(type, [], model);
  const kept = Object.fromEntries(Object.entries(field).filter(([k]) => COMMON.includes(k)));
  return { ...fresh, ...kept, type, name: field.name };
}

/** Moves a field one place up (-1) or down (+1); the column order of new tables and of the API follows. */
export function moveField(model: DraftModel, key: string, index: number, by: -1 | 1): DraftModel {
  return updateCollection(model, key, (c) => {
    const to = index + by;
    if (to < 0 || to >= c.fields.length) return c;
    const fields = [...c.fields];
    [fields[index], fields[to]] = [fields[to]!, fields[index]!];
    return { ...c, fields };
  });
}

export function removeField(model: DraftModel, key: string, index: number): DraftModel {
  return updateCollection(model, key, (c) => {
    const name = c.fields[index]?.name;
    return { ...c, fields: c.fields.filter((_, i) => i !== index), indexes: c.indexes.filter((ix) => !ix.fields.includes(name ?? "")) };
  });
}

/** Drag from one collection to another: a to-one relation field on the source, named after the target. */
export function addRelation(model: DraftModel, sourceKey: string, targetKey: string): { model: DraftModel; field: DraftField | null } {
  const source = model.collections.find((c) => c.key === sourceKey);
  const target = model.collections.find((c) => c.key === targetKey);
  if (!source || !target) return { model, field: null };
  const field: DraftField = {
    name: freeName(
      target.name.slice(0, 60),
      source.fields.map((f) => f.name),
    ),
    type: "relation",
    collection: target.name,
  };
  return { model: addField(model, sourceKey, field), field };
}

export interface RelationEdge {
  id: string;
  source: string;
  target: string;
  field: string;
  multiple: boolean;
  required: boolean;
}

/** Relations as edges between collection keys (source holds the field). */
export function relationEdges(model: DraftModel): RelationEdge[] {
  const byName = new Map(model.collections.map((c) => [c.name, c.key]));
  return model.collections.flatMap((c) =>
    c.fields.flatMap((f) => {
      const target = f.type === "relation" ? byName.get(String(f.collection)) : undefined;
      return target
        ? [{ id: `${c.key}:${f.name}`, source: c.key, target, field: f.name, multiple: f.multiple === true, required: f.required === true }]
        : [];
    }),
  );
}

/**
 * A simple layered layout: collections that others point to stand left of those pointing at
 * them (level = longest relation path away from a collection with no outgoing relations).
 */
export function layeredLayout(
  model: DraftModel,
  size: { width: number; rowHeight: number; header: number; gapX: number; gapY: number } = {
    width: 260,
    rowHeight: 26,
    header: 48,
    gapX: 120,
    gapY: 48,
  },
): Record<string, { x: number; y: number }> {
  const edges = relationEdges(model).filter((e) => e.source !== e.target);
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (key: string): number => {
    if (level.has(key)) return level.get(key)!;
    if (visiting.has(key)) return 0; // a cycle: break it here
    visiting.add(key);
    const out = edges.filter((e) => e.source === key);
    const d = out.length ? Math.max(...out.map((e) => depth(e.target) + 1)) : 0;
    visiting.delete(key);
    level.set(key, d);
    return d;
  };
  for (const c of model.collections) depth(c.key);
  const columns = new Map<number, DraftCollection[]>();
  for (const c of model.collections) columns.set(level.get(c.key)!, [...(columns.get(level.get(c.key)!) ?? []), c]);
  const positions: Record<string, { x: number; y: number }> = {};
  for (const [l, cs] of columns) {
    let y = 0;
    for (const c of cs) {
      positions[c.key] = { x: l * (size.width + size.gapX), y };
      y += size.header + Math.max(c.fields.length, 1) * size.rowHeight + size.gapY;
    }
  }
  return positions;
}

/** Whether two drafts would send the same document. */
export function sameDocument(a: DraftModel, b: DraftModel): boolean {
  return JSON.stringify(toDocument(a)) === JSON.stringify(toDocument(b));
}

/** Reads a document typed in the YAML/JSON tab; the shape is checked by the server on review. */
export function parseDocumentText(value: unknown, previous?: DraftModel): DraftModel {
  if (!value || typeof value !== "object" || !Array.isArray((value as { collections?: unknown }).collections))
    throw new Error("collections");
  for (const c of (value as { collections: unknown[] }).collections) {
    if (
      !c ||
      typeof c !== "object" ||
      typeof (c as { name?: unknown }).name !== "string" ||
      !Array.isArray((c as { fields?: unknown }).fields ?? [])
    )
      throw new Error("collection");
    for (const f of ((c as { fields?: unknown[] }).fields ?? []) as unknown[]) {
      if (
        !f ||
        typeof f !== "object" ||
        typeof (f as { name?: unknown }).name !== "string" ||
        !(FIELD_TYPES as readonly string[]).includes((f as { type?: string }).type ?? "")
      )
        throw new Error("field");
    }
  }
  return fromDocument(value as { collections: Array<Record<string, unknown>> }, previous);
}
