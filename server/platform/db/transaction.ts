import { sql, type Kysely } from "kysely";
import type { DbKind } from "./dialect";

/**
 * Runs `work` in a transaction that will write. On SQLite it begins with `BEGIN IMMEDIATE`, so
 * the write lock is taken (waiting out `busy_timeout`) before the first read: a deferred
 * transaction that reads and then writes fails with SQLITE_BUSY when another connection wrote
 * in between. On PostgreSQL it is an ordinary transaction; callers lock rows themselves.
 */
export async function writeTransaction<DB, T>(
  database: { kind: DbKind; db: Kysely<DB> },
  work: (trx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  if (database.kind === "postgres") return database.db.transaction().execute(work);
  return database.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
}
