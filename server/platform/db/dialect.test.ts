import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error";
import { assertSafeIdentifier, readBool, readJson, readTime } from "./dialect";

describe("dialect normalizers", () => {
  it("reads booleans from either database", () => {
    expect([true, 1, "1", "t", "true"].map(readBool)).toEqual([true, true, true, true, true]);
    expect([false, 0, "0", "f", null, undefined].map(readBool)).toEqual([false, false, false, false, false, false]);
  });

  it("reads JSON as text (SQLite) or parsed (PostgreSQL)", () => {
    expect(readJson('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(readJson({ a: [1, 2] })).toEqual({ a: [1, 2] });
  });

  it("reads timestamps as ISO text", () => {
    expect(readTime("2026-01-02T03:04:05.678Z")).toBe("2026-01-02T03:04:05.678Z");
    expect(readTime(new Date("2026-01-02T03:04:05.678Z"))).toBe("2026-01-02T03:04:05.678Z");
    expect(() => readTime(5)).toThrow(TypeError);
  });
});

describe("assertSafeIdentifier", () => {
  it.each(["posts", "_meta", "a1_b2", "x".repeat(63)])("accepts %s", (name) => {
    expect(assertSafeIdentifier(name)).toBe(name);
  });

  it.each(["", "Posts", "1abc", "a-b", "a b", 'a"; drop table x; --', "x".repeat(64), "ünï", "a.b"])(
    "rejects %j with invalid_identifier",
    (name) => {
      try {
        assertSafeIdentifier(name, "collection");
        throw new Error("accepted");
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe("invalid_identifier");
        expect((err as AppError).status).toBe(400);
      }
    },
  );
});
