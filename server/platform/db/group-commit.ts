import type { Kysely } from "kysely";
import type { Database, SqliteSync } from "./connect";

/**
 * Write transactions that share commits on SQLite (group commit). Writes that arrive while the
 * event loop is busy are run one after another inside one transaction, each within its own
 * savepoint, and committed once: a write that fails rolls back alone, and every write's promise
 * settles only after the commit that made it durable (or the failure that undid it). Under load a
 * commit is most of a small write's cost (the pages it dirties are written to the WAL again for
 * every commit); sharing it is what lets SQLite keep up with many concurrent writers.
 *
 * A write's `work` runs with the connection held, so it must use the executor it is given, never
 * the database's own `db` (that would wait for the connection it holds). On PostgreSQL each write
 * is an ordinary transaction of its own (concurrent writers there take separate connections).
 */
export interface GroupCommit {
  run<T>(work: (trx: Kysely<any>) => Promise<T>): Promise<T>;
}

/** At most this many writes share one commit; the rest go into the next. */
const MAX_GROUP = 256;

export function createGroupCommit(database: Pick<Database<any>, "kind" | "db" | "sync">): GroupCommit {
  if (database.kind !== "sqlite" || !database.sync) return { run: (work) => database.db.transaction().execute(work) };
  const sync: SqliteSync = database.sync;

  interface Job {
    work: (trx: Kysely<any>) => Promise<unknown>;
    resolve: (value: unknown) => void;
    reject: (err: unknown) => void;
  }
  let queue: Job[] = [];
  let scheduled = false;

  async function commitGroup(): Promise<void> {
    let jobs: Job[] = [];
    let taken = false;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await database.db.connection().execute(async (conn) => {
        // Taken once the connection is ours: the writes that arrived while waiting for it join.
        scheduled = false;
        taken = true;
        jobs = queue.length <= MAX_GROUP ? queue : queue.slice(0, MAX_GROUP);
        queue = queue.length <= MAX_GROUP ? [] : queue.slice(MAX_GROUP);
        if (queue.length > 0) schedule();
        sync.run("begin immediate", []);
        try {
          for (const job of jobs) {
            sync.run("savepoint apprun_write", []);
            try {
              const value = await job.work(conn);
              sync.run("release apprun_write", []);
              outcomes.push({ ok: true, value });
            } catch (error) {
              sync.run("rollback to apprun_write", []);
              sync.run("release apprun_write", []);
              outcomes.push({ ok: false, error });
            }
          }
          sync.run("commit", []);
        } catch (err) {
          try {
            sync.run("rollback", []);
          } catch {
            // Nothing was open any more.
          }
          throw err;
        }
      });
    } catch (err) {
      // The group could not begin or commit: none of its writes happened. Without the connection
      // (the database closed), every write waiting fails.
      if (!taken) {
        scheduled = false;
        jobs = queue;
        queue = [];
      }
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // After the I/O callbacks of this turn of the event loop: every write they started joins.
    setImmediate(() => void commitGroup());
  }

  return {
    run<T>(work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
  };
}
