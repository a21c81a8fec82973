import { describe, expect, it } from "vitest";
import {
  addCollection,
  addField,
  addRelation,
  changeFieldType,
  fromDocument,
  layeredLayout,
  moveField,
  newField,
  parseDocumentText,
  relationEdges,
  removeCollection,
  removeField,
  renameCollection,
  sameDocument,
  toDocument,
  updateField,
} from "./model-draft";

const served = {
  collections: [
    {
      id: "cabc",
      name: "posts",
      fields: [
        { id: "f1", name: "title", type: "text", required: true, nullable: false, unique: false, max: 200 },
        { id: "f2", name: "created_at", type: "autodate", onCreate: true, onUpdate: false, required: false, nullable: true, unique: false },
        {
          id: "f3",
          name: "author",
          type: "relation",
          collection: "users",
          multiple: false,
          onDelete: "set null",
          required: false,
          nullable: true,
          unique: false,
        },
      ],
      indexes: [{ fields: ["title"], unique: true }],
      rules: { list: "", view: "", create: null, update: null, delete: null },
    },
    {
      id: "cdef",
      name: "users",
      fields: [{ id: "f4", name: "name", type: "text", required: false, nullable: true, unique: false }],
      indexes: [],
      rules: { list: null, view: null, create: null, update: null, delete: null },
    },
  ],
} as never;

describe("the designer's draft model", () => {
  it("round-trips the server's normalized model into a document the schema accepts (autodate without constraints, null rules left out)", () => {
    const doc = toDocument(fromDocument(served));
    expect(doc.collections[0]).toEqual({
      id: "cabc",
      name: "posts",
      fields: [
        { id: "f1", name: "title", type: "text", required: true, nullable: false, unique: false, max: 200 },
        { id: "f2", name: "created_at", type: "autodate", onCreate: true, onUpdate: false },
        {
          id: "f3",
          name: "author",
          type: "relation",
          collection: "users",
          multiple: false,
          onDelete: "set null",
          required: false,
          nullable: true,
          unique: false,
        },
      ],
      indexes: [{ fields: ["title"], unique: true }],
      rules: { list: "", view: "" },
    });
    expect(sameDocument(fromDocument(served), fromDocument(served))).toBe(true);
  });

  it("adds collections and fields with free names, and a relation by dragging one collection onto another", () => {
    let model = fromDocument({ collections: [] });
    const a = addCollection(model);
    const b = addCollection(a.model);
    model = b.model;
    expect(model.collections.map((c) => c.name)).toEqual(["collection", "collection_2"]);
    model = addField(model, a.collection.key, newField("text", []));
    model = addField(model, a.collection.key, newField("text", ["field"]));
    expect(model.collections[0]!.fields.map((f) => f.name)).toEqual(["field", "field_2"]);
    const linked = addRelation(model, a.collection.key, b.collection.key);
    expect(linked.field).toEqual({ name: "collection_2", type: "relation", collection: "collection_2" });
    expect(relationEdges(linked.model)).toEqual([
      expect.objectContaining({ source: a.collection.key, target: b.collection.key, field: "collection_2" }),
    ]);
    expect(newField("select", []).values).toHaveLength(2);
  });

  it("keeps relations and indexes consistent through renames and removals", () => {
    let model = fromDocument(served);
    const [posts, users] = model.collections;
    model = renameCollection(model, users!.key, "people");
    expect(model.collections[0]!.fields[2]).toMatchObject({ collection: "people" });
    model = updateField(model, posts!.key, 0, { ...model.collections[0]!.fields[0]!, name: "headline" });
    expect(model.collections[0]!.indexes).toEqual([{ fields: ["headline"], unique: true }]);
    model = removeField(model, posts!.key, 0);
    expect(model.collections[0]!.indexes).toEqual([]);
    model = removeCollection(model, users!.key);
    expect(model.collections.map((c) => c.name)).toEqual(["posts"]);
    expect(model.collections[0]!.fields.map((f) => f.name)).toEqual(["created_at"]);
  });

  it("moves fields up and down, not past the ends", () => {
    const model = fromDocument(served);
    const key = model.collections[0]!.key;
    expect(moveField(model, key, 0, 1).collections[0]!.fields.map((f) => f.name)).toEqual(["created_at", "title", "author"]);
    expect(moveField(model, key, 0, -1)).toEqual(model);
    expect(moveField(model, key, 2, 1)).toEqual(model);
  });

  it("changes a field's type keeping its name and constraints but not the old type's options", () => {
    const changed = changeFieldType({ id: "f1", name: "title", type: "text", required: true, max: 200 }, "select");
    expect(changed).toEqual({ id: "f1", name: "title", type: "select", required: true, values: ["option_a", "option_b"] });
  });

  it("lays collections out in layers: targets of relations left of their sources", () => {
    const model = fromDocument(served);
    const at = layeredLayout(model);
    expect(at[model.collections[1]!.key]!.x).toBeLessThan(at[model.collections[0]!.key]!.x);
  });

  it("reads a typed document, keeping the canvas place of known collections, and refuses what is not a model", () => {
    const before = fromDocument(served);
    const after = parseDocumentText({ collections: [{ name: "posts", fields: [{ name: "body", type: "text" }] }] }, before);
    expect(after.collections[0]!.key).toBe(before.collections[0]!.key);
    expect(() => parseDocumentText({ collections: [{ name: "x", fields: [{ name: "y", type: "blob" }] }] })).toThrow();
    expect(() => parseDocumentText("nope")).toThrow();
  });
});
