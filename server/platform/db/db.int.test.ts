import { sql, type Kysely, type Migration } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemMigrations } from "../../modules/index";
import { ensureInstance } from "../../modules/system/instance";
import { ConfigError } from "../config/load";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../testing/databases";
import { openDatabase, type Database } from "./connect";
import { dialectOf, kindOf, readBool, readJson, readTime } from "./dialect";
import { migrateToLatest, migrationStatus } from "./migrate";

interface Sample {
  samples: { id: string; flag: boolean | number; doc: string; at: string; n: number };
}

describe.each(DATABASE_KINDS)("database platform on %s", (kind) => {
  let testDb: TestDatabase;
  let database: Database<Sample>;
  beforeEach(async () => {
    testDb = await createTestDatabase(kind);
    database = openDatabase<Sample>(testDb.url);
  });
  afterEach(async () => {
    await database.close();
    await testDb.drop();
  });

  it("knows its dialect", () => {
    expect(database.kind).toBe(kind);
    expect(kindOf(database.db as Kysely<unknown>)).toBe(kind);
  });

  it("normalizes booleans, JSON, timestamps and counts through one code path", async () => {
    const t = dialectOf(kind);
    await database.db.schema
      .createTable("samples")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("flag", t.types.boolean, (c) => c.notNull())
      .addColumn("doc", t.types.json, (c) => c.notNull())
      .addColumn("at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
      .addColumn("n", "integer", (c) => c.notNull())
      .execute();
    const at = "2026-03-04T05:06:07.089Z";
    await database.db
      .insertInto("samples")
      .values([
        // Plain JS booleans and Dates go in on both databases.
        { id: "a", flag: true, doc: t.json({ tags: ["x", "y"], nested: { ok: true } }), at: new Date(at) as unknown as string, n: 1 },
        { id: "b", flag: false, doc: t.json([1, 2]), at, n: 2 },
      ])
      .execute();
    await database.db
      .insertInto("samples")
      .values({ id: "c", flag: t.bool(true), doc: t.json(null), n: 3 } as never)
      .execute();

    const rows = await database.db.selectFrom("samples").selectAll().orderBy("id").execute();
    expect(rows.map((r) => readBool(r.flag))).toEqual([true, false, true]);
    expect(readJson(rows[0]!.doc)).toEqual({ tags: ["x", "y"], nested: { ok: true } });
    expect(readJson(rows[1]!.doc)).toEqual([1, 2]);
    expect(readTime(rows[0]!.at)).toBe(at);
    expect(readTime(rows[1]!.at)).toBe(at);
    expect(Date.now() - Date.parse(readTime(rows[2]!.at))).toBeLessThan(60_000);

    const { count } = await database.db
      .selectFrom("samples")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("flag", "=", true)
      .executeTakeFirstOrThrow();
    expect(count).toBe(2);
    const { total } = await database.db
      .selectFrom("samples")
      .select((eb) => eb.fn.sum<number>("n").as("total"))
      .executeTakeFirstOrThrow();
    expect(Number(total)).toBe(6);
  });

  it("rolls back a failed transaction completely", async () => {
    await database.db.schema
      .createTable("samples")
      .addColumn("id", "text", (c) => c.primaryKey())
      .execute();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("samples")
          .values({ id: "x" } as never)
          .execute();
        await trx
          .insertInto("samples")
          .values({ id: "x" } as never)
          .execute();
      }),
    ).rejects.toThrow();
    expect(await database.db.selectFrom("samples").selectAll().execute()).toEqual([]);
  });

  it("applies system migrations in order, once, and reports their status", async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const before = await migrationStatus(db, systemMigrations);
    expect(before.every((m) => m.executedAt === null)).toBe(true);
    const applied = await migrateToLatest(db, systemMigrations);
    expect(applied.map((m) => m.migrationName)).toEqual(Object.keys(systemMigrations));
    expect(await migrateToLatest(db, systemMigrations)).toEqual([]);
    const after = await migrationStatus(db, systemMigrations);
    expect(after.every((m) => m.executedAt !== null)).toBe(true);
  });

  it("stops with a clear error when a migration fails, leaving earlier ones applied", async () => {
    const db = database.db as unknown as Kysely<unknown>;
    const broken: Record<string, Migration> = {
      ...systemMigrations,
      "9999_broken": { up: async (k) => void (await sql`select * from no_such_table`.execute(k)) },
    };
    await expect(migrateToLatest(db, broken)).rejects.toThrow(/migration 9999_broken failed/);
  });

  it("refuses to run with a master key other than the one the database was set up with", async () => {
    const db = database.db as unknown as Kysely<any>;
    await migrateToLatest(db as unknown as Kysely<unknown>, systemMigrations);
    await ensureInstance(db, "fingerprint-a");
    await ensureInstance(db, "fingerprint-a");
    await expect(ensureInstance(db, "fingerprint-b")).rejects.toThrow(ConfigError);
    await expect(ensureInstance(db, "fingerprint-b")).rejects.toThrow(/masterKey does not match/);
  });
});

describe("prepared reads on PostgreSQL", () => {
  it("prepare at most 500 texts per connection, run the rest unnamed, and all answer right", async () => {
    const testDb = await createTestDatabase("postgres");
    const database = openDatabase(testDb.url, { poolSize: 1 });
    try {
      const read = database.preparedRead!;
      for (let i = 0; i < 520; i++) {
        const rows = await read(`select $1::int + ${i} as n`, [1]);
        expect(rows).toEqual([{ n: 1 + i }]);
      }
      // Again: the prepared ones are used as they are.
      expect(await read("select $1::int + 7 as n", [2])).toEqual([{ n: 9 }]);
      // One connection: it holds exactly the 500 prepared texts.
      expect(await read("select count(*)::int as n from pg_prepared_statements", [])).toEqual([{ n: 500 }]);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

describe("two nodes starting together on one PostgreSQL", () => {
  it("migrate once: the lock serializes them and the second finds nothing to do", async () => {
    const testDb = await createTestDatabase("postgres");
    const nodes = [openDatabase(testDb.url), openDatabase(testDb.url), openDatabase(testDb.url)];
    try {
      // A migration that fails if run twice (plain CREATE TABLE) and is slow enough to overlap.
      let runs = 0;
      const migrations: Record<string, Migration> = {
        "0001_slow": {
          up: async (db) => {
            runs++;
            await sql`select pg_sleep(0.3)`.execute(db);
            await sql`create table migrated_once (id integer primary key)`.execute(db);
          },
        },
      };
      const results = await Promise.all(nodes.map((n) => migrateToLatest(n.db, migrations)));
      expect(runs).toBe(1);
      expect(results.map((r) => r.length).sort()).toEqual([0, 0, 1]);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await testDb.drop();
    }
  });
});

describe("a PostgreSQL schema next to another apprun's", () => {
  it("migrates although another schema of the database already has the migration tables", async () => {
    const [other, mine] = [await createTestDatabase("postgres"), await createTestDatabase("postgres")];
    const [a, b] = [openDatabase(other.url), openDatabase(mine.url)];
    try {
      await migrateToLatest(a.db, systemMigrations);
      expect((await migrateToLatest(b.db, systemMigrations)).map((r) => r.migrationName)).toEqual(Object.keys(systemMigrations));
      expect((await migrationStatus(b.db, systemMigrations)).every((m) => m.executedAt !== null)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([other.drop(), mine.drop()]);
    }
  });
});
