import { sql, type CompiledQuery, type Kysely, type RawBuilder } from "kysely";
import type { DirectReads } from "../../../platform/db/direct-statements";
import type { SqlFunctions } from "../../../platform/db/sql-functions";
import { AppError } from "../../../platform/errors/app-error";
import { invalidInput } from "../../../platform/errors/normalize";
import { ExpressionError } from "../expr/parse";
import { expressionToSql } from "../expr/to-sql";
import { filterOf, type CollectionRuntime, type ProjectRuntime } from "../runtime";
import { listQuerySchema, MAX_FILTER_BYTES, MAX_PER_PAGE, type Field, type ListQuery } from "../schema";
import { bypassesRules, type Actor, type RecordData } from "../types";
import { aliasCounter, where, type Access } from "./access";
import type { Expander } from "./expand";
import {
  afterCursor,
  decodeCursor,
  encodeCursor,
  orderBy,
  parseExpand,
  parseFields,
  parseSort,
  type ExpandTree,
  type SortKey,
} from "./query";
import { project, type Rows } from "./rows";

type Sql = RawBuilder<unknown>;

export interface ListResult {
  items: RecordData[];
  page: number;
  perPage: number;
  /** Whether more records follow this page. */
  hasMore: boolean;
  /** Pass as `cursor` to get the next page (keyset pagination; stable under inserts). */
  nextCursor: string | null;
  /** Only with `count: true`. */
  totalItems?: number;
  totalPages?: number;
}

const DEFAULT_PER_PAGE = 30;
const LIST_PLANS_PER_COLLECTION = 256;

/** The SQL of a list, compiled once per query shape and model version (see `listCacheKey`), or for one request. */
interface ListPlan {
  /** Null when the rule or filter leaves nothing to read. */
  main: CompiledQuery<Record<string, unknown>> | null;
  /**
   * The same rows as API JSON text (not with expand, nor a projection without the sort keys):
   * built on first use (`listJson` only), then kept with the plan.
   */
  json: CompiledQuery<{ j: string }> | null | (() => CompiledQuery<{ j: string }> | null);
  count: CompiledQuery<{ n: number | string }> | null;
  keys: SortKey[];
  toMany: Field[];
  tree: ExpandTree;
  shown: Set<string> | null;
  perPage: number;
  page: number;
  withCount: boolean;
  /** Kept for reuse by every caller of its shape (see listCacheKey). */
  shared?: boolean;
}

/**
 * The cache key of a list query: its exact text (so a hit means the same validated query), and
 * whether the caller bypasses the list rule. Queries with a cursor are not cached (each cursor
 * is its own text); a plan is only stored when building it read nothing of the caller (no
 * `auth`, no `now`, no related collection's rule), see `trackedContext`.
 */
function listCacheKey(query: unknown, actor: Actor, collection: string): string | null {
  if (query === null || query === undefined) return bypassesRules(actor, collection, "list") ? "b{}" : "r{}";
  if (typeof query !== "object" || Array.isArray(query) || "cursor" in query) return null;
  let text: string;
  try {
    text = JSON.stringify(query);
  } catch {
    return null;
  }
  return (bypassesRules(actor, collection, "list") ? "b" : "r") + text;
}

function expressionFailure(err: unknown, kind: "filter", collection: string): never {
  if (err instanceof ExpressionError) {
    const { code, ...issue } = err.issue;
    throw new AppError(code, 400, { kind, collection, ...issue });
  }
  throw err;
}

/**
 * Lists: the query checked and planned (rule and filter as SQL, sort, page or cursor, fields,
 * expand), the plan kept per query shape, then run as rows (`list`) or as the response's JSON
 * text built around rows the database writes as JSON (`listJson`).
 */
export function createLists(deps: {
  db: Kysely<unknown>;
  fns: SqlFunctions;
  reads: DirectReads;
  rows: Rows;
  access: Access;
  expander: Expander;
  runtimeOf: (projectId: string) => Promise<ProjectRuntime>;
}) {
  const { db, fns, reads, rows, access, expander, runtimeOf } = deps;
  const listPlans = new WeakMap<CollectionRuntime, Map<string, ListPlan>>();

  async function cachedList(
    projectId: string,
    collection: string,
    key: string,
  ): Promise<{ rt: ProjectRuntime; c: CollectionRuntime; plan: ListPlan } | null> {
    let rt: ProjectRuntime;
    let c: CollectionRuntime;
    try {
      rt = await runtimeOf(projectId);
      c = rt.collection(collection);
    } catch {
      // Reported by the full path, in its order (bad input before a missing collection).
      return null;
    }
    const plan = listPlans.get(c)?.get(key);
    return plan ? { rt, c, plan } : null;
  }

  function rememberList(c: CollectionRuntime, key: string, plan: ListPlan) {
    let plans = listPlans.get(c);
    if (!plans) listPlans.set(c, (plans = new Map()));
    if (plans.size >= LIST_PLANS_PER_COLLECTION) plans.clear();
    plans.set(key, plan);
  }

  /** The plan of a list query: compiled once per query shape (see listCacheKey), or built for this request. */
  async function listPlan(
    projectId: string,
    collection: string,
    query: ListQuery,
    actor: Actor,
  ): Promise<{ rt: ProjectRuntime; c: CollectionRuntime; plan: ListPlan }> {
    // A query shape seen before (same query text, same rule outcome for this kind of caller) runs its SQL as compiled then.
    const key = listCacheKey(query, actor, collection);
    if (key !== null) {
      const known = await cachedList(projectId, collection, key);
      if (known) return known;
    }
    const parsed = listQuerySchema.safeParse(query ?? {});
    if (!parsed.success) {
      const perPage = Number((query as { perPage?: unknown })?.perPage);
      if (Number.isInteger(perPage) && perPage > MAX_PER_PAGE) throw new AppError("per_page_too_large", 400, { max: MAX_PER_PAGE });
      throw invalidInput(parsed.error);
    }
    const q = parsed.data;
    if (q.perPage !== undefined && q.perPage > MAX_PER_PAGE) throw new AppError("per_page_too_large", 400, { max: MAX_PER_PAGE });
    if (q.filter !== undefined && Buffer.byteLength(q.filter) > MAX_FILTER_BYTES)
      throw new AppError("filter_too_long", 400, { max: MAX_FILTER_BYTES });
    if (q.cursor !== undefined && q.page !== undefined) throw new AppError("cursor_with_page", 400);
    const rt = await runtimeOf(projectId);
    const c = rt.collection(collection);
    // The SQL may be reused only if nothing about the caller but the rule's bypass went into it.
    const tracked = access.trackedContext(actor);
    const ctx = tracked.ctx;
    let guarded = false;
    const perPage = q.perPage ?? DEFAULT_PER_PAGE;
    const page = q.page ?? 1;
    const prefixes = aliasCounter();
    const rule = access.ruleCondition(rt, c, "list", actor, ctx, "t", prefixes());
    let filter: Sql | boolean = true;
    if (q.filter !== undefined && q.filter.trim() !== "") {
      const guard = access.viewGuard(rt, actor, ctx, prefixes);
      try {
        filter = expressionToSql(filterOf(rt, c, q.filter), "t", {
          fns,
          names: rt.names,
          ctx,
          guard: (target, alias) => {
            guarded = true;
            return guard(target, alias);
          },
          aliasPrefix: prefixes(),
        });
      } catch (err) {
        expressionFailure(err, "filter", c.name);
      }
    }
    const keys = parseSort(c, q.sort);
    const fields = parseFields(c, q.fields);
    const tree = parseExpand(rt, c, q.expand);
    const cursor = q.cursor !== undefined ? afterCursor(rt.names, fns, c, keys, decodeCursor(keys, q.cursor), "t") : true;
    const toMany = c.toMany.filter((f) => !fields || fields.has(f.name) || f.name in tree);
    const w = where([rule, filter, cursor]);
    const shown = fields && Object.keys(tree).length ? new Set([...fields, "expand"]) : fields;
    const plan: ListPlan = { main: null, json: null, count: null, keys, toMany, tree, shown, perPage, page, withCount: q.count === true };
    if (w !== false) {
      const table = rt.names.table(c.name);
      const offset = q.cursor !== undefined ? sql`` : sql` offset ${(page - 1) * perPage}`;
      const order = orderBy(rt.names, fns, c, keys, "t");
      plan.main = sql<
        Record<string, unknown>
      >`select ${rows.selectList(rt, c, "t", toMany)} from ${table} as ${sql.id("t")} ${w} order by ${order} limit ${perPage + 1}${offset}`.compile(
        db,
      );
      if (Object.keys(tree).length === 0 && (!shown || keys.every((k) => shown.has(k.field.name)))) {
        plan.json = () => {
          const row = rows.jsonRow(rt, c, "t", toMany, shown);
          return (
            row &&
            sql<{
              j: string;
            }>`select ${row} as ${sql.id("j")} from ${table} as ${sql.id("t")} ${w} order by ${order} limit ${perPage + 1}${offset}`.compile(
              db,
            )
          );
        };
      }
      if (q.count) {
        const countWhere = where([rule, filter]);
        if (countWhere !== false)
          plan.count = sql<{ n: number | string }>`select count(*) as n from ${table} as ${sql.id("t")} ${countWhere}`.compile(db);
      }
    }
    if (key !== null && !tracked.touched() && !guarded) {
      plan.shared = true;
      rememberList(c, key, plan);
    }
    return { rt, c, plan };
  }

  async function total(plan: ListPlan): Promise<number> {
    return plan.count ? Number((await db.executeQuery(plan.count)).rows[0]?.n ?? 0) : 0;
  }

  async function runList(rt: ProjectRuntime, c: CollectionRuntime, plan: ListPlan, actor: Actor): Promise<ListResult> {
    const { perPage, page } = plan;
    if (!plan.main)
      return { items: [], page, perPage, hasMore: false, nextCursor: null, ...(plan.withCount ? { totalItems: 0, totalPages: 0 } : {}) };
    const res = await db.executeQuery(plan.main);
    const hasMore = res.rows.length > perPage;
    const n = Math.min(res.rows.length, perPage);
    const items: RecordData[] = new Array(n);
    for (let i = 0; i < n; i++) items[i] = rows.decode(c, res.rows[i]!, plan.toMany);
    const last = items[n - 1];
    const nextCursor = hasMore && last ? encodeCursor(plan.keys, last) : null;
    let counted: { totalItems: number; totalPages: number } | undefined;
    if (plan.withCount) {
      const count = await total(plan);
      counted = { totalItems: count, totalPages: Math.ceil(count / perPage) };
    }
    if (Object.keys(plan.tree).length) await expander.expandRecords(db, rt, c, items, plan.tree, actor, access.context(actor));
    return { items: plan.shown ? items.map((r) => project(r, plan.shown)) : items, page, perPage, hasMore, nextCursor, ...(counted ?? {}) };
  }

  return {
    async list(projectId: string, collection: string, query: ListQuery, actor: Actor): Promise<ListResult> {
      const { rt, c, plan } = await listPlan(projectId, collection, query, actor);
      return runList(rt, c, plan, actor);
    },

    /**
     * The same list as `list`, as the JSON text of its response: the rows come as JSON from the
     * database (see `Rows.jsonRow`), the rest of the page around them.
     */
    async listJson(projectId: string, collection: string, query: ListQuery, actor: Actor): Promise<string> {
      const { rt, c, plan } = await listPlan(projectId, collection, query, actor);
      if (typeof plan.json === "function") plan.json = plan.json();
      if (!plan.json) return JSON.stringify(await runList(rt, c, plan, actor));
      const { perPage, page } = plan;
      // A plan kept for reuse (one per query shape, see listCacheKey) is prepared once per connection on PostgreSQL.
      let found = reads.column<string>(plan.json, "j", plan.shared === true);
      if (found instanceof Promise) found = await found;
      const hasMore = found.length > perPage;
      const n = Math.min(found.length, perPage);
      let items = "";
      for (let i = 0; i < n; i++) items += i === 0 ? found[i]! : `,${found[i]!}`;
      const nextCursor = hasMore && n > 0 ? encodeCursor(plan.keys, JSON.parse(found[n - 1]!) as RecordData) : null;
      let counted = "";
      if (plan.withCount) {
        const count = await total(plan);
        counted = `,"totalItems":${count},"totalPages":${Math.ceil(count / perPage)}`;
      }
      return `{"items":[${items}],"page":${page},"perPage":${perPage},"hasMore":${hasMore},"nextCursor":${JSON.stringify(nextCursor)}${counted}}`;
    },
  };
}
