import { sql, type RawBuilder } from "kysely";
import type { SqlFunctions } from "../../../platform/db/sql-functions";
import { AppError } from "../../../platform/errors/app-error";
import type { EvalContext } from "../expr/evaluate";
import { expressionToSql, type RelationGuard } from "../expr/to-sql";
import type { CollectionRuntime, ProjectRuntime } from "../runtime";
import { authContextOf, bypassesRules, type Actor, type RecordOperation } from "../types";

type Sql = RawBuilder<unknown>;

/** Fresh alias prefixes so nested rule translations never share an alias. */
export function aliasCounter() {
  let n = 0;
  return () => `x${++n}_`;
}

/** `where a and b …` of the conditions that restrict, `` when none does, false when one excludes everything. */
export function where(conditions: Array<Sql | boolean>): Sql | false {
  if (conditions.some((c) => c === false)) return false;
  const list = conditions.filter((c): c is Sql => c !== true);
  return list.length ? sql`where ${sql.join(list, sql` and `)}` : sql``;
}

/**
 * Access rules as SQL: the caller's rule for an operation over a row alias, and the view rules of
 * related collections as restrictions on what a filter may look through.
 */
export function createAccess(deps: { fns: SqlFunctions; clock: () => number }) {
  const { fns, clock } = deps;

  function context(actor: Actor, body?: Record<string, unknown>): EvalContext {
    return { auth: authContextOf(actor), now: clock(), ...(body ? { body } : {}) };
  }

  /** The evaluation context of a request, noting whether anything read the caller or the time. */
  function trackedContext(actor: Actor): { ctx: EvalContext; touched: () => boolean } {
    let touched = false;
    let auth: EvalContext["auth"] | null = null;
    const now = clock();
    const ctx = {
      get auth() {
        touched = true;
        return (auth ??= authContextOf(actor));
      },
      get now() {
        touched = true;
        return now;
      },
    } as EvalContext;
    return { ctx, touched: () => touched };
  }

  /** The view rules of related collections, as restrictions on what a filter may look through. */
  function viewGuard(rt: ProjectRuntime, actor: Actor, ctx: EvalContext, nextPrefix: () => string): RelationGuard {
    return (collection, alias) => {
      if (bypassesRules(actor, collection, "view")) return null;
      const rule = rt.collection(collection).rules.view;
      if (rule.kind === "locked") return sql`false`;
      if (rule.kind === "public") return null;
      const cond = expressionToSql(rule.compiled, alias, { fns, names: rt.names, ctx, aliasPrefix: nextPrefix() });
      return cond === true ? null : cond === false ? sql`false` : cond;
    };
  }

  /**
   * The caller's rule for an operation as SQL over alias `alias`: `true` (no restriction),
   * `false` (nothing), or a condition. A locked rule (null) refuses everyone but admins and API
   * keys with the permission: 403.
   */
  function ruleCondition(
    rt: ProjectRuntime,
    c: CollectionRuntime,
    op: RecordOperation,
    actor: Actor,
    ctx: EvalContext,
    alias: string,
    prefix: string,
  ): Sql | boolean {
    if (bypassesRules(actor, c.name, op)) return true;
    const rule = c.rules[op];
    if (rule.kind === "locked") throw new AppError("access_denied", 403, { collection: c.name, operation: op });
    if (rule.kind === "public") return true;
    return expressionToSql(rule.compiled, alias, { fns, names: rt.names, ctx, aliasPrefix: prefix });
  }

  return { context, trackedContext, viewGuard, ruleCondition };
}

export type Access = ReturnType<typeof createAccess>;
