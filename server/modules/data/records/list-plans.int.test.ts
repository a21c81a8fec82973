import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../../testing/databases";
import { admin, anonymous, openDataTest, user, type DataTest } from "../test-support";
import type { Actor } from "../types";

// A list's SQL is compiled once per query shape and reused: these repeat the same query and check
// that what must still differ per request (the caller, the time, the model) does.
describe.each(DATABASE_KINDS)("list queries asked again on %s", (kind) => {
  let t: DataTest;
  let p: string;
  let now = Date.parse("2030-01-01T00:00:00.000Z");
  const ann = user("ann");
  const bob = user("bob");
  const key: Actor = { type: "apiKey", id: "k1", permissions: ["records:orgs:list"] };

  beforeAll(async () => {
    t = await openDataTest(kind, { clock: () => now });
    p = t.project();
    await t.apply(p, {
      collections: [
        { name: "orgs", fields: [{ name: "name", type: "text" }], rules: { list: 'name != "secret"' } },
        {
          name: "notes",
          fields: [
            { name: "text", type: "text" },
            { name: "owner", type: "text" },
          ],
          rules: { list: "owner == auth.id" },
        },
        {
          name: "tasks",
          fields: [
            { name: "title", type: "text" },
            { name: "due", type: "datetime" },
          ],
          rules: { list: "" },
        },
      ],
    });
    for (const name of ["open", "secret", "other"]) await t.data.records.create(p, "orgs", { name }, admin);
    for (const owner of ["ann", "ann", "bob"]) await t.data.records.create(p, "notes", { text: `by ${owner}`, owner }, admin);
    await t.data.records.create(p, "tasks", { title: "early", due: "2030-01-01T00:00:10.000Z" }, admin);
    await t.data.records.create(p, "tasks", { title: "late", due: "2030-01-01T00:00:20.000Z" }, admin);
  });
  afterAll(() => t.close());

  const names = async (actor: Actor, query: Record<string, unknown> = { sort: "name" }) =>
    (await t.data.records.list(p, "orgs", query, actor)).items.map((r) => r.name);

  it("applies the rule to callers who do not bypass it, and not to those who do, however often asked", async () => {
    for (let i = 0; i < 3; i++) {
      expect(await names(anonymous)).toEqual(["open", "other"]);
      expect(await names(ann)).toEqual(["open", "other"]);
      expect(await names(admin)).toEqual(["open", "other", "secret"]);
      expect(await names(key)).toEqual(["open", "other", "secret"]);
    }
    expect(await names(anonymous, { sort: "name", filter: 'name != "open"' })).toEqual(["other"]);
    expect(await names(admin, { sort: "name", filter: 'name != "open"' })).toEqual(["other", "secret"]);
    expect(await names(anonymous, { sort: "-name", perPage: 1, page: 2, count: true })).toEqual(["open"]);
    const page = await t.data.records.list(p, "orgs", { sort: "-name", perPage: 1, page: 2, count: true }, anonymous);
    expect(page).toMatchObject({ page: 2, perPage: 1, hasMore: false, totalItems: 2, totalPages: 2 });
  });

  it("reads auth for each caller under a rule on auth.id", async () => {
    for (let i = 0; i < 2; i++) {
      expect((await t.data.records.list(p, "notes", { sort: "text" }, ann)).items.map((r) => r.text)).toEqual(["by ann", "by ann"]);
      expect((await t.data.records.list(p, "notes", { sort: "text" }, bob)).items.map((r) => r.text)).toEqual(["by bob"]);
      expect((await t.data.records.list(p, "notes", { sort: "text" }, anonymous)).items).toEqual([]);
    }
  });

  it("reads the time anew for a filter on @now", async () => {
    const titles = async () =>
      (await t.data.records.list(p, "tasks", { filter: "due < @now", sort: "due" }, anonymous)).items.map((r) => r.title);
    now = Date.parse("2030-01-01T00:00:00.000Z");
    expect(await titles()).toEqual([]);
    now = Date.parse("2030-01-01T00:00:15.000Z");
    expect(await titles()).toEqual(["early"]);
    now = Date.parse("2030-01-01T00:00:30.000Z");
    expect(await titles()).toEqual(["early", "late"]);
  });

  it("follows a model change: a new rule and a new field apply to the same query at once", async () => {
    expect(await names(anonymous)).toEqual(["open", "other"]);
    await t.apply(p, {
      collections: [
        {
          name: "orgs",
          fields: [
            { name: "name", type: "text" },
            { name: "size", type: "integer" },
          ],
          rules: { list: 'name != "other"' },
        },
        {
          name: "notes",
          fields: [
            { name: "text", type: "text" },
            { name: "owner", type: "text" },
          ],
          rules: { list: "owner == auth.id" },
        },
        {
          name: "tasks",
          fields: [
            { name: "title", type: "text" },
            { name: "due", type: "datetime" },
          ],
          rules: { list: "" },
        },
      ],
    });
    expect(await names(anonymous)).toEqual(["open", "secret"]);
    expect((await t.data.records.list(p, "orgs", { sort: "name" }, anonymous)).items[0]).toMatchObject({ name: "open", size: null });
  });

  it("still refuses bad input on a query shape it knows", async () => {
    expect(await names(anonymous)).toEqual(["open", "secret"]);
    await expect(t.data.records.list(p, "orgs", { sort: "nope" }, anonymous)).rejects.toMatchObject({ code: "unknown_field" });
    await expect(t.data.records.list(p, "missing", { sort: "name" }, anonymous)).rejects.toMatchObject({ code: "collection_not_found" });
    await expect(t.data.records.list(p, "orgs", { sort: "name", perPage: 100_000 }, anonymous)).rejects.toMatchObject({
      code: "per_page_too_large",
    });
  });
});
