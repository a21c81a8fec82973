import crypto from "node:crypto";
import { sql, type RawBuilder } from "kysely";
import type { Database } from "../../../platform/db/connect";
import { assertSafeIdentifier, type DbKind } from "../../../platform/db/dialect";
import { projectNamespace as platformNamespace, type ProjectNamespace as PlatformNamespace } from "../../../platform/db/project-namespace";
import { AppError } from "../../../platform/errors/app-error";
import type { Field } from "../schema";
import { isToManyRelation, type CollectionIndex, type ModelIndex } from "../model/normalize";
import type { ProjectId } from "../types";

/**
 * Where a project's tables live. The mapping itself is the platform's (one for every module,
 * `platform/db/project-namespace.ts`): PostgreSQL gives each project a schema named by its id;
 * SQLite prefixes table and index names with `<project>__`. This adapter is the only door the data
 * module uses to it.
 *
 * Local names inside a project: a collection's table is its name; managed tables start with an
 * underscore, which collection names cannot: `_rel_<fieldId>` (junction of a to-many relation),
 * `_ret_<id>` (data retained after a drop), `_tmp_<collectionId>` (renames, SQLite rebuilds).
 */
export interface ProjectNamespace {
  readonly project: ProjectId;
  readonly kind: DbKind;
  /** The PostgreSQL schema of the project; null on SQLite. */
  readonly schema: string | null;
  /** A quoted, qualified table reference. */
  table(local: string): RawBuilder<unknown>;
  /** The table's physical name (unqualified), e.g. for catalog queries and `rename to`. */
  physicalTable(local: string): string;
  /** The index's physical name (unqualified, as `create index` wants it). */
  indexName(local: string): RawBuilder<unknown>;
  /** A quoted, qualified index reference (as `drop index` wants it). */
  index(local: string): RawBuilder<unknown>;
  /** The platform's view of the same namespace (create and drop it). */
  readonly platform: PlatformNamespace;
}

const LOCAL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Schemas a project id must never name: dropping a project drops its schema. */
const RESERVED_SCHEMA = /^(public|information_schema|pg_.*)$/;

function local(name: string): string {
  if (!LOCAL_NAME.test(name)) throw new AppError("invalid_identifier", 400, { name, what: "table" });
  return name;
}

export function projectNamespace(database: Pick<Database, "kind" | "schema">, project: ProjectId): ProjectNamespace {
  if (RESERVED_SCHEMA.test(project) || project === database.schema) throw new AppError("invalid_project_id", 400, { project });
  const platform = platformNamespace(database.kind, project);
  const physical = (name: string) => platform.tableName(local(name));
  return {
    project,
    kind: database.kind,
    schema: platform.schema,
    platform,
    table: (name) => platform.table(local(name)),
    physicalTable: physical,
    indexName: (name) => sql.id(physical(name)),
    index: (name) => (platform.schema ? sql.id(platform.schema, physical(name)) : sql.id(physical(name))),
  };
}

export const junctionTable = (field: Pick<Field, "id">) => `_rel_${field.id}`;
export const retainedTable = (id: string) => `_ret_${id}`;
/** A temporary table name from a collection or field id (short, whatever the collection is called). */
export const rebuildTable = (id: string) => `_tmp_${id}`;

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
      if (isToManyRelation(f)) throw new AppError("unknown_field", 400, { collection: coll, field: name });
      return sql.id(assertSafeIdentifier(alias, "alias"), assertSafeIdentifier(f.name, "field"));
    },
    columnName(coll, name) {
      return sql.id(assertSafeIdentifier(field(coll, name).name, "field"));
    },
    junction(coll, name) {
      const f = field(coll, name);
      if (!isToManyRelation(f)) throw new AppError("unknown_field", 400, { collection: coll, field: name });
      return ns.table(junctionTable(f));
    },
  };
}
