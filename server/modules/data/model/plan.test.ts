import { describe, expect, it } from "vitest";
import { AppError } from "../../../platform/errors/app-error";
import { DATABASE_KINDS, type DatabaseKind } from "../../../testing/databases";
import type { CollectionInput, ModelDocument } from "../schema";
import { projectNamespace } from "../storage/namespace";
import { offlineKysely } from "../test-support";
import type { ProjectId } from "../types";
import { planMigration, type MigrationPlan, type RetainedEntry } from "./plan";
import { validateModel } from "./validate-model";

const model = (...collections: CollectionInput[]): ModelDocument => validateModel({ collections });
const EMPTY: ModelDocument = { collections: [] };

async function plan(
  kind: DatabaseKind,
  from: ModelDocument,
  to: ModelDocument,
  facts: { rows?: number; nulls?: number; retained?: RetainedEntry[] } = {},
): Promise<MigrationPlan> {
  let n = 0;
  return planMigration(offlineKysely(kind), projectNamespace({ kind }, "prj_p" as ProjectId), from, to, {
    rowCount: async () => facts.rows ?? 0,
    nullCount: async () => facts.nulls ?? 0,
    retained: facts.retained ?? [],
    newId: () => `r${++n}`,
    now: Date.UTC(2024, 0, 1),
  });
}

const actions = (p: MigrationPlan) => p.steps.map((s) => s.action);
const sqlOf = (p: MigrationPlan) => p.steps.map((s) => s.sql);

async function planError(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

const posts = (fields: CollectionInput["fields"], extra: Partial<CollectionInput> = {}): CollectionInput => ({
  id: "cposts",
  name: "posts",
  fields,
  ...extra,
});
const title = { id: "ftitle", name: "title", type: "text" as const };

describe("planMigration on PostgreSQL", () => {
  it("creates tables, then foreign keys, then junction tables, then indexes", async () => {
    const to = model(
      posts(
        [
          { ...title, unique: true },
          { id: "fparent", name: "parent", type: "relation", collection: "posts" },
          { id: "frelated", name: "related", type: "relation", collection: "posts", multiple: true, onDelete: "restrict" },
        ],
        { indexes: [{ fields: ["title", "created"] }] },
      ),
    );
    const p = await plan("postgres", EMPTY, to);
    expect(actions(p)).toEqual(["create_table", "add_foreign_key", "create_junction", "create_index", "create_index", "create_index"]);
    expect(p.steps[0]!.sql).toBe(
      'create table "prj_p"."posts" ("id" text primary key, "created" timestamptz not null, "updated" timestamptz not null, "title" text, "parent" text)',
    );
    expect(p.steps[1]!.sql).toBe(
      'alter table "prj_p"."posts" add constraint "fk_fparent" foreign key ("parent") references "prj_p"."posts" ("id") on delete set null',
    );
    expect(p.steps[2]!.sql).toContain('"target_id" text not null references "prj_p"."posts" ("id") on delete restrict');
    expect(p.steps[4]!.sql).toMatch(/^create unique index "ux_[0-9a-f]{20}" on "prj_p"."posts" \("title" nulls first\)$/);
    expect(p.steps[5]!.sql).toMatch(/^create index "ix_[0-9a-f]{20}" on "prj_p"."posts" \("title" nulls first, "created"\)$/);
    expect(p.warnings).toEqual([]);
  });

  it("adds a nullable column, or a non-nullable one with backfill", async () => {
    const from = model(posts([title]));
    const add = await plan("postgres", from, model(posts([title, { id: "fviews", name: "views", type: "integer" }])), { rows: 5 });
    expect(sqlOf(add)).toEqual(['alter table "prj_p"."posts" add column "views" bigint']);
    const strict = await plan(
      "postgres",
      from,
      model(posts([title, { id: "fviews", name: "views", type: "integer", nullable: false, default: 0 }])),
      { rows: 5 },
    );
    expect(actions(strict)).toEqual(["add_column", "backfill", "set_not_null"]);
    expect(strict.steps[1]).toMatchObject({ sql: 'update "prj_p"."posts" set "views" = $1 where "views" is null', parameters: [0] });
  });

  it("refuses a non-nullable field without default when records exist", async () => {
    const from = model(posts([title]));
    const to = model(posts([title, { id: "fcode", name: "code", type: "text", required: true }]));
    expect(await plan("postgres", from, to, { rows: 0 })).toBeTruthy();
    const err = await planError(() => plan("postgres", from, to, { rows: 3 }));
    expect(err).toMatchObject({ code: "backfill_required", status: 422, details: { collection: "posts", field: "code", rows: 3 } });
  });

  it("renames columns, through temporary names when names swap", async () => {
    const from = model(posts([title, { id: "fsub", name: "sub", type: "text" }]));
    const renamed = await plan(
      "postgres",
      from,
      model(
        posts([
          { ...title, name: "heading" },
          { id: "fsub", name: "sub", type: "text" },
        ]),
      ),
    );
    expect(sqlOf(renamed)).toEqual(['alter table "prj_p"."posts" rename column "title" to "heading"']);
    const swapped = await plan(
      "postgres",
      from,
      model(
        posts([
          { ...title, name: "sub" },
          { id: "fsub", name: "title", type: "text" },
        ]),
      ),
    );
    expect(sqlOf(swapped)).toEqual([
      'alter table "prj_p"."posts" rename column "title" to "_tmp_ftitle"',
      'alter table "prj_p"."posts" rename column "sub" to "_tmp_fsub"',
      'alter table "prj_p"."posts" rename column "_tmp_ftitle" to "sub"',
      'alter table "prj_p"."posts" rename column "_tmp_fsub" to "title"',
    ]);
  });

  it("keeps a dropped field's values in a retained table", async () => {
    const p = await plan("postgres", model(posts([title, { id: "fviews", name: "views", type: "integer" }])), model(posts([title])), {
      rows: 7,
    });
    expect(sqlOf(p)).toEqual([
      'create table "prj_p"."_ret_r1" as select "id", "views" as "value" from "prj_p"."posts"',
      'alter table "prj_p"."posts" drop column "views"',
    ]);
    expect(p.retain).toEqual([
      expect.objectContaining({
        id: "r1",
        kind: "field",
        collectionId: "cposts",
        fieldId: "fviews",
        fieldName: "views",
        tables: { main: "_ret_r1", junctions: {} },
        rows: 7,
      }),
    ]);
    expect(p.warnings).toEqual([{ code: "data_retained", collection: "posts", field: "views", rows: 7 }]);
  });

  it("brings retained values back when the same field returns", async () => {
    const from = model(posts([title]));
    const to = model(posts([title, { id: "fviews", name: "views", type: "integer" }]));
    const retained: RetainedEntry = {
      id: "old1",
      kind: "field",
      collectionId: "cposts",
      collectionName: "posts",
      fieldId: "fviews",
      fieldName: "views",
      definition: to.collections[0]!.fields[1]!,
      tables: { main: "_ret_old1", junctions: {} },
      rows: 7,
      version: 2,
    };
    const p = await plan("postgres", from, to, { rows: 7, retained: [retained] });
    expect(actions(p)).toEqual(["add_column", "restore_field", "drop_retained"]);
    expect(p.steps[1]!.sql).toBe(
      'update "prj_p"."posts" set "views" = (select "s"."value" from "prj_p"."_ret_old1" as "s" where "s"."id" = "prj_p"."posts"."id")',
    );
    expect(p.restored).toEqual(["old1"]);
  });

  it("changes a type with a conversion and warns of possible loss", async () => {
    const from = model(posts([{ id: "fviews", name: "views", type: "text" }]));
    const p = await plan("postgres", from, model(posts([{ id: "fviews", name: "views", type: "integer" }])), { rows: 4 });
    expect(actions(p)).toEqual(["change_type"]);
    expect(p.steps[0]!.sql).toMatch(
      /^alter table "prj_p"."posts" alter column "views" type bigint using case when \(btrim\("views"\) ~ '.*'\) then cast\(btrim\("views"\) as bigint\) end$/,
    );
    expect(p.warnings.map((w) => w.code).sort()).toEqual(["conversion_may_lose_data", "table_rewrite"]);
  });

  it("refuses changes it cannot carry out", async () => {
    const from = model(
      { id: "cusers", name: "users", fields: [] },
      { id: "corgs", name: "orgs", fields: [] },
      posts([
        { id: "fmeta", name: "meta", type: "json" },
        { id: "fowner", name: "owner", type: "relation", collection: "users" },
      ]),
    );
    const toInt = model(
      { id: "cusers", name: "users", fields: [] },
      { id: "corgs", name: "orgs", fields: [] },
      posts([
        { id: "fmeta", name: "meta", type: "integer" },
        { id: "fowner", name: "owner", type: "relation", collection: "users" },
      ]),
    );
    expect(await planError(() => plan("postgres", from, toInt))).toMatchObject({
      code: "unsupported_type_change",
      details: { field: "meta", from: "json", to: "integer" },
    });
    const retarget = model(
      { id: "cusers", name: "users", fields: [] },
      { id: "corgs", name: "orgs", fields: [] },
      posts([
        { id: "fmeta", name: "meta", type: "json" },
        { id: "fowner", name: "owner", type: "relation", collection: "orgs" },
      ]),
    );
    expect(await planError(() => plan("postgres", from, retarget))).toMatchObject({
      code: "unsupported_change",
      details: { field: "owner" },
    });
    const toMany = model(
      { id: "cusers", name: "users", fields: [] },
      { id: "corgs", name: "orgs", fields: [] },
      posts([
        { id: "fmeta", name: "meta", type: "json" },
        { id: "fowner", name: "owner", type: "relation", collection: "users", multiple: true },
      ]),
    );
    expect(await planError(() => plan("postgres", from, toMany))).toMatchObject({ code: "unsupported_change" });
  });

  it("retains a dropped collection and its links, and renames collections", async () => {
    const from = model(posts([title, { id: "flinks", name: "links", type: "relation", collection: "posts", multiple: true }]), {
      id: "cdocs",
      name: "docs",
      fields: [],
    });
    const dropped = await plan("postgres", from, model({ id: "cdocs", name: "documents", fields: [] }), { rows: 2 });
    expect(actions(dropped)).toEqual(["retain_links", "drop_junction", "retain_collection", "drop_table", "rename_table"]);
    expect(sqlOf(dropped)).toContain('drop table "prj_p"."posts" cascade');
    expect(sqlOf(dropped)).toContain('alter table "prj_p"."docs" rename to "documents"');
    expect(dropped.retain).toEqual([
      expect.objectContaining({
        kind: "collection",
        collectionId: "cposts",
        tables: { main: "_ret_r1", junctions: { flinks: "_ret_r2" } },
      }),
    ]);
    const swap = await plan(
      "postgres",
      from,
      model(
        { ...posts([title, { id: "flinks", name: "links", type: "relation", collection: "docs", multiple: true }]), name: "docs" },
        { id: "cdocs", name: "posts", fields: [] },
      ),
    );
    expect(sqlOf(swap)).toEqual([
      'alter table "prj_p"."posts" rename to "_tmp_cposts"',
      'alter table "prj_p"."docs" rename to "_tmp_cdocs"',
      'alter table "prj_p"."_tmp_cposts" rename to "docs"',
      'alter table "prj_p"."_tmp_cdocs" rename to "posts"',
    ]);
  });

  it("changes an on-delete rule by replacing the foreign key", async () => {
    const users = { id: "cusers", name: "users", fields: [] };
    const from = model(users, posts([{ id: "fowner", name: "owner", type: "relation", collection: "users" }]));
    const p = await plan(
      "postgres",
      from,
      model(users, posts([{ id: "fowner", name: "owner", type: "relation", collection: "users", onDelete: "cascade" }])),
    );
    expect(sqlOf(p)).toEqual([
      'alter table "prj_p"."posts" drop constraint "fk_fowner"',
      'alter table "prj_p"."posts" add constraint "fk_fowner" foreign key ("owner") references "prj_p"."users" ("id") on delete cascade',
    ]);
  });

  it("drops and creates indexes, warning when a unique one meets existing rows", async () => {
    const from = model(posts([title], { indexes: [{ fields: ["title"] }] }));
    const p = await plan("postgres", from, model(posts([title], { indexes: [{ fields: ["title"], unique: true }] })), { rows: 3 });
    expect(actions(p)).toEqual(["drop_index", "create_index"]);
    expect(p.steps[0]!.sql).toMatch(/^drop index "prj_p"."ix_/);
    expect(p.warnings).toEqual([{ code: "unique_on_existing_data", collection: "posts", field: "title", rows: 3 }]);
  });
});

describe("planMigration on SQLite", () => {
  it("creates tables with inline foreign keys and prefixed names", async () => {
    const p = await plan(
      "sqlite",
      EMPTY,
      model(
        { id: "cusers", name: "users", fields: [] },
        posts([title, { id: "fowner", name: "owner", type: "relation", collection: "users", required: true }]),
      ),
    );
    expect(p.steps[1]!.sql).toBe(
      'create table "prj_p__posts" ("id" text primary key, "created" text not null, "updated" text not null, "title" text, "owner" text not null constraint "fk_fowner" references "prj_p__users" ("id") on delete restrict)',
    );
  });

  it("rebuilds the table where SQLite cannot alter: type change, nullability, dropped relation", async () => {
    const from = model(
      { id: "cusers", name: "users", fields: [] },
      posts(
        [
          { id: "fviews", name: "views", type: "text" },
          { id: "fowner", name: "owner", type: "relation", collection: "users" },
        ],
        { indexes: [{ fields: ["views"] }] },
      ),
    );
    const to = model(
      { id: "cusers", name: "users", fields: [] },
      posts([{ id: "fviews", name: "views", type: "integer", nullable: false, default: 0 }], { indexes: [{ fields: ["views"] }] }),
    );
    const p = await plan("sqlite", from, to, { rows: 2 });
    expect(actions(p)).toEqual(["retain_field", "create_table", "copy_rows", "drop_table", "rename_table", "create_index"]);
    expect(p.steps[1]!.sql).toBe(
      'create table "prj_p___tmp_cposts" ("id" text primary key, "created" text not null, "updated" text not null, "views" integer not null)',
    );
    expect(p.steps[2]!.sql).toContain(
      'insert into "prj_p___tmp_cposts" ("id", "created", "updated", "views") select "id", "created", "updated", coalesce(case when',
    );
    expect(p.steps[2]!.parameters).toEqual([0]);
    expect(p.steps[4]!.sql).toBe('alter table "prj_p___tmp_cposts" rename to "prj_p__posts"');
    expect(p.steps[5]!.sql).toMatch(/^create index "prj_p__ix_[0-9a-f]{20}" on "prj_p__posts" \("views"\)$/);
  });

  it("uses plain ALTERs where SQLite can", async () => {
    const from = model(posts([title, { id: "fviews", name: "views", type: "integer" }]));
    const p = await plan(
      "sqlite",
      from,
      model(
        posts([
          { ...title, name: "heading" },
          { id: "fextra", name: "extra", type: "boolean" },
        ]),
      ),
      { rows: 1 },
    );
    expect(sqlOf(p)).toEqual([
      'create table "prj_p___ret_r1" as select "id", "views" as "value" from "prj_p__posts"',
      'alter table "prj_p__posts" drop column "views"',
      'alter table "prj_p__posts" rename column "title" to "heading"',
      'alter table "prj_p__posts" add column "extra" integer',
    ]);
  });

  it("restores a retained collection with its records and links", async () => {
    const def = model(posts([title, { id: "flinks", name: "links", type: "relation", collection: "posts", multiple: true }]));
    const retained: RetainedEntry = {
      id: "old1",
      kind: "collection",
      collectionId: "cposts",
      collectionName: "posts",
      fieldId: null,
      fieldName: null,
      definition: def.collections[0]!,
      tables: { main: "_ret_old1", junctions: { flinks: "_ret_old2" } },
      rows: 3,
      version: 2,
    };
    const p = await plan("sqlite", EMPTY, def, { retained: [retained] });
    expect(actions(p)).toEqual([
      "create_table",
      "restore_records",
      "create_junction",
      "create_index",
      "restore_links",
      "drop_retained",
      "drop_retained",
    ]);
    expect(p.steps[1]!.sql).toBe(
      'insert into "prj_p__posts" ("id", "created", "updated", "title") select "id", "created", "updated", "title" from "prj_p___ret_old1"',
    );
    expect(p.restored).toEqual(["old1"]);
    expect(p.warnings).toContainEqual({ code: "data_restored", collection: "posts", rows: 3 });
  });
});

describe.each(DATABASE_KINDS)("planMigration invariants on %s", (kind) => {
  it("plans nothing for an unchanged model", async () => {
    const m = model(posts([title], { indexes: [{ fields: ["title"] }] }));
    expect((await plan(kind, m, m, { rows: 10 })).steps).toEqual([]);
  });

  it("never puts a default value into SQL text", async () => {
    const hostile = "x'); drop table posts; --";
    const p = await plan(
      kind,
      model(posts([title])),
      model(posts([title, { id: "fnote", name: "note", type: "text", nullable: false, default: hostile }])),
      { rows: 1 },
    );
    for (const s of p.steps) expect(s.sql).not.toContain("drop table posts");
    expect(p.steps.flatMap((s) => s.parameters)).toContain(hostile);
  });
});
