import { sql, type Kysely } from "kysely";
import type { AnyDatabase } from "../types";
import { sqlFunctionsOf } from "../../../platform/db/sql-functions";

/** One promise chain per key: work for the same key runs one at a time, in arrival order. */
export function keyedMutex() {
  const tails = new Map<string, Promise<unknown>>();
  return async function run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => {}).then(work);
    tails.set(key, current);
    try {
      return await current;
    } finally {
      if (tails.get(key) === current) tails.delete(key);
    }
  };
}

/**
 * Runs a schema change in one transaction. PostgreSQL: under an advisory lock on `lockKey`, so
 * nodes sharing the database serialize. SQLite: with foreign-key enforcement off for the
 * duration (its table rebuilds drop and recreate tables that others reference; the pragma only
 * works outside a transaction, so the connection is held throughout). `work` must then run
 * `foreign_key_check` on the tables it touched before returning, so nothing inconsistent commits.
 */
export async function schemaTransaction<T>(database: AnyDatabase, lockKey: string, work: (trx: Kysely<unknown>) => Promise<T>): Promise<T> {
  const db = database.db as Kysely<unknown>;
  if (database.kind === "postgres") {
    return db.transaction().execute(async (trx) => {
      const lock = sqlFunctionsOf("postgres").transactionLock(lockKey);
      if (lock) await lock.execute(trx);
      return work(trx);
    });
  }
  return db.connection().execute(async (conn) => {
    await sql`pragma foreign_keys = off`.execute(conn);
    try {
      // IMMEDIATE takes the write lock up front, so a second process waits (busy_timeout) and then
      // reads the new version, instead of failing half-way on an upgrade from a read lock.
      await sql`begin immediate`.execute(conn);
      try {
        const result = await work(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => {});
        throw err;
      }
    } finally {
      await sql`pragma foreign_keys = on`.execute(conn);
    }
  });
}
