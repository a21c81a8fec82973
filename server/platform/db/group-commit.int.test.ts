import SqliteDatabase from "better-sqlite3";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../testing/databases";
import { openDatabase, type Database } from "./connect";
import { createGroupCommit } from "./group-commit";

describe.each(DATABASE_KINDS)("group commit on %s", (kind) => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = openDatabase(testDb.url, { poolSize: 8 });
    await sql`create table gc_rows (id integer primary key, label text not null unique)`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const labels = async () =>
    (await sql<{ label: string }>`select label from gc_rows order by id`.execute(database.db)).rows.map((r) => r.label);

  it("runs concurrent writes each all-or-nothing: a failing one (or one breaking a constraint) leaves nothing, the others commit", async () => {
    const writes = createGroupCommit(database);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        writes.run(async (trx) => {
          await sql`insert into gc_rows (id, label) values (${i + 1}, ${`row ${i}`})`.execute(trx);
          // Two statements per write: the first stays only if the second succeeds.
          await sql`insert into gc_rows (id, label) values (${1000 + i}, ${i === 25 ? "row 3" : `twin ${i}`})`.execute(trx);
          if (i === 7) throw new Error("write 7 failed after writing");
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(
      Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 7 && i !== 25),
    );
    expect(results[7]).toMatchObject({ status: "rejected", reason: { message: "write 7 failed after writing" } });
    expect(results[25]!.status).toBe("rejected");
    const stored = await labels();
    expect(stored).not.toContain("row 7");
    expect(stored).not.toContain("twin 7");
    expect(stored).not.toContain("row 25");
    expect(stored).toHaveLength(2 * 38);
    await sql`delete from gc_rows`.execute(database.db);
  });

  it("commits writes made together at once, and settles each only after that commit: another connection already sees all of them", async () => {
    if (kind !== "sqlite") return;
    const writes = createGroupCommit(database);
    const file = testDb.url.slice("sqlite:".length);
    const other = new SqliteDatabase(file, { readonly: true });
    try {
      const count = () => (other.prepare("select count(*) as n from gc_rows").get() as { n: number }).n;
      const before = count();
      const pending = Array.from({ length: 10 }, (_, i) =>
        writes.run((trx) => sql`insert into gc_rows (label) values (${`seen ${i}`})`.execute(trx)),
      );
      const seenAtSettle: number[] = [];
      await Promise.all(pending.map((p) => p.then(() => seenAtSettle.push(count()))));
      expect(seenAtSettle.every((n) => n === before + 10)).toBe(true);
    } finally {
      other.close();
      await sql`delete from gc_rows`.execute(database.db);
    }
  });

  it("fails writes on a closed database instead of leaving them waiting", async () => {
    const own = openDatabase(testDb.url, { poolSize: 2 });
    const writes = createGroupCommit(own);
    await own.close();
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, (_, i) =>
        writes.run((trx) => sql`insert into gc_rows (id, label) values (${9000 + i}, ${`closed ${i}`})`.execute(trx)),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(await labels()).not.toContain("closed 0");
  });
});
