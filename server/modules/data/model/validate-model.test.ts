import { describe, expect, it } from "vitest";
import { AppError } from "../../../platform/errors/app-error";
import type { CollectionInput, FieldInput } from "../schema";
import { parseModelText, validateModel } from "./validate-model";

function errorOf(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

const coll = (name: string, fields: FieldInput[], extra: Partial<CollectionInput> = {}): CollectionInput => ({ name, fields, ...extra });

describe("validateModel", () => {
  it("normalizes a valid document: ids, nullability, relation defaults, locked rules", () => {
    const model = validateModel({
      collections: [
        coll("users", [{ name: "name", type: "text", required: true }]),
        coll("posts", [
          { name: "title", type: "text" },
          { name: "author", type: "relation", collection: "users" },
          { name: "owner", type: "relation", collection: "users", required: true },
          { name: "tags", type: "select", values: ["a", "b"], multiple: true },
        ]),
      ],
    });
    const [users, posts] = model.collections;
    expect(users!.id).toMatch(/^c[a-z0-9]{11}$/);
    expect(users!.rules).toEqual({ list: null, view: null, create: null, update: null, delete: null });
    expect(users!.fields[0]).toMatchObject({
      name: "name",
      required: true,
      nullable: false,
      unique: false,
      id: expect.stringMatching(/^f/),
    });
    expect(posts!.fields[0]).toMatchObject({ required: false, nullable: true });
    expect(posts!.fields[1]).toMatchObject({ multiple: false, onDelete: "set null", nullable: true });
    expect(posts!.fields[2]).toMatchObject({ onDelete: "restrict", nullable: false });
    expect(posts!.fields[3]).toMatchObject({ multiple: true });
  });

  it("accepts a normalized model back unchanged, autodate fields included (apply what get returned, roll back)", () => {
    const model = validateModel({
      collections: [
        coll("notes", [
          { name: "text", type: "text" },
          { name: "touched", type: "autodate", onUpdate: true },
        ]),
      ],
    });
    expect(model.collections[0]!.fields[1]).toMatchObject({ type: "autodate", required: false, nullable: true, unique: false });
    expect(validateModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
    // An autodate field still cannot be made required or unique.
    expect(
      errorOf(() => validateModel({ collections: [coll("notes", [{ name: "touched", type: "autodate", required: true } as never])] })).code,
    ).toBe("invalid_input");
  });

  it("keeps ids of collections and fields matched by name in the current model", () => {
    const v1 = validateModel({ collections: [coll("posts", [{ name: "title", type: "text" }])] });
    const v2 = validateModel(
      {
        collections: [
          coll("posts", [
            { name: "title", type: "text", max: 5 },
            { name: "content", type: "text" },
          ]),
        ],
      },
      v1,
    );
    expect(v2.collections[0]!.id).toBe(v1.collections[0]!.id);
    expect(v2.collections[0]!.fields[0]!.id).toBe(v1.collections[0]!.fields[0]!.id);
    expect(v2.collections[0]!.fields[1]!.id).not.toBe(v1.collections[0]!.fields[0]!.id);
  });

  it.each([
    ["Posts", "collection"],
    ["a-b", "collection"],
    ["_x", "collection"],
    ["a__b", "collection"],
    ['x"; drop table y; --', "collection"],
    ["a".repeat(37), "collection"],
  ])("rejects the collection name %j with invalid_identifier", (name) => {
    const err = errorOf(() => validateModel({ collections: [coll(name, [])] }));
    expect(err.code).toBe("invalid_identifier");
    expect(err.status).toBe(400);
    expect(err.details).toMatchObject({ name, what: "collection", path: "collections.0.name" });
  });

  it("rejects an unsafe field name with invalid_identifier naming the field", () => {
    const err = errorOf(() => validateModel({ collections: [coll("posts", [{ name: "Title", type: "text" }])] }));
    expect(err).toMatchObject({
      code: "invalid_identifier",
      details: { name: "Title", what: "field", path: "collections.0.fields.0.name" },
    });
  });

  it("rejects unknown keys and types as invalid_input", () => {
    expect(errorOf(() => validateModel({ collections: [coll("posts", [{ name: "a", type: "texty" } as never])] })).code).toBe(
      "invalid_input",
    );
    expect(errorOf(() => validateModel({ collections: [coll("posts", [{ name: "a", type: "text", maxx: 3 } as never])] })).code).toBe(
      "invalid_input",
    );
    expect(errorOf(() => validateModel({ nope: [] })).code).toBe("invalid_input");
  });

  it.each(["id", "created", "updated", "auth", "body", "expand", "null", "in", "while"])("rejects the reserved field name %s", (name) => {
    const err = errorOf(() => validateModel({ collections: [coll("posts", [{ name, type: "text" }])] }));
    expect(err).toMatchObject({ code: "reserved_name", status: 400, details: { name, path: "collections.0.fields.0.name" } });
  });

  it("rejects duplicate collection and field names and duplicate ids", () => {
    expect(errorOf(() => validateModel({ collections: [coll("a", []), coll("a", [])] })).code).toBe("duplicate_name");
    expect(
      errorOf(() =>
        validateModel({
          collections: [
            coll("a", [
              { name: "x", type: "text" },
              { name: "x", type: "integer" },
            ]),
          ],
        }),
      ).code,
    ).toBe("duplicate_name");
    expect(
      errorOf(() =>
        validateModel({
          collections: [
            coll("a", [
              { id: "fsame1", name: "x", type: "text" },
              { id: "fsame1", name: "y", type: "text" },
            ]),
          ],
        }),
      ).code,
    ).toBe("duplicate_id");
  });

  it("rejects relations to unknown collections", () => {
    const err = errorOf(() => validateModel({ collections: [coll("posts", [{ name: "author", type: "relation", collection: "users" }])] }));
    expect(err).toMatchObject({ code: "unknown_relation_target", details: { target: "users" } });
  });

  it("rejects circular required relations, including a required self-relation", () => {
    const two = errorOf(() =>
      validateModel({
        collections: [
          coll("a", [{ name: "b", type: "relation", collection: "b", required: true }]),
          coll("b", [{ name: "a", type: "relation", collection: "a", required: true }]),
        ],
      }),
    );
    expect(two.code).toBe("circular_required_relation");
    expect(two.details.cycle).toBe("a.b → b.a → a");
    const self = errorOf(() =>
      validateModel({ collections: [coll("node", [{ name: "parent", type: "relation", collection: "node", required: true }])] }),
    );
    expect(self).toMatchObject({ code: "circular_required_relation", details: { cycle: "node.parent → node" } });
    const many = errorOf(() =>
      validateModel({
        collections: [
          coll("a", [{ name: "bs", type: "relation", collection: "b", multiple: true, required: true }]),
          coll("b", [{ name: "a", type: "relation", collection: "a", required: true }]),
        ],
      }),
    );
    expect(many.code).toBe("circular_required_relation");
  });

  it("allows optional cycles and optional self-relations", () => {
    expect(() =>
      validateModel({
        collections: [
          coll("a", [{ name: "b", type: "relation", collection: "b" }]),
          coll("b", [{ name: "a", type: "relation", collection: "a", required: true }]),
          coll("node", [{ name: "parent", type: "relation", collection: "node" }]),
        ],
      }),
    ).not.toThrow();
  });

  it("checks indexes: known, indexable, not duplicated", () => {
    const base = [
      { name: "title", type: "text" as const },
      { name: "meta", type: "json" as const },
    ];
    expect(errorOf(() => validateModel({ collections: [coll("a", base, { indexes: [{ fields: ["nope"] }] })] })).code).toBe(
      "unknown_index_field",
    );
    expect(errorOf(() => validateModel({ collections: [coll("a", base, { indexes: [{ fields: ["meta"] }] })] })).code).toBe(
      "unindexable_field",
    );
    expect(
      errorOf(() => validateModel({ collections: [coll("a", base, { indexes: [{ fields: ["title"] }, { fields: ["title"] }] })] })).code,
    ).toBe("duplicate_index");
    expect(errorOf(() => validateModel({ collections: [coll("a", [{ name: "meta", type: "json", unique: true }])] })).code).toBe(
      "unindexable_field",
    );
    expect(() =>
      validateModel({ collections: [coll("a", base, { indexes: [{ fields: ["title", "created"], unique: true }] })] }),
    ).not.toThrow();
  });

  it("checks defaults, ranges, patterns and on-delete", () => {
    expect(errorOf(() => validateModel({ collections: [coll("a", [{ name: "n", type: "integer", nullable: false }])] })).code).toBe(
      "default_required",
    );
    expect(errorOf(() => validateModel({ collections: [coll("a", [{ name: "n", type: "integer", default: 5, max: 3 }])] }))).toMatchObject({
      code: "invalid_default",
      details: { reason: "too_large" },
    });
    expect(
      errorOf(() => validateModel({ collections: [coll("a", [{ name: "s", type: "select", values: ["x"], default: "y" }])] })),
    ).toMatchObject({ code: "invalid_default", details: { reason: "invalid_option" } });
    expect(errorOf(() => validateModel({ collections: [coll("a", [{ name: "n", type: "integer", min: 5, max: 3 }])] })).code).toBe(
      "invalid_range",
    );
    expect(errorOf(() => validateModel({ collections: [coll("a", [{ name: "t", type: "text", pattern: "(" }])] })).code).toBe(
      "invalid_pattern",
    );
    expect(
      errorOf(() =>
        validateModel({
          collections: [coll("u", []), coll("a", [{ name: "r", type: "relation", collection: "u", required: true, onDelete: "set null" }])],
        }),
      ).code,
    ).toBe("invalid_on_delete");
    expect(() =>
      validateModel({
        collections: [
          coll("a", [
            { name: "n", type: "integer", nullable: false, default: 0 },
            { name: "at", type: "datetime", default: "now" },
            { name: "u", type: "uuid", default: "random" },
          ]),
        ],
      }),
    ).not.toThrow();
  });

  it("compiles rules: unknown fields, invalid CEL, body outside writes", () => {
    const withRule = (rules: CollectionInput["rules"]) => () =>
      validateModel({ collections: [coll("posts", [{ name: "title", type: "text" }], { rules })] });
    const unknown = errorOf(withRule({ list: "titel == 'x'" }));
    expect(unknown).toMatchObject({
      code: "invalid_rule",
      status: 400,
      details: { collection: "posts", operation: "list", problem: "unknown_field", field: "titel", start: 0, end: 5 },
    });
    expect(errorOf(withRule({ view: "title ==" }))).toMatchObject({ code: "invalid_rule", details: { problem: "invalid_expression" } });
    expect(errorOf(withRule({ delete: "body.title == 'x'" }))).toMatchObject({
      code: "invalid_rule",
      details: { problem: "unknown_field" },
    });
    expect(errorOf(withRule({ list: "title > 3" }))).toMatchObject({ code: "invalid_rule", details: { problem: "type_mismatch" } });
    expect(() => withRule({ list: "", view: "auth.id != null", create: "body.title != ''", update: null })()).not.toThrow();
  });

  it("reports every issue, the first one as the code", () => {
    const err = errorOf(() =>
      validateModel({
        collections: [
          coll("a", [
            { name: "id", type: "text" },
            { name: "auth", type: "text" },
          ]),
        ],
      }),
    );
    expect(err.code).toBe("reserved_name");
    expect(err.details.issues).toHaveLength(2);
  });

  it("reads YAML and JSON text", () => {
    expect(parseModelText("collections:\n  - name: posts\n    fields:\n      - { name: title, type: text }\n")).toEqual({
      collections: [{ name: "posts", fields: [{ name: "title", type: "text" }] }],
    });
    expect(errorOf(() => parseModelText("collections: [")).code).toBe("invalid_model");
  });
});
