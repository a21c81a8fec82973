import { describe, expect, it } from "vitest";
import { cellText, fromText, labelField, sortable, suggestionsFor, tokenAt, toText, type Collection } from "./model";

const collections = [
  {
    id: "c1",
    name: "authors",
    fields: [{ id: "f1", name: "name", type: "text", required: true, nullable: false, unique: false }],
    indexes: [],
    rules: { list: "", view: "", create: null, update: null, delete: null },
  },
  {
    id: "c2",
    name: "posts",
    fields: [
      { id: "f2", name: "title", type: "text", required: true, nullable: false, unique: false },
      {
        id: "f3",
        name: "author",
        type: "relation",
        collection: "authors",
        multiple: false,
        onDelete: "set null",
        required: false,
        nullable: true,
        unique: false,
      },
      { id: "f4", name: "meta", type: "json", required: false, nullable: true, unique: false },
    ],
    indexes: [],
    rules: { list: null, view: null, create: null, update: null, delete: null },
  },
] as unknown as Collection[];

describe("expression completion", () => {
  const names = (token: string, scope = { auth: true, body: true }) =>
    suggestionsFor(collections, "posts", token, scope).map((s) => s.insert);

  it("completes field names, relation paths, auth.* and body.* by scope", () => {
    expect(names("ti")).toEqual(["title"]);
    expect(names("author.")).toEqual(["id", "name", "created", "updated"]);
    expect(names("author.na")).toEqual(["name"]);
    expect(names("auth.")).toEqual(["id", "roles", "type"]);
    expect(names("au")).toEqual(["author", "auth"]);
    expect(names("au", { auth: false, body: false })).toEqual(["author"]);
    expect(names("body.ti")).toEqual(["title"]);
    expect(names("body.", { auth: true, body: false })).toEqual([]);
    expect(names("@no")).toEqual(["@now"]);
    expect(names("title.")).toEqual([]);
  });

  it("finds the token before the cursor", () => {
    expect(tokenAt('status == "x" && author.na', 26)).toEqual({ token: "author.na", start: 17 });
    expect(tokenAt("a == b", 1)).toEqual({ token: "a", start: 0 });
    expect(tokenAt("a == ", 5)).toEqual({ token: "", start: 5 });
  });
});

describe("field values in editors", () => {
  const field = (type: string) => ({ name: "x", type }) as never;
  it("turns editor text into API values and back", () => {
    expect(fromText(field("integer"), "42")).toBe(42);
    expect(fromText(field("integer"), " ")).toBeNull();
    expect(fromText(field("decimal"), "1.50")).toBe("1.50");
    expect(fromText(field("json"), '{"a":[1]}')).toEqual({ a: [1] });
    expect(() => fromText(field("json"), "{nope")).toThrow();
    expect(fromText(field("text"), "")).toBeNull();
    expect(toText(field("json"), { a: 1 })).toBe('{\n  "a": 1\n}');
    expect(fromText(field("datetime"), toText(field("datetime"), "2026-03-04T05:06:00.000Z"))).toBe("2026-03-04T05:06:00.000Z");
  });

  it("knows what sorts and what names a record", () => {
    expect(collections[1]!.fields.map(sortable)).toEqual([true, true, false]);
    expect(labelField(collections[0])).toBe("name");
    expect(labelField(undefined)).toBeNull();
  });
});

describe("table cells", () => {
  it("show a relation by the related record's label when expanded, else its id", () => {
    const author = collections[1]!.fields[1]!;
    expect(cellText(author, { id: "p1", author: "a1", expand: { author: { id: "a1", name: "Austen" } } }, collections)).toBe("Austen");
    expect(cellText(author, { id: "p1", author: "a1" }, collections)).toBe("a1");
    expect(cellText(collections[1]!.fields[2]!, { id: "p1", meta: { a: [1] } }, collections)).toBe('{"a":[1]}');
    expect(cellText(collections[1]!.fields[0]!, { id: "p1", title: null }, collections)).toBe("");
  });
});
