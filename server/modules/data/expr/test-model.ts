import { sql } from "kysely";
import { sqlFunctionsOf } from "../../../platform/db/sql-functions";
import type { DatabaseKind } from "../../../testing/databases";
import { indexModel } from "../model/normalize";
import { validateModel } from "../model/validate-model";
import { modelSql, projectNamespace } from "../storage/namespace";
import { offlineKysely } from "../test-support";
import type { ProjectId } from "../types";
import { compileExpression } from "./analyze";
import type { EvalContext } from "./evaluate";
import { expressionToSql } from "./to-sql";

/** The model the expression tests run against (ids fixed so generated names are stable). */
export const testModel = validateModel({
  collections: [
    {
      id: "corgs",
      name: "orgs",
      fields: [
        { id: "forgname", name: "name", type: "text" },
        { id: "forgactive", name: "active", type: "boolean" },
      ],
      rules: { view: "active == true" },
    },
    {
      id: "cusers",
      name: "users",
      fields: [
        { id: "fusername", name: "name", type: "text" },
        { id: "fuserage", name: "age", type: "integer" },
        { id: "fuserorg", name: "org", type: "relation", collection: "orgs" },
      ],
    },
    {
      id: "cposts",
      name: "posts",
      fields: [
        { id: "ftitle", name: "title", type: "text" },
        { id: "fviews", name: "views", type: "integer" },
        { id: "fscore", name: "score", type: "number" },
        { id: "fprice", name: "price", type: "decimal" },
        { id: "fpublished", name: "published", type: "boolean" },
        { id: "fwhen", name: "at", type: "datetime" },
        { id: "fday", name: "day", type: "date" },
        { id: "fuid", name: "uid", type: "uuid" },
        { id: "fmeta", name: "meta", type: "json" },
        { id: "ftags", name: "tags", type: "select", values: ["a", "b"], multiple: true },
        { id: "fauthor", name: "author", type: "relation", collection: "users" },
        { id: "feditors", name: "editors", type: "relation", collection: "users", multiple: true },
      ],
    },
  ],
});
export const testIndex = indexModel(testModel);

export const testContext: EvalContext = {
  auth: { id: "u1", type: "user", roles: ["admin"] },
  now: Date.UTC(2024, 0, 2, 3, 4, 5),
  body: { title: "x" },
};

/** Compiles an expression over `posts` and renders it for a dialect (or returns true/false). */
export function renderSql(kind: DatabaseKind, source: string, options: { ctx?: EvalContext; guard?: boolean; allowBody?: boolean } = {}) {
  const ns = projectNamespace({ kind }, "prj_p1" as ProjectId);
  const compiled = compileExpression(source, { model: testIndex, collection: "posts", allowBody: options.allowBody ?? true });
  const out = expressionToSql(compiled, "t", {
    fns: sqlFunctionsOf(kind),
    names: modelSql(ns, testIndex),
    ctx: options.ctx ?? testContext,
    ...(options.guard
      ? { guard: (collection: string, alias: string) => (collection === "orgs" ? sql`${sql.id(alias, "active")} = ${true}` : null) }
      : {}),
  });
  if (typeof out === "boolean") return out;
  const q = sql`${out}`.compile(offlineKysely(kind));
  return { sql: q.sql, parameters: q.parameters };
}
