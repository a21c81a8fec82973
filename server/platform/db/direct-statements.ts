import { CompiledQuery, type Kysely, type RawBuilder } from "kysely";
import type { Database, SqliteSync } from "./connect";

type Row = Record<string, unknown>;

/**
 * Statements that take the quickest way each database offers, for hot paths that run queries of a
 * fixed text (built once per model version, say). Reads outside any transaction: on SQLite at once
 * on the one connection while no transaction is open on it (committed data only) rather than
 * queueing for the connection; on PostgreSQL as named prepared statements (parsed and planned once
 * per connection; `Database.preparedRead`).
 */
export function createDirectReads(database: Database<any>) {
  const db = database.db as Kysely<unknown>;
  return {
    /** The first row of a read. PostgreSQL: prepared, so the text must be one of a bounded set. */
    async row(query: CompiledQuery): Promise<Row | undefined> {
      const sync = database.sync;
      if (sync && !sync.inTransaction()) return sync.get<Row>(query.sql, query.parameters);
      if (database.preparedRead) return (await database.preparedRead(query.sql, query.parameters))[0];
      return (await db.executeQuery<Row>(query)).rows[0];
    },

    /**
     * One column (`name`) of every row of a read: the values themselves when SQLite ran it at once
     * (nothing to wait for), else a promise of them. PostgreSQL: prepared only when `prepared` (a
     * query kept for reuse).
     */
    column<T>(query: CompiledQuery, name: string, prepared: boolean): T[] | Promise<T[]> {
      const sync = database.sync;
      if (sync && !sync.inTransaction()) return sync.column<T>(query.sql, query.parameters);
      if (prepared && database.preparedRead)
        return database.preparedRead(query.sql, query.parameters).then((rows) => rows.map((r) => r[name] as T));
      return db.executeQuery<Row>(query).then((r) => r.rows.map((row) => row[name] as T));
    },

    /**
     * A read of a fixed text with a condition appended (`… and (condition)`), its parameters after
     * the text's. SQLite only (`?` placeholders follow one another); null on PostgreSQL, whose
     * numbered placeholders would need rewriting: build the whole query there instead.
     */
    withCondition(text: string, parameters: readonly unknown[], condition: RawBuilder<unknown>): CompiledQuery | null {
      if (database.kind !== "sqlite") return null;
      const cond = condition.compile(db);
      return CompiledQuery.raw(`${text} and (${cond.sql})`, [...parameters, ...cond.parameters]);
    },
  };
}

export type DirectReads = ReturnType<typeof createDirectReads>;

/**
 * A statement of a fixed text on a connection the caller holds (inside the transaction it was
 * handed): on SQLite at once through the connection's statement cache (`sync`), returning nothing
 * to wait for; on PostgreSQL (no `sync`) through `executor`, returning its promise. Callers await
 * only a promise: a write runs several of these, and each needless await is a turn of the
 * microtask queue.
 */
export function runHeld(executor: Kysely<any>, sync: SqliteSync | undefined, text: string, parameters: unknown[]): Promise<unknown> | void {
  if (sync) sync.run(text, parameters);
  else return executor.executeQuery(CompiledQuery.raw(text, parameters));
}

/**
 * The first row of a read of a fixed text on a connection the caller holds: the row itself on
 * SQLite, a promise of it on PostgreSQL (see `runHeld`).
 */
export function rowHeld(
  executor: Kysely<any>,
  sync: SqliteSync | undefined,
  text: string,
  parameters: unknown[],
): Row | undefined | Promise<Row | undefined> {
  if (sync) return sync.get<Row>(text, parameters);
  return executor.executeQuery<Row>(CompiledQuery.raw(text, parameters)).then((r) => r.rows[0]);
}
