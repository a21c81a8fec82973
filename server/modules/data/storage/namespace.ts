import crypto from "node:crypto";
import { sql, type RawBuilder } from "kysely";
import type { Database } from "../../../platform/db/connect";
import { assertSafeIdentifier, type DbKind } from "../../../platform/db/dialect";
import { AppError } from "../../../platform/errors/app-error";
import type { Field } from "../schema";
import type { CollectionIndex, ModelIndex } from "../model/normalize";
import type { ProjectId } from "../types";

/**
 * Where a project's tables live. This is the one place that maps a project to storage:
 * PostgreSQL gives each project a schema (`prj_<project>`, or `<base>_prj_<project>` when apprun
 * itself runs in schema `<base>`, so two installations or test suites sharing a database never
 * meet); SQLite prefixes table and index names with `prj_<project>__`.
 *
 * Local names inside a project: a collection's table is its name; managed tables start with an
 * underscore, which collection names cannot: `_rel_<fieldId>` (junction of a to-many relation),
 * `_ret_<id>` (data retained after a drop), `_tmp_<name>` (SQLite table rebuilds).
 */
export interface ProjectNamespace {
  readonly project: ProjectId;
  readonly kind: DbKind;
  /** The PostgreSQL schema of the project; null on SQLite. */
  readonly schema: string | null;
  /** A quoted, qualified table reference. */
  table(local: string): RawBuilder<unknown>;
  /** The table's physical name (unqualified), e.g. for catalog queries. */
  physicalTable(local: string): string;
  /** The index's physical name (unqualified, as `create index` wants it). */
  indexName(local: string): RawBuilder<unknown>;
  /** A quoted, qualified index reference (as `drop index` wants it). */
  index(local: string): RawBuilder<unknown>;
  /** SQL that creates the project's schema if needed (PostgreSQL); null on SQLite. */
  createSql(): RawBuilder<unknown> | null;
}

const LOCAL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function local(name: string): string {
  if (!LOCAL_NAME.test(name)) throw new AppError("invalid_identifier", 400, { name, what: "table" });
  return name;
}

export function projectNamespace(database: Pick<Database, "kind" | "schema">, project: ProjectId): ProjectNamespace {
  if (database.kind === "postgres") {
    const schema = `${database.schema ? `${database.schema}_` : ""}prj_${project}`;
    assertSafeIdentifier(schema, "schema");
    return {
      project,
      kind: "postgres",
      schema,
      table: (name) => sql.id(schema, local(name)),
      physicalTable: (name) => local(name),
      indexName: (name) => sql.id(local(name)),
      index: (name) => sql.id(schema, local(name)),
      createSql: () => sql`create schema if not exists ${sql.id(schema)}`,
    };
  }
  const prefix = `prj_${project}__`;
  return {
    project,
    kind: "sqlite",
    schema: null,
    table: (name) => sql.id(prefix + local(name)),
    physicalTable: (name) => prefix + local(name),
    indexName: (name) => sql.id(prefix + local(name)),
    index: (name) => sql.id(prefix + local(name)),
    createSql: () => null,
  };
}

/** The SQLite `LIKE` pattern matching every table of a project (underscores escaped). */
export function sqlitePrefixPattern(project: ProjectId): string {
  return `prj\\_${project}\\_\\_%`;
}

export const junctionTable = (field: Pick<Field, "id">) => `_rel_${field.id}`;
export const retainedTable = (id: string) => `_ret_${id}`;
export const rebuildTable = (collection: string) => `_tmp_${collection}`;

function shortHash(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex").slice(0, 20);
}

/** Index names depend on the collection's and fields' ids, so renames never touch them. */
export function indexLocalName(collectionId: string, fieldIds: readonly string[], unique: boolean): string {
  return `${unique ? "ux" : "ix"}_${shortHash(`${collectionId}:${fieldIds.join(",")}:${unique}`)}`;
}

export function foreignKeyName(fieldId: string): string {
  return `fk_${fieldId}`;
}

/**
 * Identifiers of user-defined tables and columns reach SQL only through here: each call checks
 * that the model declares the collection or field, and that the name is a safe identifier, then
 * quotes it. Anything else is an `unknown_field` / `collection_not_found` AppError, never SQL.
 */
export interface ModelSql {
  readonly ns: ProjectNamespace;
  readonly model: ModelIndex;
  collection(name: string): CollectionIndex;
  /** The quoted table of a declared collection. */
  table(collection: string): RawBuilder<unknown>;
  /** `alias.column` for a declared field that has a column. */
  column(collection: string, field: string, alias: string): RawBuilder<unknown>;
  /** A bare quoted column name (for insert lists and DDL). */
  columnName(collection: string, field: string): RawBuilder<unknown>;
  /** The junction table of a declared to-many relation. */
  junction(collection: string, field: string): RawBuilder<unknown>;
}

export function modelSql(ns: ProjectNamespace, model: ModelIndex): ModelSql {
  function collection(name: string): CollectionIndex {
    const c = model.collections.get(name);
    if (!c) throw new AppError("collection_not_found", 404, { collection: name });
    return c;
  }
  function field(coll: string, name: string): Field {
    const f = collection(coll).fields.get(name);
    if (!f) throw new AppError("unknown_field", 400, { collection: coll, field: name });
    return f;
  }
  return {
    ns,
    model,
    collection,
    table: (name) => ns.table(assertSafeIdentifier(collection(name).collection.name, "collection")),
    column(coll, name, alias) {
      const f = field(coll, name);
      if (f.type === "relation" && f.multiple) throw new AppError("unknown_field", 400, { collection: coll, field: name });
      return sql.id(assertSafeIdentifier(alias, "alias"), assertSafeIdentifier(f.name, "field"));
    },
    columnName(coll, name) {
      return sql.id(assertSafeIdentifier(field(coll, name).name, "field"));
    },
    junction(coll, name) {
      const f = field(coll, name);
      if (!(f.type === "relation" && f.multiple)) throw new AppError("unknown_field", 400, { collection: coll, field: name });
      return ns.table(junctionTable(f));
    },
  };
}
