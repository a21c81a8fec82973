import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../platform/errors/app-error";
import { DATABASE_KINDS } from "../../../testing/databases";
import { admin, flushBus, openDataTest, user, type DataTest } from "../test-support";
import type { RecordData } from "../types";
import type { RecordEvent } from "./record-service";

async function failure(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

describe.each(DATABASE_KINDS)("records on %s", (kind) => {
  let t: DataTest;
  let p: string;
  const items: RecordData[] = [];
  let org: RecordData;
  let people: RecordData[];

  beforeAll(async () => {
    t = await openDataTest(kind);
    p = t.project();
    await t.apply(p, {
      collections: [
        { name: "countries", fields: [{ name: "name", type: "text" }], rules: { view: "" } },
        {
          name: "orgs",
          fields: [
            { name: "name", type: "text" },
            { name: "country", type: "relation", collection: "countries" },
          ],
          rules: { view: "" },
        },
        {
          name: "people",
          fields: [
            { name: "name", type: "text" },
            { name: "org", type: "relation", collection: "orgs", onDelete: "restrict" },
          ],
          rules: { view: "", list: "" },
        },
        {
          name: "items",
          fields: [
            { name: "title", type: "text" },
            { name: "rank", type: "integer" },
            { name: "price", type: "decimal" },
            { name: "done", type: "boolean", nullable: false, default: false },
            { name: "owner", type: "relation", collection: "people", onDelete: "cascade" },
            { name: "helper", type: "relation", collection: "people", onDelete: "set null" },
            { name: "watchers", type: "relation", collection: "people", multiple: true },
            { name: "parent", type: "relation", collection: "items" },
          ],
          indexes: [{ fields: ["rank", "title"] }],
          rules: { list: "", view: "", create: "", update: "", delete: "" },
        },
      ],
    });
    const country = await t.data.records.create(p, "countries", { name: "fr" }, admin);
    org = await t.data.records.create(p, "orgs", { name: "acme", country: country.id }, admin);
    people = [
      await t.data.records.create(p, "people", { name: "ann", org: org.id }, admin),
      await t.data.records.create(p, "people", { name: "bob" }, admin),
    ];
    const ranks = [3, 1, null, 2, 1, 3, null, 2, 1, 5, 4, 2];
    for (let i = 0; i < ranks.length; i++) {
      items.push(
        await t.data.records.create(
          p,
          "items",
          {
            title: `item ${String.fromCharCode(97 + ((i * 7) % 12))}`,
            rank: ranks[i],
            price: `${i}.5`,
            done: i % 3 === 0,
            owner: people[i % 2]!.id,
            watchers: i % 4 === 0 ? [people[1]!.id, people[0]!.id] : [],
          },
          admin,
        ),
      );
    }
  });
  afterAll(() => t.close());

  const list = (query: Parameters<DataTest["data"]["records"]["list"]>[2]) => t.data.records.list(p, "items", query, admin);

  it("filters with every operator", async () => {
    const count = async (filter: string) => (await list({ filter, perPage: 500 })).items.length;
    expect(await count("rank == 1")).toBe(3);
    expect(await count("rank != 1")).toBe(9);
    expect(await count("rank > 2 && !done")).toBe(items.filter((r) => (r.rank as number) > 2 && !r.done).length);
    expect(await count("rank == null")).toBe(2);
    expect(await count("rank in [1, 5]")).toBe(4);
    expect(await count('title.startsWith("item a") || title.contains("b")')).toBe(2);
    expect(await count("price >= 10")).toBe(2);
    expect(await count('owner.name == "ann"')).toBe(6);
    expect(await count('owner.org.country.name == "fr"')).toBe(6);
    expect(await count(`"${people[0]!.id}" in watchers`)).toBe(3);
    expect(await count('watchers.exists(w, w.name == "bob")')).toBe(3);
    expect(await count('watchers.all(w, w.name == "bob")')).toBe(9);
    expect(await count("created <= @now && updated >= created")).toBe(12);
  });

  it("sorts on several fields, descending with -, nulls first ascending", async () => {
    const res = await list({ sort: "-rank,title", perPage: 500 });
    const expected = [...items].sort((a, b) => {
      const ra = a.rank as number | null;
      const rb = b.rank as number | null;
      if (ra !== rb) return ra === null ? 1 : rb === null ? -1 : rb - ra;
      return (a.title as string) < (b.title as string) ? -1 : 1;
    });
    expect(res.items.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    const asc = await list({ sort: ["rank"], perPage: 3 });
    expect(asc.items.map((r) => r.rank)).toEqual([null, null, 1]);
  });

  it("pages with page/perPage, counts on request only", async () => {
    const first = await list({ sort: "title", perPage: 5 });
    expect(first).toMatchObject({ page: 1, perPage: 5, hasMore: true });
    expect(first.totalItems).toBeUndefined();
    const third = await list({ sort: "title", perPage: 5, page: 3, count: true });
    expect(third).toMatchObject({ page: 3, hasMore: false, totalItems: 12, totalPages: 3 });
    expect(third.items).toHaveLength(2);
    const all = [...first.items, ...(await list({ sort: "title", perPage: 5, page: 2 })).items, ...third.items].map((r) => r.id);
    expect(new Set(all).size).toBe(12);
  });

  it("walks every record once with cursors, across ties, nulls and both directions", async () => {
    for (const sort of ["rank", "-rank", "rank,-title", "-done,rank", "price", "-created"]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 20; guard++) {
        const page = await list({ sort, perPage: 5, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((r) => r.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      const everything = (await list({ sort, perPage: 500 })).items.map((r) => r.id);
      expect(seen, sort).toEqual(everything);
      expect(new Set(seen).size).toBe(12);
    }
    // A cursor belongs to its sort.
    const page = await list({ sort: "rank", perPage: 2 });
    expect(await failure(() => list({ sort: "title", cursor: page.nextCursor! }))).toMatchObject({ code: "invalid_cursor", status: 400 });
    expect(await failure(() => list({ cursor: "garbage" }))).toMatchObject({ code: "invalid_cursor" });
    const forged = Buffer.from(JSON.stringify(["rank,id", "not a number", "x"])).toString("base64url");
    expect(await failure(() => list({ sort: "rank", cursor: forged }))).toMatchObject({ code: "invalid_cursor" });
    expect(await failure(() => list({ cursor: page.nextCursor!, page: 2, sort: "rank" }))).toMatchObject({ code: "cursor_with_page" });
  });

  it("projects fields and expands relations up to three levels", async () => {
    const res = await list({ fields: "id,title,owner", expand: "owner.org.country,watchers", sort: "created", perPage: 1 });
    const first = res.items[0]!;
    expect(Object.keys(first).sort()).toEqual(["expand", "id", "owner", "title"]);
    expect(first.expand).toMatchObject({
      owner: { name: "ann", expand: { org: { name: "acme", expand: { country: { name: "fr" } } } } },
      watchers: [{ name: "bob" }, { name: "ann" }],
    });
    const one = await t.data.records.get(p, "items", items[1]!.id, admin, { fields: "title" });
    expect(one).toEqual({ title: items[1]!.title });
    expect(await failure(() => list({ expand: "owner.org.country.name" }))).toMatchObject({
      code: "expand_too_deep",
      status: 400,
      details: { max: 3 },
    });
    expect(await failure(() => list({ expand: "title" }))).toMatchObject({ code: "not_expandable" });
    expect(await failure(() => list({ expand: "nope" }))).toMatchObject({ code: "unknown_field" });
    expect(await failure(() => list({ fields: "nope" }))).toMatchObject({ code: "unknown_field" });
  });

  it("refuses bad input with clear codes, never reaching SQL", async () => {
    expect(await failure(() => t.data.records.list(p, "nope", {}, admin))).toMatchObject({ code: "collection_not_found", status: 404 });
    expect(await failure(() => t.data.records.list(p, "items; drop table x", {}, admin))).toMatchObject({ code: "collection_not_found" });
    expect(await failure(() => t.data.records.list("Bad-Project", "items", {}, admin))).toMatchObject({
      code: "invalid_project_id",
      status: 400,
    });
    for (const reserved of ["public", "pg_catalog", "information_schema", "a__b"]) {
      expect(await failure(() => t.data.schema.dropProject(reserved))).toMatchObject({ code: "invalid_project_id" });
    }
    expect(await failure(() => list({ perPage: 501 }))).toMatchObject({ code: "per_page_too_large", status: 400, details: { max: 500 } });
    expect(await failure(() => list({ filter: `title == "${"x".repeat(4100)}"` }))).toMatchObject({ code: "filter_too_long", status: 400 });
    expect(await failure(() => list({ filter: "title ==" }))).toMatchObject({ code: "invalid_expression", status: 400 });
    expect(await failure(() => list({ filter: "rank == 'x'" }))).toMatchObject({ code: "type_mismatch", status: 400 });
    expect(await failure(() => list({ filter: "nope == 1" }))).toMatchObject({
      code: "unknown_field",
      status: 400,
      details: { field: "nope", start: 0, end: 4 },
    });
    expect(await failure(() => list({ sort: "watchers" }))).toMatchObject({ code: "not_sortable" });
    expect(await failure(() => list({ sort: "-nope" }))).toMatchObject({ code: "unknown_field" });
    expect(await failure(() => t.data.records.get(p, "items", "bad id'", admin))).toMatchObject({ code: "invalid_record_id", status: 400 });
    expect(await failure(() => t.data.records.get(p, "items", "nosuchid", admin))).toMatchObject({ code: "record_not_found", status: 404 });
    expect(await failure(() => t.data.records.create(p, "items", [] as never, admin))).toMatchObject({
      code: "invalid_input",
      status: 400,
    });
  });

  it("runs a batch in one transaction: all or nothing", async () => {
    const before = (await list({ count: true, perPage: 1 })).totalItems;
    const err = await failure(() =>
      t.data.records.batch(
        p,
        [
          { action: "create", collection: "items", data: { title: "batch 1" } },
          { action: "update", collection: "items", id: items[0]!.id, data: { title: "changed" } },
          { action: "create", collection: "items", data: { rank: "not a number" } },
        ],
        admin,
      ),
    );
    expect(err).toMatchObject({ code: "validation_failed", details: { operation: 2, fields: { rank: { code: "invalid_type" } } } });
    expect((await list({ count: true, perPage: 1 })).totalItems).toBe(before);
    expect((await t.data.records.get(p, "items", items[0]!.id, admin)).title).toBe(items[0]!.title);

    const done = await t.data.records.batch(
      p,
      [
        { action: "create", collection: "items", data: { title: "batch a" } },
        { action: "update", collection: "items", id: items[0]!.id, data: { rank: 9 } },
        { action: "delete", collection: "items", id: items[11]!.id },
      ],
      admin,
    );
    expect(done.map((r) => r.action)).toEqual(["create", "update", "delete"]);
    expect(done[1]!.record).toMatchObject({ rank: 9 });
    expect((await list({ count: true, perPage: 1 })).totalItems).toBe(before);
    await t.data.records.delete(p, "items", done[0]!.id, admin);
    await t.data.records.update(p, "items", items[0]!.id, { rank: items[0]!.rank }, admin);
    items.pop();

    expect(
      await failure(() =>
        t.data.records.batch(
          p,
          Array.from({ length: 101 }, () => ({ action: "delete" as const, collection: "items", id: "x" })),
          admin,
        ),
      ),
    ).toMatchObject({ code: "batch_too_large", details: { max: 100 } });
    expect(await failure(() => t.data.records.batch(p, [{ action: "delete", collection: "nope", id: "x" }], admin))).toMatchObject({
      code: "collection_not_found",
      details: { operation: 0 },
    });
  });

  it("publishes created, updated and deleted events with before and after, after commit", async () => {
    await flushBus();
    const start = t.messages.length;
    const r = await t.data.records.create(p, "items", { title: "evented" }, user("u9"));
    const u = await t.data.records.update(p, "items", r.id, { title: "evented 2" }, admin);
    await t.data.records.delete(p, "items", r.id, admin);
    await failure(() => t.data.records.create(p, "items", { rank: "x" }, admin));
    await flushBus();
    const events = t.messages.slice(start).filter((m) => m.subject.startsWith(`project.${p}.records.`));
    expect(events.map((m) => m.subject)).toEqual([
      `project.${p}.records.items.created`,
      `project.${p}.records.items.updated`,
      `project.${p}.records.items.deleted`,
    ]);
    const [created, updated, deleted] = events.map((m) => m.data as RecordEvent);
    expect(created).toMatchObject({
      project: p,
      collection: "items",
      action: "created",
      id: r.id,
      record: r,
      before: null,
      actor: { type: "user", id: "u9" },
    });
    expect(updated).toMatchObject({ action: "updated", record: u, before: r });
    expect(deleted).toMatchObject({ action: "deleted", record: null, before: u });
  });

  it("applies on-delete rules: restrict refuses, cascade deletes, set null clears, links go", async () => {
    expect(await failure(() => t.data.records.delete(p, "orgs", org.id, admin))).toMatchObject({
      code: "relation_restricted",
      status: 409,
    });
    const carl = await t.data.records.create(p, "people", { name: "carl" }, admin);
    const dave = await t.data.records.create(p, "people", { name: "dave" }, admin);
    const owned = await t.data.records.create(p, "items", { title: "owned", owner: carl.id, helper: dave.id, watchers: [dave.id] }, admin);
    const helped = await t.data.records.create(p, "items", { title: "helped", helper: dave.id, watchers: [dave.id, carl.id] }, admin);
    await t.data.records.delete(p, "people", carl.id, admin);
    expect(await failure(() => t.data.records.get(p, "items", owned.id, admin))).toMatchObject({ code: "record_not_found" });
    expect((await t.data.records.get(p, "items", helped.id, admin)).watchers).toEqual([dave.id]);
    await t.data.records.delete(p, "people", dave.id, admin);
    expect(await t.data.records.get(p, "items", helped.id, admin)).toMatchObject({ helper: null, watchers: [] });
    await t.data.records.delete(p, "items", helped.id, admin);
  });

  it("supports self-relations", async () => {
    const child = await t.data.records.create(p, "items", { title: "child", parent: items[0]!.id }, admin);
    expect((await t.data.records.get(p, "items", child.id, admin, { expand: "parent.parent" })).expand).toMatchObject({
      parent: { id: items[0]!.id },
    });
    expect((await list({ filter: `parent.title == "${items[0]!.title}"` })).items.map((r) => r.id)).toEqual([child.id]);
    await t.data.records.delete(p, "items", child.id, admin);
  });

  it("never shows a read what another transaction has not committed (SQLite: reads skip the queue only while no transaction is open)", async () => {
    const list = async () => (await t.data.records.listJson(p, "countries", { perPage: 500 }, admin)).match(/"id":"[^"]+"/g);
    const before = await list();
    const table = kind === "sqlite" ? sql.table(`${p}__countries`) : sql.table(`${p}.countries`);
    const at = new Date().toISOString();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Another module's transaction: it writes, then waits on something else (a timer, I/O) before it ends.
    const other = t.database.db.transaction().execute(async (trx) => {
      await sql`insert into ${table} (id, created, updated, name) values (${"uncommitted0001"}, ${at}, ${at}, ${"zz"})`.execute(trx);
      await held;
      throw new Error("rolled back");
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const listed = list();
    const got = t.data.records.get(p, "countries", "uncommitted0001", admin).then(
      () => "found",
      (err: AppError) => err.code,
    );
    setTimeout(release, 20);
    await expect(other).rejects.toThrow("rolled back");
    expect(await listed).toEqual(before);
    expect(await got).toBe("record_not_found");
  });
});
