import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBus } from "../../../platform/bus/embedded";
import { openDatabase } from "../../../platform/db/connect";
import { AppError } from "../../../platform/errors/app-error";
import { DATABASE_KINDS } from "../../../testing/databases";
import type { CollectionInput, ModelDocumentInput } from "../schema";
import { createDataService } from "../service";
import { admin, flushBus, openDataTest, type DataTest } from "../test-support";
import type { RecordData } from "../types";

async function failure(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

const doc = (...collections: CollectionInput[]): ModelDocumentInput => ({ collections });
const strip = (r: RecordData, ...keys: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));

describe.each(DATABASE_KINDS)("model changes and rollback on %s", (kind) => {
  let t: DataTest;
  beforeAll(async () => {
    t = await openDataTest(kind);
  });
  afterAll(() => t.close());

  const all = async (p: string, collection: string) =>
    (await t.data.records.list(p, collection, { perPage: 500, sort: "id" }, admin)).items;
  const current = async (p: string) => (await t.data.schema.get(p)).schema;

  it("adds a field with a default, rolls back, and brings its values back with the version", async () => {
    const p = t.project();
    await t.apply(p, doc({ name: "posts", fields: [{ name: "title", type: "text" }] }));
    for (const title of ["a", "b", "c"]) await t.data.records.create(p, "posts", { title }, admin);
    const before = await all(p, "posts");
    const v2 = await t.apply(
      p,
      doc({
        ...(await current(p)).collections[0]!,
        fields: [...(await current(p)).collections[0]!.fields, { name: "views", type: "integer", nullable: false, default: 0 }],
      }),
    );
    expect(v2).toBe(2);
    expect((await all(p, "posts")).map((r) => r.views)).toEqual([0, 0, 0]);
    await t.data.records.update(p, "posts", before[1]!.id, { views: 5 }, admin);

    expect(await t.rollback(p, 1)).toBe(3);
    const rolled = await all(p, "posts");
    expect(rolled.map((r) => strip(r, "updated"))).toEqual(before.map((r) => strip(r, "updated")));
    expect(rolled[0]).not.toHaveProperty("views");
    expect(await t.data.schema.retained(p)).toEqual([
      expect.objectContaining({ kind: "field", collection: "posts", field: "views", rows: 3, version: 3 }),
    ]);

    expect(await t.rollback(p, 2)).toBe(4);
    expect((await all(p, "posts")).map((r) => r.views)).toEqual([0, 5, 0]);
    expect(await t.data.schema.retained(p)).toEqual([]);
  });

  it("applies the model it returned and rolls back to versions with autodate fields", async () => {
    const p = t.project();
    await t.apply(
      p,
      doc({
        name: "notes",
        fields: [
          { name: "text", type: "text" },
          { name: "touched", type: "autodate", onUpdate: true },
        ],
      }),
    );
    const note = await t.data.records.create(p, "notes", { text: "kept" }, admin);
    // What get() returns goes back in as it is: a rules-only change, as the console makes it.
    const model = await current(p);
    expect(await t.apply(p, { collections: [{ ...model.collections[0]!, rules: { ...model.collections[0]!.rules, list: "" } }] })).toBe(2);
    await t.apply(p, doc({ name: "notes", fields: [{ name: "text", type: "text" }] }));
    expect(await t.rollback(p, 1)).toBe(4);
    expect((await current(p)).collections[0]!.fields.map((f) => f.name)).toEqual(["text", "touched"]);
    expect((await t.data.records.get(p, "notes", note.id, admin)).touched).toBe(note.touched);
  });

  it("renames a field and back, keeping its values", async () => {
    const p = t.project();
    await t.apply(p, doc({ name: "posts", fields: [{ name: "title", type: "text" }] }));
    const r = await t.data.records.create(p, "posts", { title: "kept" }, admin);
    const model = await current(p);
    const renamed = { ...model.collections[0]!, fields: [{ ...model.collections[0]!.fields[0]!, name: "heading" }] };
    await t.apply(p, { collections: [renamed] });
    expect(await t.data.records.get(p, "posts", r.id, admin)).toMatchObject({ heading: "kept" });
    expect((await t.data.schema.version(p, 2)).upSteps.map((s) => s.action)).toEqual(["rename_column"]);
    await t.rollback(p, 1);
    expect(await t.data.records.get(p, "posts", r.id, admin)).toEqual(r);
  });

  it("drops a field into a retained table and restores it on rollback; purge makes it final", async () => {
    const p = t.project();
    await t.apply(
      p,
      doc({
        name: "posts",
        fields: [
          { name: "title", type: "text" },
          { name: "views", type: "integer" },
          { name: "tags", type: "select", values: ["a", "b"], multiple: true },
        ],
      }),
    );
    const rows = [
      await t.data.records.create(p, "posts", { title: "x", views: 3, tags: ["b", "a"] }, admin),
      await t.data.records.create(p, "posts", { title: "y", views: null }, admin),
    ];
    const v1 = await current(p);
    const applied = await t.data.schema.apply(
      p,
      { baseVersion: 1, schema: { collections: [{ ...v1.collections[0]!, fields: [v1.collections[0]!.fields[0]!] }] } },
      "ann",
    );
    expect(applied.warnings).toEqual(
      expect.arrayContaining([
        { code: "data_retained", collection: "posts", field: "views", rows: 2 },
        { code: "data_retained", collection: "posts", field: "tags", rows: 2 },
      ]),
    );
    expect((await all(p, "posts"))[0]).not.toHaveProperty("views");
    await t.rollback(p, 1);
    expect((await all(p, "posts")).map((r) => strip(r, "updated"))).toEqual(rows.map((r) => strip(r, "updated")));

    await t.apply(p, { collections: [{ ...v1.collections[0]!, fields: [v1.collections[0]!.fields[0]!] }] });
    expect(await t.data.schema.purge(p)).toBe(2);
    expect(await t.data.schema.retained(p)).toEqual([]);
    await t.rollback(p, 1);
    expect((await all(p, "posts")).map((r) => [r.views, r.tags])).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  it("changes a type with conversion, and back", async () => {
    const p = t.project();
    await t.apply(
      p,
      doc({
        name: "items",
        fields: [
          { name: "code", type: "text" },
          { name: "amount", type: "integer" },
          { name: "when", type: "text" },
        ],
      }),
    );
    const values = [
      { code: "12", amount: 3, when: "2024-01-02T03:04:05Z" },
      { code: "x", amount: -7, when: "yesterday" },
      { code: " 7 ", amount: null, when: null },
    ];
    const ids: string[] = [];
    for (const v of values) ids.push((await t.data.records.create(p, "items", v, admin)).id);
    // Gets on every connection of the pool (PostgreSQL prepares them there), before and after each change.
    const gets = async () =>
      (await Promise.all(Array.from({ length: 30 }, () => t.data.records.get(p, "items", ids[0]!, admin)))).map((r) => [r.code, r.amount]);
    expect(new Set((await gets()).map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify(["12", 3])]));
    const m = await current(p);
    const [code, amount, when] = m.collections[0]!.fields;
    const changed = await t.data.schema.apply(
      p,
      {
        baseVersion: 1,
        schema: {
          collections: [
            {
              ...m.collections[0]!,
              fields: [
                { ...code!, type: "integer" } as never,
                { ...amount!, type: "text" } as never,
                { ...when!, type: "datetime" } as never,
              ],
            },
          ],
        },
      },
      "ann",
    );
    expect(changed.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(["conversion_may_lose_data", "table_rewrite"]));
    expect((await all(p, "items")).map((r) => [r.code, r.amount, r.when])).toEqual([
      [12, "3", "2024-01-02T03:04:05.000Z"],
      [null, "-7", null],
      [7, null, null],
    ]);
    expect(new Set((await gets()).map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify([12, "3"])]));
    // Filters and sorts see the new types.
    expect((await t.data.records.list(p, "items", { filter: "code > 10" }, admin)).items).toHaveLength(1);
    await t.rollback(p, 1);
    expect(new Set((await gets()).map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify(["12", 3])]));
    expect((await all(p, "items")).map((r) => [r.code, r.amount])).toEqual([
      ["12", 3],
      [null, -7],
      ["7", null],
    ]);
  });

  it("converts between numbers, booleans, dates and selects", async () => {
    const p = t.project();
    await t.apply(
      p,
      doc({
        name: "m",
        fields: [
          { name: "n", type: "number" },
          { name: "b", type: "boolean" },
          { name: "d", type: "datetime" },
          { name: "s", type: "select", values: ["a", "b"] },
        ],
      }),
    );
    await t.data.records.create(p, "m", { n: 2.6, b: true, d: "2024-03-04T23:30:00Z", s: "b" }, admin);
    const m = (await current(p)).collections[0]!;
    const [n, b, d, s] = m.fields;
    await t.apply(p, {
      collections: [
        {
          ...m,
          fields: [
            { ...n!, type: "decimal" } as never,
            { ...b!, type: "integer" } as never,
            { ...d!, type: "date" } as never,
            { ...s!, multiple: true } as never,
          ],
        },
      ],
    });
    expect((await all(p, "m"))[0]).toMatchObject({ n: "2.6", b: 1, d: "2024-03-04", s: ["b"] });
    await t.rollback(p, 1);
    expect((await all(p, "m"))[0]).toMatchObject({ n: 2.6, b: true, d: "2024-03-04T00:00:00.000Z", s: "b" });
  });

  it("adds and drops indexes; a unique index over duplicates fails cleanly and changes nothing", async () => {
    const p = t.project();
    await t.apply(p, doc({ name: "tags", fields: [{ name: "label", type: "text" }] }));
    await t.data.records.create(p, "tags", { label: "x" }, admin);
    const m = await current(p);
    await t.apply(p, { collections: [{ ...m.collections[0]!, indexes: [{ fields: ["label"], unique: true }] }] });
    expect(await failure(() => t.data.records.create(p, "tags", { label: "x" }, admin))).toMatchObject({
      code: "validation_failed",
      details: { fields: { label: { code: "not_unique" } } },
    });
    await t.rollback(p, 1);
    await t.data.records.create(p, "tags", { label: "x" }, admin);

    const err = await failure(() =>
      t.apply(p, {
        collections: [
          {
            ...m.collections[0]!,
            fields: [...m.collections[0]!.fields, { name: "extra", type: "text" }],
            indexes: [{ fields: ["label"], unique: true }],
          },
        ],
      }),
    );
    expect(err).toMatchObject({
      code: "schema_apply_failed",
      status: 422,
      details: { reason: "duplicate_values", action: "create_index" },
    });
    expect((await t.data.schema.get(p)).version).toBe(3);
    expect((await all(p, "tags"))[0]).not.toHaveProperty("extra");
    expect(await t.data.records.create(p, "tags", { label: "x" }, admin)).toBeTruthy();
  });

  it("adds and drops relations (to one and to many), restoring links on rollback", async () => {
    const p = t.project();
    const users = { name: "users", fields: [{ name: "name", type: "text" as const }] };
    await t.apply(p, doc(users, { name: "posts", fields: [{ name: "title", type: "text" }] }));
    const [ann, bob] = [
      await t.data.records.create(p, "users", { name: "ann" }, admin),
      await t.data.records.create(p, "users", { name: "bob" }, admin),
    ];
    const post = await t.data.records.create(p, "posts", { title: "t" }, admin);
    const m = await current(p);
    await t.apply(p, {
      collections: [
        m.collections[0]!,
        {
          ...m.collections[1]!,
          fields: [
            ...m.collections[1]!.fields,
            { name: "author", type: "relation", collection: "users", onDelete: "cascade" },
            { name: "readers", type: "relation", collection: "users", multiple: true },
          ],
        },
      ],
    });
    await t.data.records.update(p, "posts", post.id, { author: ann.id, readers: [bob.id, ann.id] }, admin);
    await t.rollback(p, 1);
    expect(await t.data.records.get(p, "posts", post.id, admin)).not.toHaveProperty("author");
    await t.data.records.delete(p, "users", bob.id, admin);
    await t.rollback(p, 2);
    // The link to the deleted user is gone; the rest came back.
    expect(await t.data.records.get(p, "posts", post.id, admin)).toMatchObject({ author: ann.id, readers: [ann.id] });
    // The foreign keys are back too: deleting the author cascades.
    await t.data.records.delete(p, "users", ann.id, admin);
    expect(await failure(() => t.data.records.get(p, "posts", post.id, admin))).toMatchObject({ code: "record_not_found" });
  });

  it("adds, drops and renames collections, records intact", async () => {
    const p = t.project();
    await t.apply(
      p,
      doc({
        name: "posts",
        fields: [
          { name: "title", type: "text" },
          { name: "next", type: "relation", collection: "posts" },
          { name: "refs", type: "relation", collection: "posts", multiple: true },
        ],
      }),
    );
    const a = await t.data.records.create(p, "posts", { title: "a" }, admin);
    const b = await t.data.records.create(p, "posts", { title: "b", next: a.id, refs: [a.id] }, admin);
    const v1 = await current(p);

    await t.apply(p, { collections: [...v1.collections, { name: "notes", fields: [{ name: "text", type: "text" }] }] });
    await t.data.records.create(p, "notes", { text: "n" }, admin);
    await t.apply(p, { collections: [] });
    expect(await failure(() => t.data.records.list(p, "posts", {}, admin))).toMatchObject({ code: "collection_not_found", status: 404 });
    expect((await t.data.schema.retained(p)).map((r) => [r.kind, r.collection]).sort()).toEqual([
      ["collection", "notes"],
      ["collection", "posts"],
    ]);
    await t.rollback(p, 2);
    expect((await all(p, "posts")).map((r) => strip(r))).toEqual([a, b]);
    expect((await all(p, "notes")).map((r) => r.text)).toEqual(["n"]);

    const now = await current(p);
    // The designer renames the collection and the relations that name it.
    const retarget = (f: (typeof now.collections)[0]["fields"][number]) => (f.type === "relation" ? { ...f, collection: "articles" } : f);
    await t.apply(p, {
      collections: [
        { ...now.collections[0]!, name: "articles", fields: now.collections[0]!.fields.map(retarget) as never },
        now.collections[1]!,
      ],
    });
    expect((await all(p, "articles")).map((r) => r.title)).toEqual(["a", "b"]);
    expect(await failure(() => t.data.records.list(p, "posts", {}, admin))).toMatchObject({ code: "collection_not_found" });
    expect((await t.data.records.get(p, "articles", b.id, admin, { expand: "next,refs" })).expand).toMatchObject({
      next: { title: "a" },
      refs: [{ title: "a" }],
    });
    await t.rollback(p, 1);
    expect(await all(p, "posts")).toEqual([a, b]);
    await expect(t.data.records.list(p, "notes", {}, admin)).rejects.toMatchObject({ code: "collection_not_found" });
  });

  it("refuses a stale base version with 409, in preview and apply", async () => {
    const p = t.project();
    await t.apply(p, doc({ name: "a", fields: [] }));
    const stale = { baseVersion: 0, schema: doc({ name: "b", fields: [] }) };
    expect(await failure(() => t.data.schema.apply(p, stale, "ann"))).toMatchObject({
      code: "schema_version_conflict",
      status: 409,
      details: { expected: 0, actual: 1 },
    });
    expect(await failure(() => t.data.schema.preview(p, stale))).toMatchObject({ code: "schema_version_conflict", status: 409 });
    expect(await failure(() => t.data.schema.rollback(p, { baseVersion: 0, toVersion: 0 }, "ann"))).toMatchObject({
      code: "schema_version_conflict",
    });
    expect(await failure(() => t.data.schema.rollback(p, { baseVersion: 1, toVersion: 9 }, "ann"))).toMatchObject({
      code: "version_not_found",
      status: 404,
    });
    expect((await t.data.schema.get(p)).version).toBe(1);
  });

  it("serializes concurrent applies: one wins each base version, chains apply in order", async () => {
    const p = t.project();
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map((i) => t.data.schema.apply(p, { baseVersion: 0, schema: doc({ name: `c${i}`, fields: [] }) }, `dev${i}`)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "schema_version_conflict", status: 409 });
    const chain = await Promise.all(
      [1, 2, 3].map((base) => t.data.schema.apply(p, { baseVersion: base, schema: doc({ name: `k${base}`, fields: [] }) }, "dev")),
    );
    expect(chain.map((c) => c.version)).toEqual([2, 3, 4]);
    expect((await t.data.schema.history(p)).map((h) => h.version)).toEqual([4, 3, 2, 1]);
  });

  it("keeps a history with authors, steps to undo, and announces changes", async () => {
    const p = t.project();
    await t.data.schema.apply(
      p,
      { baseVersion: 0, schema: doc({ name: "a", fields: [{ name: "x", type: "text" }] }), message: "first" },
      "ann",
    );
    await t.data.schema.apply(p, { baseVersion: 1, schema: doc({ name: "a", fields: [] }) }, "bob");
    await flushBus();
    const history = await t.data.schema.history(p);
    expect(history.map((h) => [h.version, h.kind, h.author, h.message, h.baseVersion])).toEqual([
      [2, "apply", "bob", null, 1],
      [1, "apply", "ann", "first", 0],
    ]);
    const v2 = await t.data.schema.version(p, 2);
    expect(v2.upSteps.map((s) => s.action)).toEqual(["retain_field", "drop_column"]);
    expect(v2.downSteps.map((s) => s.action)).toEqual(expect.arrayContaining(["add_column", "restore_field", "drop_retained"]));
    expect(v2.upSteps[0]!.sql).toMatch(/create table/);
    const rolled = await t.data.schema.rollback(p, { baseVersion: 2, toVersion: 1 }, "carl");
    expect(rolled).toMatchObject({ version: 3, kind: "rollback", author: "carl" });
    expect((await t.data.schema.history(p))[0]).toMatchObject({ kind: "rollback", message: "rollback to version 1" });
    expect(
      t.messages.filter((m) => m.subject === `project.${p}.data.schema.changed`).map((m) => (m.data as { version: number }).version),
    ).toEqual([1, 2, 3]);
  });

  it("refuses invalid models and impossible changes without a new version", async () => {
    const p = t.project();
    await t.apply(p, doc({ name: "a", fields: [{ name: "x", type: "json" }] }));
    await t.data.records.create(p, "a", { x: { y: 1 } }, admin);
    const m = await current(p);
    expect(await failure(() => t.apply(p, doc({ name: "a", fields: [{ name: "id", type: "text" }] })))).toMatchObject({
      code: "reserved_name",
    });
    expect(
      await failure(() =>
        t.apply(p, { collections: [{ ...m.collections[0]!, fields: [{ ...m.collections[0]!.fields[0]!, type: "integer" } as never] }] }),
      ),
    ).toMatchObject({ code: "unsupported_type_change" });
    expect(
      await failure(() =>
        t.apply(p, {
          collections: [{ ...m.collections[0]!, fields: [...m.collections[0]!.fields, { name: "must", type: "text", required: true }] }],
        }),
      ),
    ).toMatchObject({ code: "backfill_required", status: 422 });
    expect((await t.data.schema.get(p)).version).toBe(1);
  });
});

// SQLite is one process by design (better-sqlite3 waits for locks synchronously, so two connections
// in one process cannot take turns); several nodes mean PostgreSQL.
describe("two nodes sharing one PostgreSQL", () => {
  let t: DataTest;
  beforeAll(async () => {
    t = await openDataTest("postgres");
  });
  afterAll(() => t.close());

  it("serialize applies through the database lock; the loser gets 409, and both see the result", async () => {
    const p = t.project();
    const second = openDatabase(t.url);
    const bus = createEmbeddedBus({ database: second as never });
    await bus.start();
    try {
      const other = createDataService({ database: second, bus });
      const results = await Promise.allSettled(
        [t.data, other, t.data, other].map((svc, i) =>
          svc.schema.apply(p, { baseVersion: 0, schema: doc({ name: `n${i}`, fields: [{ name: "x", type: "text" }] }) }, "dev"),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "schema_version_conflict" });
      const winner = (await t.data.schema.get(p)).schema.collections[0]!.name;
      // The other node's cache sees the change.
      expect((await other.records.list(p, winner, {}, admin)).items).toEqual([]);
    } finally {
      await bus.close();
      await second.close();
    }
  });
});
