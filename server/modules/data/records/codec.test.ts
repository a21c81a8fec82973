import { describe, expect, it } from "vitest";
import { normalizeField } from "../model/normalize";
import type { FieldInput } from "../schema";
import { canonicalDecimal, coerceValue, fromDb, isBlank, toDb } from "./codec";

const field = (f: FieldInput) => normalizeField(f);

describe("coerceValue", () => {
  it.each([
    [{ name: "x", type: "text", max: 3 } as FieldInput, "abc", { ok: true, value: "abc" }],
    [{ name: "x", type: "text", max: 3 } as FieldInput, "a𝄞cd", { ok: false, issue: { code: "too_long", max: 3 } }],
    [{ name: "x", type: "text", max: 3 } as FieldInput, "a𝄞c", { ok: true, value: "a𝄞c" }],
    [{ name: "x", type: "integer" } as FieldInput, 1.5, { ok: false, issue: { code: "invalid_type", expected: "integer" } }],
    [{ name: "x", type: "integer" } as FieldInput, 2 ** 60, { ok: false, issue: { code: "too_large", max: Number.MAX_SAFE_INTEGER } }],
    [{ name: "x", type: "decimal" } as FieldInput, "-007.10", { ok: true, value: "-7.10" }],
    [{ name: "x", type: "decimal" } as FieldInput, 0.1, { ok: true, value: "0.1" }],
    [{ name: "x", type: "decimal" } as FieldInput, "1e5", { ok: false, issue: { code: "invalid_decimal" } }],
    [{ name: "x", type: "datetime" } as FieldInput, "2024-01-01 10:00", { ok: true, value: "2024-01-01T10:00:00.000Z" }],
    [{ name: "x", type: "datetime" } as FieldInput, "0000-01-01T00:00:00Z", { ok: false, issue: { code: "invalid_datetime" } }],
    [{ name: "x", type: "date" } as FieldInput, "2023-02-29", { ok: false, issue: { code: "invalid_date" } }],
    [
      { name: "x", type: "uuid" } as FieldInput,
      "0B0F0C3E-5A38-4F4F-9F0E-111111111111",
      { ok: true, value: "0b0f0c3e-5a38-4f4f-9f0e-111111111111" },
    ],
    [{ name: "x", type: "select", values: ["a", "b"], multiple: true } as FieldInput, ["b", "a", "b"], { ok: true, value: ["b", "a"] }],
    [{ name: "x", type: "relation", collection: "c", multiple: true } as FieldInput, ["r1", "r1", "r2"], { ok: true, value: ["r1", "r2"] }],
    [{ name: "x", type: "json" } as FieldInput, { a: "\u0000" }, { ok: false, issue: { code: "invalid_character" } }],
    [{ name: "x", type: "url" } as FieldInput, "javascript:alert(1)", { ok: false, issue: { code: "invalid_url" } }],
  ])("%j %j", (def, value, expected) => {
    expect(coerceValue(field(def), value)).toEqual(expected);
  });
});

describe("storage form", () => {
  it("writes JSON as text and reads both databases' forms back alike", () => {
    const json = field({ name: "x", type: "json" });
    expect(toDb(json, { a: 1 })).toBe('{"a":1}');
    expect(fromDb(json, '{"a":1}')).toEqual({ a: 1 });
    expect(fromDb(json, { a: 1 })).toEqual({ a: 1 });
    const flag = field({ name: "x", type: "boolean" });
    expect([fromDb(flag, 1), fromDb(flag, true), fromDb(flag, 0), fromDb(flag, null)]).toEqual([true, true, false, null]);
    const many = field({ name: "x", type: "relation", collection: "c", multiple: true });
    expect(fromDb(many, null)).toEqual([]);
    expect(toDb(field({ name: "x", type: "relation", collection: "c" }), "")).toBeNull();
  });

  it("canonicalizes decimals as PostgreSQL prints them", () => {
    expect(["+1.50", "0001", "-0.0", ".5", "10.", "-0012.3400"].map(canonicalDecimal)).toEqual([
      "1.50",
      "1",
      "0.0",
      "0.5",
      "10",
      "-12.3400",
    ]);
  });

  it("treats empty text and lists as blank for required fields, but not false or 0", () => {
    const text = field({ name: "x", type: "text" });
    expect([
      isBlank(text, ""),
      isBlank(text, null),
      isBlank(field({ name: "x", type: "boolean" }), false),
      isBlank(field({ name: "x", type: "integer" }), 0),
    ]).toEqual([true, true, false, false]);
  });
});
