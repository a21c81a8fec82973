import { describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../../testing/databases";
import { ExpressionError } from "./parse";
import { renderSql, testContext } from "./test-model";

type Case = [expression: string, sqlite: string, postgres: string, parameters: unknown[]];

const cases: Case[] = [
  ['title == "x"', '("t"."title" = ?)', '("t"."title" = $1)', ["x"]],
  ['title != "x"', '("t"."title" is distinct from ?)', '("t"."title" is distinct from $1)', ["x"]],
  ["views > 3 && score <= 1.5", '(("t"."views" > ?) and ("t"."score" <= ?))', '(("t"."views" > $1) and ("t"."score" <= $2))', [3, 1.5]],
  ["views > 2.5", '("t"."views" > ?)', '("t"."views" > cast($1 as double precision))', [2.5]],
  ["views == 1 || views == 2", '(("t"."views" = ?) or ("t"."views" = ?))', '(("t"."views" = $1) or ("t"."views" = $2))', [1, 2]],
  ["price >= 10", '(cast("t"."price" as real) >= ?)', '("t"."price" >= $1)', [10]],
  ["published", '("t"."published" = ?)', '("t"."published" = $1)', [true]],
  ["!published", '(not coalesce(("t"."published" = ?), false))', '(not coalesce(("t"."published" = $1), false))', [true]],
  ['at > @now - duration("1h")', '("t"."at" > ?)', '("t"."at" > $1)', ["2024-01-02T02:04:05.000Z"]],
  [
    "at >= @todayStart && at <= @todayEnd",
    '(("t"."at" >= ?) and ("t"."at" <= ?))',
    '(("t"."at" >= $1) and ("t"."at" <= $2))',
    ["2024-01-02T00:00:00.000Z", "2024-01-02T23:59:59.999Z"],
  ],
  ['at > "2024-01-01"', '("t"."at" > ?)', '("t"."at" > $1)', ["2024-01-01T00:00:00.000Z"]],
  ['at < timestamp("2024-05-01T10:00:00+02:00")', '("t"."at" < ?)', '("t"."at" < $1)', ["2024-05-01T08:00:00.000Z"]],
  ['day == "2024-01-01"', '("t"."day" = ?)', '("t"."day" = $1)', ["2024-01-01"]],
  ["day < @now", '("t"."day" < ?)', '("t"."day" < $1)', ["2024-01-02"]],
  ["uid == auth.id", '("t"."uid" = ?)', '(cast("t"."uid" as text) = $1)', ["u1"]],
  ["meta == null", '("t"."meta" is null)', '("t"."meta" is null)', []],
  ["meta != null", '("t"."meta" is not null)', '("t"."meta" is not null)', []],
  [
    '"a" in tags',
    'exists (select 1 from json_each("t"."tags") where value = ?)',
    '("t"."tags" @> jsonb_build_array(cast($1 as text)))',
    ["a"],
  ],
  ['title in ["a", "b"]', '("t"."title" in (?, ?))', '("t"."title" in ($1, $2))', ["a", "b"]],
  ["title in auth.roles", '("t"."title" in (?))', '("t"."title" in ($1))', ["admin"]],
  ["author == auth.id", '("t"."author" = ?)', '("t"."author" = $1)', ["u1"]],
  ['author.id == "u2"', '("t"."author" = ?)', '("t"."author" = $1)', ["u2"]],
  [
    'author.name == "ann"',
    '((select "h1"."name" from "prj_p1__users" as "h1" where "h1"."id" = "t"."author") = ?)',
    '((select "h1"."name" from "prj_p1"."users" as "h1" where "h1"."id" = "t"."author") = $1)',
    ["ann"],
  ],
  [
    "author.org.active",
    '((select "h2"."active" from "prj_p1__users" as "h1" join "prj_p1__orgs" as "h2" on "h2"."id" = "h1"."org" where "h1"."id" = "t"."author") = ?)',
    '((select "h2"."active" from "prj_p1"."users" as "h1" join "prj_p1"."orgs" as "h2" on "h2"."id" = "h1"."org" where "h1"."id" = "t"."author") = $1)',
    [true],
  ],
  [
    '"u1" in editors',
    'exists (select 1 from "prj_p1___rel_feditors" as "j1" where "j1"."source_id" = "t"."id" and "j1"."target_id" = ?)',
    'exists (select 1 from "prj_p1"."_rel_feditors" as "j1" where "j1"."source_id" = "t"."id" and "j1"."target_id" = $1)',
    ["u1"],
  ],
  [
    "editors.exists(e, e.age > 30)",
    'exists (select 1 from "prj_p1___rel_feditors" as "j1" join "prj_p1__users" as "r2" on "r2"."id" = "j1"."target_id" where "j1"."source_id" = "t"."id" and ("r2"."age" > ?))',
    'exists (select 1 from "prj_p1"."_rel_feditors" as "j1" join "prj_p1"."users" as "r2" on "r2"."id" = "j1"."target_id" where "j1"."source_id" = "t"."id" and ("r2"."age" > $1))',
    [30],
  ],
  [
    "editors.all(e, e.age > 30)",
    '(not exists (select 1 from "prj_p1___rel_feditors" as "j1" join "prj_p1__users" as "r2" on "r2"."id" = "j1"."target_id" where "j1"."source_id" = "t"."id" and not coalesce(("r2"."age" > ?), false)))',
    '(not exists (select 1 from "prj_p1"."_rel_feditors" as "j1" join "prj_p1"."users" as "r2" on "r2"."id" = "j1"."target_id" where "j1"."source_id" = "t"."id" and not coalesce(("r2"."age" > $1), false)))',
    [30],
  ],
  ['title.contains("%_")', '(instr("t"."title", ?) > 0)', '(strpos("t"."title", cast($1 as text)) > 0)', ["%_"]],
  ['title.startsWith("x")', '(substr("t"."title", 1, length(?)) = ?)', 'starts_with("t"."title", cast($1 as text))', ["x", "x"]],
  [
    'title.endsWith("z")',
    '("t"."title" is not null and (length(?) = 0 or substr("t"."title", -length(?)) = ?))',
    '(right("t"."title", char_length(cast($1 as text))) = cast($2 as text))',
    ["z", "z", "z"],
  ],
  ['title.lowerAscii() == "abc"', '(lower("t"."title") = ?)', '(lower("t"."title") = $1)', ["abc"]],
  ["body.title == title", '(? = "t"."title")', '($1 = "t"."title")', ["x"]],
  ["updated > created", '("t"."updated" > "t"."created")', '("t"."updated" > "t"."created")', []],
  [
    "title == author.name",
    '("t"."title" is not distinct from (select "h1"."name" from "prj_p1__users" as "h1" where "h1"."id" = "t"."author"))',
    '("t"."title" is not distinct from (select "h1"."name" from "prj_p1"."users" as "h1" where "h1"."id" = "t"."author"))',
    [],
  ],
];

describe.each(DATABASE_KINDS)("filter and rule SQL on %s", (kind) => {
  it.each(cases)("%s", (expression, sqlite, postgres, parameters) => {
    const out = renderSql(kind, expression);
    expect(out).toEqual({
      sql: kind === "sqlite" ? sqlite : postgres,
      parameters:
        kind === "postgres" && expression.includes("startsWith")
          ? ["x"]
          : kind === "postgres" && expression.includes("endsWith")
            ? ["z", "z"]
            : parameters,
    });
  });

  it("decides constant conditions before SQL", () => {
    expect(renderSql(kind, '"admin" in auth.roles || title == "x"')).toBe(true);
    expect(renderSql(kind, "auth.id == null")).toBe(false);
    expect(renderSql(kind, "title in []")).toBe(false);
    expect(renderSql(kind, "auth.id != null && published")).toEqual(expect.objectContaining({ parameters: [true] }));
    expect(
      renderSql(kind, "auth.id != null && published", { ctx: { ...testContext, auth: { id: null, type: "anonymous", roles: [] } } }),
    ).toBe(false);
    expect(renderSql(kind, "editors.all(e, auth.id != null)")).toBe(true);
  });

  it("binds a null context value as IS NULL", () => {
    const out = renderSql(kind, "author == auth.id", { ctx: { ...testContext, auth: { id: null, type: "anonymous", roles: [] } } });
    expect(out).toEqual({ sql: '("t"."author" is null)', parameters: [] });
  });

  it("applies the guard of related collections to paths", () => {
    const out = renderSql(kind, 'author.org.name == "o"', { guard: true }) as { sql: string; parameters: unknown[] };
    expect(out.sql).toContain(
      kind === "sqlite"
        ? 'join "prj_p1__orgs" as "h2" on "h2"."id" = "h1"."org" and "h2"."active" = ?'
        : 'join "prj_p1"."orgs" as "h2" on "h2"."id" = "h1"."org" and "h2"."active" = $1',
    );
    expect(out.parameters).toEqual([true, "o"]);
  });

  it("never puts a value into the SQL text", () => {
    const hostile = `x'); drop table users; --"\\`;
    const out = renderSql(kind, `title == ${JSON.stringify(hostile)} || author.name.contains(${JSON.stringify(hostile)})`) as {
      sql: string;
      parameters: unknown[];
    };
    expect(out.sql).not.toContain("drop table");
    expect(out.parameters).toContain(hostile);
  });
});

function issueOf(source: string, options: { allowBody?: boolean } = {}) {
  try {
    renderSql("sqlite", source, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return (err as ExpressionError).issue;
  }
  throw new Error("expected an ExpressionError");
}

describe("expression errors", () => {
  it.each([
    ["titel == 'x'", "unknown_field", 0, 5],
    ["author.nme == 'x'", "unknown_field", 0, 10],
    ["auth.email == 'x'", "unknown_field", 0, 10],
    ["@yesterday > at", "unknown_field", 0, 10],
    ["views == 'x'", "type_mismatch", 0, 12],
    ["title > 3", "type_mismatch", 0, 9],
    ["at > 'not a time'", "type_mismatch", 5, 17],
    ["uid == 'nope'", "type_mismatch", 7, 13],
    ["title", "type_mismatch", 0, 5],
    ["views in ['a']", "type_mismatch", 0, 14],
    ["title ==", "invalid_expression", 8, 8],
    ["title == 'x' &&", "invalid_expression", 15, 15],
    ["title === 'x'", "invalid_expression", 8, 9],
    ["", "invalid_expression", 0, 0],
    ["views == 99999999999999999999", "type_mismatch", 9, 29],
    ["views == 9007199254740992", "type_mismatch", 9, 25],
    ["title.matches('a')", "unsupported_expression", 0, 18],
    ["views + 1 > 2", "unsupported_expression", 0, 9],
    ["editors.name == 'x'", "unsupported_expression", 0, 12],
    ["published ? true : false", "unsupported_expression", 0, 24],
    ["meta == 'x'", "type_mismatch", 0, 11],
    ["tags == ['a']", "type_mismatch", 0, 13],
    ["meta == meta", "unsupported_expression", 0, 12],
    ["{'a': 1} == null", "invalid_expression", 1, 1],
  ])("%s → %s", (source, code, start, end) => {
    const issue = issueOf(source);
    expect(issue.code).toBe(code);
    expect([issue.start, issue.end]).toEqual([start, end]);
  });

  it("allows body only in create and update rules", () => {
    expect(issueOf("body.title == 'x'", { allowBody: false })).toMatchObject({ code: "unknown_field", field: "body" });
    expect(issueOf("body.nope == 'x'")).toMatchObject({ code: "unknown_field", field: "nope" });
  });

  it("keeps positions right after @-names", () => {
    expect(issueOf("@now > titel")).toMatchObject({ code: "unknown_field", start: 7, end: 12 });
    expect(renderSql("sqlite", 'title == "@now"')).toEqual({ sql: '("t"."title" = ?)', parameters: ["@now"] });
  });
});
