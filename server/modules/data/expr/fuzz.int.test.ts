import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../platform/errors/app-error";
import { DATABASE_KINDS } from "../../../testing/databases";
import { admin, openDataTest, user, type DataTest } from "../test-support";
import type { RecordData } from "../types";
import { celString, hostileStrings, randomExpression, seededRandom, type FuzzFields } from "./fuzz-grammar";

const EXPRESSION_CODES = ["invalid_expression", "unknown_field", "type_mismatch", "unsupported_expression"];
const words = ["alpha", "beta", "gamma", "delta", "al", "b", ""];
const fields: FuzzFields = {
  text: ["title", "author.name"],
  int: ["views", "author.rank"],
  num: ["score"],
  bool: ["published", "author.active"],
  time: ["at", "created"],
};

describe.each(DATABASE_KINDS)("filter fuzz on %s", (kind) => {
  let t: DataTest;
  let p: string;
  let all: RecordData[];
  const caller = user("u1", ["member"]);

  beforeAll(async () => {
    t = await openDataTest(kind);
    p = t.project();
    await t.apply(p, {
      collections: [
        {
          name: "people",
          fields: [
            { name: "name", type: "text" },
            { name: "rank", type: "integer" },
            { name: "active", type: "boolean" },
          ],
          rules: { list: "", view: "" },
        },
        {
          name: "items",
          fields: [
            { name: "title", type: "text" },
            { name: "views", type: "integer" },
            { name: "score", type: "number" },
            { name: "published", type: "boolean" },
            { name: "at", type: "datetime" },
            { name: "author", type: "relation", collection: "people" },
          ],
          rules: { list: "", view: "" },
        },
      ],
    });
    const rand = seededRandom(3);
    const pickText = () =>
      rand() < 0.5
        ? hostileStrings.filter((h) => !h.includes("\u0000"))[Math.floor(rand() * 13)]!
        : words[Math.floor(rand() * words.length)]!;
    const maybe = <T>(v: T) => (rand() < 0.15 ? null : v);
    const people: string[] = [];
    for (let i = 0; i < 8; i++)
      people.push(
        (
          await t.data.records.create(
            p,
            "people",
            { name: maybe(pickText()), rank: maybe(Math.floor(rand() * 10)), active: maybe(rand() < 0.5) },
            admin,
          )
        ).id,
      );
    for (let i = 0; i < 60; i++) {
      await t.data.records.create(
        p,
        "items",
        {
          title: maybe(pickText()),
          views: maybe(Math.floor(rand() * 200) - 100),
          score: maybe(Math.round((rand() * 10 - 5) * 1000) / 1000),
          published: maybe(rand() < 0.5),
          at: maybe(new Date(Date.now() - Math.floor(rand() * 2000) * 3_600_000).toISOString()),
          author: maybe(people[Math.floor(rand() * people.length)]!),
        },
        admin,
      );
    }
    all = (await t.data.records.list(p, "items", { perPage: 500, expand: "author" }, admin)).items;
    expect(all).toHaveLength(60);
  });
  afterAll(() => t.close());

  it("answers random filters exactly as the in-memory evaluator does, or with a clean 400", async () => {
    const rand = seededRandom(kind === "sqlite" ? 101 : 202);
    const strings = [...hostileStrings, ...words];
    let answered = 0;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const source = randomExpression(rand, strings, 0, fields);
      let ids: string[];
      try {
        ids = (await t.data.records.list(p, "items", { filter: source, perPage: 500 }, caller)).items.map((r) => r.id).sort();
      } catch (err) {
        if (!(err instanceof AppError)) throw new Error(`${source} → ${String(err)}`, { cause: err });
        expect(err.status, source).toBe(400);
        expect(EXPRESSION_CODES, source).toContain(err.code);
        refused++;
        continue;
      }
      const compiled = await t.data.expressions.filter(p, "items", source);
      const expected = all
        .filter((r) => t.data.expressions.evaluate(compiled, r, caller))
        .map((r) => r.id)
        .sort();
      expect(ids, source).toEqual(expected);
      answered++;
    }
    // The grammar must exercise both paths, or the test proves little.
    expect(answered).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(10);
  });

  it("matches hostile strings literally", async () => {
    for (const h of hostileStrings.filter((s) => !s.includes("\u0000"))) {
      const res = await t.data.records.list(p, "items", { filter: `title == ${celString(h)}`, perPage: 500 }, caller);
      expect(res.items.map((r) => r.id).sort(), h).toEqual(
        all
          .filter((r) => r.title === h)
          .map((r) => r.id)
          .sort(),
      );
      const contains = await t.data.records.list(p, "items", { filter: `title.contains(${celString(h)})`, perPage: 500 }, caller);
      expect(contains.items.length, h).toBe(all.filter((r) => typeof r.title === "string" && r.title.includes(h)).length);
    }
  });

  it("refuses a NUL character in a filter instead of failing in the database", async () => {
    await expect(t.data.records.list(p, "items", { filter: 'title == "\\x00"' }, caller)).rejects.toMatchObject({
      code: "invalid_expression",
      status: 400,
    });
  });

  it("left every table and row in place", async () => {
    expect((await t.data.records.list(p, "items", { perPage: 500, count: true }, admin)).totalItems).toBe(60);
    expect((await t.data.records.list(p, "people", { count: true }, admin)).totalItems).toBe(8);
  });
});
