import { sql, type Kysely, type RawBuilder } from "kysely";
import type { SqliteSync } from "../../../platform/db/connect";
import { readTime } from "../../../platform/db/dialect";
import { rowHeld } from "../../../platform/db/direct-statements";
import type { SqlFunctions } from "../../../platform/db/sql-functions";
import { fieldKind } from "../fields/registry";
import type { CollectionRuntime, ProjectRuntime } from "../runtime";
import type { Field } from "../schema";
import type { RecordData } from "../types";
import { columnReader, fromDb, type ColumnReader } from "./codec";

type Sql = RawBuilder<unknown>;
type Executor = Kysely<unknown>;

/** Only the requested top-level fields of a record (all when `fields` is null). */
export function project(record: RecordData, fields: Set<string> | null): RecordData {
  if (!fields) return record;
  const out: Record<string, unknown> = {};
  for (const k of fields) if (k in record) out[k] = record[k];
  return out as RecordData;
}

/**
 * A collection's rows in SQL and back: the select list, the row as JSON built by the database,
 * decoding into API form, and the statements of a fixed shape (a get by id, an insert), compiled
 * once per model version.
 */
export function createRows(deps: { db: Executor; fns: SqlFunctions }) {
  const { db, fns } = deps;

  /** The to-many relation's ids of the row `alias`, in order, as a JSON array. */
  function links(rt: ProjectRuntime, c: CollectionRuntime, f: Field, alias: string): Sql {
    return sql`(select ${fns.jsonArrayAgg(sql.id("lnk", "target_id"), sql.id("lnk", "position"))} from ${rt.names.junction(c.name, f.name)} as ${sql.id("lnk")} where ${sql.id("lnk", "source_id")} = ${sql.id(alias, "id")})`;
  }

  /** The select list for a collection's rows: columns, and link ids of the to-many relations wanted. */
  function selectList(rt: ProjectRuntime, c: CollectionRuntime, alias: string, toMany: Iterable<Field> = c.toMany): Sql {
    const cols: Sql[] = [
      sql.id(alias, "id"),
      sql.id(alias, "created"),
      sql.id(alias, "updated"),
      ...c.columns.map((f) => rt.names.column(c.name, f.name, alias)),
    ];
    for (const f of toMany) cols.push(sql`${links(rt, c, f, alias)} as ${sql.id(f.name)}`);
    return sql.join(cols);
  }

  /**
   * A row as its API JSON text, made by the database (`fns.jsonObject`), so a list needs no row
   * objects, no decoding and no JSON.stringify of its items. Each field as its type's `jsonSql`
   * writes it (the JSON its `fromDb` gives). Keys in the order `decode` and `project` give them.
   * Null when a list should take the object path instead (`fields.int.test.ts` compares the two
   * for every type on both databases).
   */
  function jsonRow(
    rt: ProjectRuntime,
    c: CollectionRuntime,
    alias: string,
    toMany: Iterable<Field>,
    shown: Set<string> | null,
  ): Sql | null {
    const time = (name: string) => fns.json.time(sql.id(alias, name));
    const exprs = new Map<string, Sql>([
      ["id", sql.id(alias, "id")],
      ["created", time("created")],
      ["updated", time("updated")],
    ]);
    for (const f of c.columns) exprs.set(f.name, fieldKind(f).jsonSql(f, rt.names.column(c.name, f.name, alias), fns));
    for (const f of toMany) exprs.set(f.name, fieldKind(f).jsonSql(f, links(rt, c, f, alias), fns));
    const names = shown ? [...shown].filter((k) => exprs.has(k)) : [...exprs.keys()];
    return fns.jsonObject(names.map((k) => [k, exprs.get(k)!] as const));
  }

  // A get the rule does not restrict (public, or bypassed) is the same SQL for every id: built once per model version.
  const unrestrictedGets = new WeakMap<CollectionRuntime, string | null>();
  function unrestrictedGet(rt: ProjectRuntime, c: CollectionRuntime): string | null {
    let text = unrestrictedGets.get(c);
    if (text === undefined) {
      const compiled =
        sql`select ${selectList(rt, c, "t")} from ${rt.names.table(c.name)} as ${sql.id("t")} where ${sql.id("t", "id")} = ${"?"}`.compile(
          db,
        );
      // Only when the id is the query's one parameter (the select list binds none today).
      text = compiled.parameters.length === 1 ? compiled.sql : null;
      unrestrictedGets.set(c, text);
    }
    return text;
  }

  // How each column of a collection decodes, once per model version.
  const readers = new WeakMap<CollectionRuntime, ColumnReader[]>();
  function readersOf(c: CollectionRuntime): ColumnReader[] {
    let list = readers.get(c);
    if (!list) readers.set(c, (list = c.columns.map(columnReader)));
    return list;
  }

  /** A row in API form: each column as its type's `fromDb` reads it (`codec.ts`), to-many links as id lists. */
  function decode(c: CollectionRuntime, row: Record<string, unknown>, toMany: Iterable<Field> = c.toMany): RecordData {
    const record: RecordData = { id: row.id as string, created: readTime(row.created), updated: readTime(row.updated) };
    for (const r of readersOf(c)) {
      const v = row[r.name];
      record[r.name] = v === null || v === undefined ? null : r.fromDb === null ? v : r.fromDb(r.field, v);
    }
    for (const f of toMany) record[f.name] = fromDb(f, row[f.name]);
    return record;
  }

  /** A record by id, unrestricted, on the executor given (inside a write: its transaction, on the connection it holds). */
  async function readRecord(
    executor: Executor,
    rt: ProjectRuntime,
    c: CollectionRuntime,
    id: string,
    sync?: SqliteSync,
  ): Promise<RecordData | null> {
    const text = unrestrictedGet(rt, c);
    let row: Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;
    if (text !== null) row = rowHeld(executor, sync, text, [id]);
    else
      row = (
        await sql<
          Record<string, unknown>
        >`select ${selectList(rt, c, "t")} from ${rt.names.table(c.name)} as ${sql.id("t")} where ${sql.id("t", "id")} = ${id}`.execute(
          executor,
        )
      ).rows[0];
    if (row instanceof Promise) row = await row;
    return row ? decode(c, row) : null;
  }

  // An insert of a collection's row is the same SQL for every record: built once per model version.
  const inserts = new WeakMap<CollectionRuntime, string | null>();
  function insertText(rt: ProjectRuntime, c: CollectionRuntime): string | null {
    let text = inserts.get(c);
    if (text === undefined) {
      const cols = insertColumns(rt, c);
      const compiled = sql`insert into ${rt.names.table(c.name)} (${sql.join(cols)}) values (${sql.join(cols.map(() => null))})`.compile(
        db,
      );
      // Only when the values are the query's only parameters, one per column.
      text = compiled.parameters.length === cols.length ? compiled.sql : null;
      inserts.set(c, text);
    }
    return text;
  }

  /** The columns of an insert: id, created, updated, then every column of the collection. */
  function insertColumns(rt: ProjectRuntime, c: CollectionRuntime): Sql[] {
    return [sql.id("id"), sql.id("created"), sql.id("updated"), ...c.columns.map((f) => rt.names.columnName(c.name, f.name))];
  }

  return { selectList, jsonRow, unrestrictedGet, decode, readRecord, insertText, insertColumns };
}

export type Rows = ReturnType<typeof createRows>;
