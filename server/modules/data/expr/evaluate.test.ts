import { describe, expect, it } from "vitest";
import { compileExpression } from "./analyze";
import { evaluateExpression, type EvalContext } from "./evaluate";
import { testContext, testIndex } from "./test-model";

const post = {
  id: "p1",
  created: "2024-01-01T00:00:00.000Z",
  updated: "2024-01-02T00:00:00.000Z",
  title: "Hello",
  views: 10,
  score: 1.5,
  price: "10.50",
  published: true,
  at: "2024-01-02T02:30:00.000Z",
  day: "2024-01-01",
  uid: null,
  meta: { a: 1 },
  tags: ["a"],
  author: "u1",
  editors: ["u1", "u2"],
  expand: {
    author: { id: "u1", name: "ann", age: 40, org: "o1", expand: { org: { id: "o1", name: "acme", active: true } } },
    editors: [
      { id: "u1", name: "ann", age: 40 },
      { id: "u2", name: "bob", age: 20 },
    ],
  },
};

function run(source: string, record: Record<string, unknown> = post, ctx: EvalContext = testContext) {
  const compiled = compileExpression(source, { model: testIndex, collection: "posts", allowBody: true });
  return evaluateExpression(compiled, record, ctx);
}

describe("evaluateExpression", () => {
  it.each([
    ['title == "Hello"', true],
    ['title != "Hello"', false],
    ["views > 3 && score <= 1.5", true],
    ["views > 10.5", false],
    ["price >= 10.5", true],
    ["price > 10.5", false],
    ["published", true],
    ["!published", false],
    ['at > @now - duration("1h")', true],
    ['at > @now - duration("30m")', false],
    ['at > "2024-01-02"', true],
    ['day == "2024-01-01"', true],
    ["day < @now", true],
    ["uid == null", true],
    ["uid != null", false],
    ["meta != null", true],
    ['"a" in tags', true],
    ['"b" in tags', false],
    ['title in ["Hello", "x"]', true],
    ["author == auth.id", true],
    ['author.name == "ann"', true],
    ['author.org.name.startsWith("ac")', true],
    ['"u2" in editors', true],
    ['"u3" in editors', false],
    ["editors.exists(e, e.age > 30)", true],
    ["editors.all(e, e.age > 30)", false],
    ['title.contains("ell")', true],
    ['title.endsWith("lo")', true],
    ['title.lowerAscii() == "hello"', true],
    ['"admin" in auth.roles', true],
    ["body.title == 'x'", true],
    ["updated > created", true],
  ])("%s → %s", (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it("treats comparisons with null as SQL does: false, except == null and != null", () => {
    const blank = { ...post, views: null, title: null };
    expect(run("views > 3", blank)).toBe(false);
    expect(run("views <= 3", blank)).toBe(false);
    expect(run("!(views > 3)", blank)).toBe(true);
    expect(run('title != "x"', blank)).toBe(true);
    expect(run('title.contains("")', blank)).toBe(false);
    expect(run("title in ['a']", blank)).toBe(false);
  });

  it("reads missing related records as null and missing lists as empty", () => {
    const bare = { ...post, expand: undefined };
    expect(run('author.name == "ann"', bare)).toBe(false);
    expect(run("author.name == null", bare)).toBe(true);
    expect(run("editors.exists(e, e.age > 30)", bare)).toBe(false);
    expect(run("editors.all(e, e.age > 30)", bare)).toBe(true);
  });

  it("lists the relations it needs expanded", () => {
    const compiled = compileExpression("author.org.name == 'x' && editors.exists(e, e.org.active)", {
      model: testIndex,
      collection: "posts",
      allowBody: false,
    });
    expect(compiled.expand).toEqual(["author", "author.org", "editors", "editors.org"]);
  });

  it("uses the anonymous context", () => {
    const anon: EvalContext = { auth: { id: null, type: "anonymous", roles: [] }, now: testContext.now };
    expect(run("auth.id != null", post, anon)).toBe(false);
    expect(run("author == auth.id", post, anon)).toBe(false);
  });
});
