import { sql, type RawBuilder } from "kysely";
import type { SqlFunctions } from "../../../platform/db/sql-functions";
import { AppError } from "../../../platform/errors/app-error";
import { fieldKind } from "../fields/registry";
import { isRelation } from "../model/normalize";
import { MAX_EXPAND_DEPTH, type Field } from "../schema";
import type { CollectionRuntime, ProjectRuntime } from "../runtime";
import type { ModelSql } from "../storage/namespace";

type Sql = RawBuilder<unknown>;

export interface SortKey {
  field: Field;
  descending: boolean;
}

/** `a,b` or `["a","b"]` as a list of trimmed, non-empty names. */
export function csvList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = Array.isArray(value) ? value.flatMap((v) => v.split(",")) : value.split(",");
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Parses `-created,title`; `id` is always appended as the final tiebreaker (stable pages, cursors). */
export function parseSort(c: CollectionRuntime, sort: string | string[] | undefined): SortKey[] {
  const keys: SortKey[] = [];
  for (const part of csvList(sort).slice(0, 8)) {
    const descending = part.startsWith("-");
    const name = part.replace(/^[-+]/, "");
    const field = c.index.fields.get(name);
    if (!field) throw new AppError("unknown_field", 400, { collection: c.name, field: name.slice(0, 100) });
    // What an index cannot order cannot be sorted either (json, multi-valued fields).
    if (!fieldKind(field).indexable(field)) throw new AppError("not_sortable", 400, { collection: c.name, field: name });
    if (keys.some((k) => k.field.name === name)) continue;
    keys.push({ field, descending });
  }
  if (!keys.some((k) => k.field.name === "id")) keys.push({ field: c.index.fields.get("id")!, descending: false });
  return keys;
}

function sortExpr(names: ModelSql, fns: SqlFunctions, c: CollectionRuntime, key: SortKey, alias: string): Sql {
  const col = names.column(c.name, key.field.name, alias);
  const order = fieldKind(key.field).order;
  return order ? order.column(col, fns) : col;
}

export function orderBy(names: ModelSql, fns: SqlFunctions, c: CollectionRuntime, keys: SortKey[], alias: string): Sql {
  return sql.join(
    keys.map((k) => {
      const e = sortExpr(names, fns, c, k, alias);
      // Nullable columns get the same null placement on both databases: first ascending, last descending.
      const nulls = k.field.nullable ? (k.descending ? sql` nulls last` : sql` nulls first`) : sql``;
      return k.descending ? sql`${e} desc${nulls}` : sql`${e} asc${nulls}`;
    }),
  );
}

function signature(keys: SortKey[]): string {
  return keys.map((k) => `${k.descending ? "-" : ""}${k.field.name}`).join(",");
}

/** An opaque cursor: the sort it belongs to and the last record's sort values. */
export function encodeCursor(keys: SortKey[], record: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify([signature(keys), ...keys.map((k) => record[k.field.name] ?? null)])).toString("base64url");
}

export function decodeCursor(keys: SortKey[], cursor: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new AppError("invalid_cursor", 400);
  }
  if (!Array.isArray(parsed) || parsed.length !== keys.length + 1 || parsed[0] !== signature(keys))
    throw new AppError("invalid_cursor", 400);
  const values = parsed.slice(1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const field = keys[i]!.field;
    if (v === null ? !field.nullable : !cursorValueFits(field, v)) throw new AppError("invalid_cursor", 400);
  }
  return values;
}

/** Whether a cursor value has the field's type (a forged cursor must not reach SQL as a type error). */
function cursorValueFits(field: Field, v: unknown): boolean {
  return fieldKind(field).cursorFits(field, v);
}

/** Rows strictly after the cursor in the sort order (nulls first ascending, last descending). */
export function afterCursor(
  names: ModelSql,
  fns: SqlFunctions,
  c: CollectionRuntime,
  keys: SortKey[],
  values: unknown[],
  alias: string,
): Sql {
  const value = (k: SortKey, v: unknown): Sql => {
    const order = fieldKind(k.field).order;
    return order ? sql`${order.param(v)}` : sql`${v}`;
  };
  const equal = (k: SortKey, v: unknown): Sql => {
    const e = sortExpr(names, fns, c, k, alias);
    return v === null ? sql`${e} is null` : sql`${e} = ${value(k, v)}`;
  };
  const beyond = (k: SortKey, v: unknown): Sql => {
    const e = sortExpr(names, fns, c, k, alias);
    if (k.descending)
      return v === null ? sql`false` : k.field.nullable ? sql`(${e} < ${value(k, v)} or ${e} is null)` : sql`${e} < ${value(k, v)}`;
    return v === null ? sql`${e} is not null` : sql`${e} > ${value(k, v)}`;
  };
  const alternatives = keys.map((k, i) => {
    const prefix = keys.slice(0, i).map((p, j) => equal(p, values[j]));
    return sql`(${sql.join([...prefix, beyond(k, values[i])], sql` and `)})`;
  });
  return sql`(${sql.join(alternatives, sql` or `)})`;
}

/** The requested top-level fields, or null for all. */
export function parseFields(c: CollectionRuntime, fields: string | string[] | undefined): Set<string> | null {
  const list = csvList(fields);
  if (list.length === 0 || list.includes("*")) return null;
  for (const name of list)
    if (name !== "expand" && !c.index.fields.has(name))
      throw new AppError("unknown_field", 400, { collection: c.name, field: name.slice(0, 100) });
  return new Set(list);
}

/** Relations to expand, as a tree: `{ author: { org: {} }, tags: {} }`. */
export interface ExpandTree {
  [field: string]: ExpandTree;
}

export function parseExpand(rt: ProjectRuntime, c: CollectionRuntime, expand: string | string[] | undefined): ExpandTree {
  const tree: ExpandTree = {};
  for (const path of csvList(expand).slice(0, 32)) {
    const segments = path.split(".");
    if (segments.length > MAX_EXPAND_DEPTH) throw new AppError("expand_too_deep", 400, { path: path.slice(0, 200), max: MAX_EXPAND_DEPTH });
    let collection = c;
    let node = tree;
    for (const name of segments) {
      const field = collection.index.fields.get(name);
      if (!field) throw new AppError("unknown_field", 400, { collection: collection.name, field: name.slice(0, 100) });
      if (!isRelation(field)) throw new AppError("not_expandable", 400, { collection: collection.name, field: name });
      node = node[name] ??= {};
      collection = rt.collection(field.collection);
    }
  }
  return tree;
}
