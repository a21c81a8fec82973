import { sql, type Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../testing/databases";
import { openDatabase, type Database } from "./connect";
import { systemMigrations } from "../../modules/index";
import { migrateToLatest } from "./migrate";
import { migrateProject, type ProjectMigration } from "./project-migrate";
import { dropProjectNamespace, projectDb, projectNamespace } from "./project-namespace";

interface Notes {
  notes: { id: string; body: string };
  tags: { note_id: string; tag: string };
}

const migrations: Record<string, ProjectMigration> = {
  "0001_notes": {
    async up(raw, ns) {
      const db = projectDb<Notes>(raw, ns, ["notes", "tags"]);
      await db.schema
        .createTable("notes")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("body", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("tags")
        .addColumn("note_id", "text", (c) => c.notNull().references("notes.id").onDelete("cascade"))
        .addColumn("tag", "text")
        .execute();
      await db.schema.createIndex(ns.tableName("tags_note")).on("tags").column("note_id").execute();
    },
  },
};

describe.each(DATABASE_KINDS)("per-project storage on %s", (kind) => {
  let testDb: TestDatabase;
  let database: Database;
  const a = projectNamespace(kind, `prj_${Date.now().toString(36)}a${"0".repeat(10)}`.slice(0, 23));
  const b = projectNamespace(kind, `prj_${Date.now().toString(36)}b${"0".repeat(10)}`.slice(0, 23));
  beforeEach(async () => {
    testDb = await createTestDatabase(kind);
    database = openDatabase(testDb.url);
  });
  afterEach(async () => {
    await dropProjectNamespace(database.db as Kysely<unknown>, a);
    await dropProjectNamespace(database.db as Kysely<unknown>, b);
    await database.close();
    await testDb.drop();
  });

  it("migrates each project once, keeps their rows apart, and drops one without touching the other", async () => {
    const raw = database.db as Kysely<unknown>;
    expect(await migrateProject(raw, a, migrations)).toEqual(["0001_notes"]);
    expect(await migrateProject(raw, a, migrations)).toEqual([]);
    expect(await migrateProject(raw, b, migrations)).toEqual(["0001_notes"]);
    const dbA = projectDb<Notes>(raw, a, ["notes", "tags"]);
    const dbB = projectDb<Notes>(raw, b, ["notes", "tags"]);
    await dbA.insertInto("notes").values({ id: "n1", body: "of A" }).execute();
    await dbA.insertInto("tags").values({ note_id: "n1", tag: "x" }).execute();
    await dbB.insertInto("notes").values({ id: "n1", body: "of B" }).execute();
    // Joins, qualified columns and aliases resolve inside the namespace.
    const joined = await dbA.selectFrom("notes").innerJoin("tags as t", "t.note_id", "notes.id").select(["notes.body", "t.tag"]).execute();
    expect(joined).toEqual([{ body: "of A", tag: "x" }]);
    expect(await dbB.selectFrom("notes").select("body").execute()).toEqual([{ body: "of B" }]);
    await dbA.transaction().execute(async (trx) => {
      await trx.updateTable("notes").set({ body: "changed" }).where("id", "=", "n1").execute();
    });
    expect((await dbB.selectFrom("notes").select("body").executeTakeFirstOrThrow()).body).toBe("of B");

    await dropProjectNamespace(raw, a);
    expect(await dbB.selectFrom("notes").select("body").execute()).toEqual([{ body: "of B" }]);
    await expect(dbA.selectFrom("notes").selectAll().execute()).rejects.toThrow();
    if (kind === "sqlite") {
      const left = await sql<{ name: string }>`select name from sqlite_master where name like ${a.projectId + "%"}`.execute(raw);
      expect(left.rows).toEqual([]);
    }
  });
});

describe("system migrations beside project schemas on PostgreSQL", () => {
  it("migrate a fresh instance while another schema holds migration tables of the same names", async () => {
    const first = await createTestDatabase("postgres");
    const second = await createTestDatabase("postgres");
    const a = openDatabase(first.url);
    const b = openDatabase(second.url);
    const ns = projectNamespace("postgres", `prj_${Date.now().toString(36)}c${"0".repeat(10)}`.slice(0, 23));
    try {
      await migrateProject(a.db as Kysely<unknown>, ns, migrations);
      expect((await migrateToLatest(b.db as Kysely<unknown>, systemMigrations)).length).toBe(Object.keys(systemMigrations).length);
    } finally {
      await dropProjectNamespace(a.db as Kysely<unknown>, ns);
      await a.close();
      await b.close();
      await first.drop();
      await second.drop();
    }
  });
});
