import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../testing/databases";
import { admin, openDataTest, type DataTest } from "./test-support";

describe.each(DATABASE_KINDS)("smoke on %s", (kind) => {
  let t: DataTest;
  beforeAll(async () => {
    t = await openDataTest(kind);
  });
  afterAll(() => t.close());

  it("applies, writes, reads", async () => {
    const p = t.project();
    await t.apply(p, {
      collections: [
        { name: "users", fields: [{ name: "name", type: "text", required: true }], rules: { list: "", view: "" } },
        {
          name: "posts",
          fields: [
            { name: "title", type: "text", required: true, max: 20 },
            { name: "author", type: "relation", collection: "users" },
            { name: "tags", type: "relation", collection: "users", multiple: true },
            { name: "n", type: "integer" },
          ],
          indexes: [{ fields: ["title"], unique: true }],
          rules: { list: "author.name == 'ann' || n > 3", view: "" },
        },
      ],
    });
    const u = await t.data.records.create(p, "users", { name: "ann" }, admin);
    const post = await t.data.records.create(p, "posts", { title: "hi", author: u.id, tags: [u.id], n: 1 }, admin);
    expect(post).toMatchObject({ title: "hi", author: u.id, tags: [u.id], n: 1 });
    const list = await t.data.records.list(p, "posts", { filter: "title.startsWith('h') && tags.exists(x, x.name == 'ann')", expand: "author,tags", count: true }, { type: "anonymous" });
    expect(list.items).toHaveLength(1);
    expect(list.totalItems).toBe(1);
    expect((list.items[0]!.expand as Record<string, unknown>).author).toMatchObject({ name: "ann" });
    const plan = await t.data.schema.preview(p, { baseVersion: 1, schema: { collections: [{ name: "users", fields: [{ name: "name", type: "text" }] }] } });
    expect(plan.steps.length).toBeGreaterThan(0);
  });
});
