import { describe, expect, it } from "vitest";
import { diffModels } from "./model-diff";

const v1 = {
  collections: [
    {
      id: "c1",
      name: "posts",
      fields: [
        { id: "f1", name: "title", type: "text" },
        { id: "f2", name: "body", type: "text" },
      ],
      indexes: [],
      rules: { list: null },
    },
    { id: "c2", name: "tags", fields: [] },
  ],
};

describe("the history's model diff", () => {
  it("names added, removed, renamed and changed collections and fields, matching by id", () => {
    const v2 = {
      collections: [
        {
          id: "c1",
          name: "articles",
          fields: [
            { id: "f1", name: "headline", type: "text" },
            { id: "f3", name: "views", type: "integer" },
          ],
          indexes: [{ fields: ["headline"], unique: true }],
          rules: { list: "" },
        },
        { name: "authors", fields: [{ name: "name", type: "text", max: 10 }] },
      ],
    };
    expect(diffModels(v1, v2)).toEqual([
      { kind: "renamed", path: "articles", from: "posts" },
      { kind: "changed", path: "articles", parts: ["indexes", "rules"] },
      { kind: "renamed", path: "articles.headline", from: "title" },
      { kind: "added", path: "articles.views" },
      { kind: "removed", path: "articles.body" },
      { kind: "added", path: "authors" },
      { kind: "removed", path: "tags" },
    ]);
  });

  it("sees a changed constraint, and nothing when nothing changed", () => {
    const v2 = {
      collections: [
        { ...v1.collections[0]!, fields: [{ id: "f1", name: "title", type: "text", required: true }, v1.collections[0]!.fields[1]!] },
        v1.collections[1]!,
      ],
    };
    expect(diffModels(v1, v2)).toEqual([{ kind: "changed", path: "posts.title" }]);
    expect(diffModels(v1, v1)).toEqual([]);
    // Key order is not a change.
    const reordered = {
      collections: v1.collections.map((c) => ({
        ...c,
        fields: c.fields.map((f) => Object.fromEntries(Object.entries(f).reverse()) as typeof f),
      })),
    };
    expect(diffModels(v1, reordered)).toEqual([]);
    expect(diffModels({ collections: [] }, v1).map((c) => c.path)).toEqual(["posts", "tags"]);
  });
});
