import { describe, expect, it } from "vitest";
import { normalizeField } from "../model/normalize";
import { validateModel } from "../model/validate-model";
import { EVERY_TYPE_MODEL } from "../portability/test-model";
import { fieldSchema, type FieldInput } from "../schema";
import { FIELD_KINDS, FIELD_TYPES, fieldKind } from "./registry";

// The smallest definition of each type (what a type needs besides name and type).
const minimal = (type: string): FieldInput =>
  ({ name: "x", type, ...(type === "select" ? { values: ["a"] } : type === "relation" ? { collection: "c" } : {}) }) as FieldInput;

describe("the field type registry", () => {
  it("lists each type under its own name, with a definition the model document accepts", () => {
    for (const [name, kind] of Object.entries(FIELD_KINDS)) {
      expect(kind.type).toBe(name);
      expect(fieldSchema.parse(minimal(name))).toMatchObject({ type: name });
      expect(fieldKind(normalizeField(minimal(name)))).toBe(kind);
    }
    expect(FIELD_TYPES).toEqual(Object.keys(FIELD_KINDS));
    // An unknown type is refused by the document's shape.
    expect(fieldSchema.safeParse({ name: "x", type: "money" }).success).toBe(false);
  });

  it("is covered by the every-type model the archive, OpenAPI, types and JSON-row tests use", () => {
    const model = validateModel(EVERY_TYPE_MODEL);
    const covered = new Set(model.collections.flatMap((c) => c.fields.map((f) => f.type)));
    expect([...FIELD_TYPES].filter((t) => !covered.has(t))).toEqual([]);
  });
});
