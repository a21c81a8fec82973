import { CompiledQuery, sql, type Kysely, type RawBuilder } from "kysely";
import type { Bus } from "../../../platform/bus/bus";
import type { AnyDatabase } from "../types";
import { readTime } from "../../../platform/db/dialect";
import type { SqliteSync } from "../../../platform/db/connect";
import { createGroupCommit } from "../../../platform/db/group-commit";
import { sqlFunctionsOf } from "../../../platform/db/sql-functions";
import { AppError } from "../../../platform/errors/app-error";
import { invalidInput } from "../../../platform/errors/normalize";
import type { EvalContext } from "../expr/evaluate";
import { ExpressionError } from "../expr/parse";
import { expressionToSql, type RelationGuard } from "../expr/to-sql";
import { newRecordId } from "../ids";
import { SYSTEM_FIELD_NAMES } from "../model/normalize";
import { filterOf, type CollectionRuntime, type ProjectRuntime, type RuntimeCache } from "../runtime";
import {
  batchInputSchema,
  listQuerySchema,
  MAX_BATCH,
  MAX_FILTER_BYTES,
  MAX_PER_PAGE,
  viewOptionsSchema,
  type BatchOperation,
  type Field,
  type ListQuery,
  type ViewOptions,
} from "../schema";
import { classifyDbError } from "../storage/sql-errors";
import {
  authContextOf,
  bypassesRules,
  isRecordId,
  toProjectId,
  type Actor,
  type ProjectId,
  type RecordData,
  type RecordOperation,
} from "../types";
import { coerceValue, defaultValue, fromDb, isBlank, toDb, type FieldIssue } from "./codec";
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

type Sql = RawBuilder<unknown>;
type Executor = Kysely<unknown>;

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

import { recordSubject, type RecordAction, type RecordEvent, type RecordEventSink } from "../events";
export type { RecordAction, RecordEvent, RecordEventSink };

export type BatchResult = Array<{ action: BatchOperation["action"]; collection: string; id: string; record?: RecordData }>;

interface WriteScope {
  trx: Kysely<any>;
  /** SQLite: the connection's statements, run at once (the write holds the connection). */
  sync?: SqliteSync;
  rt: ProjectRuntime;
  events: RecordEvent[];
  now: number;
}

const DEFAULT_PER_PAGE = 30;
const ID_CHUNK = 500;

/**
 * Records of a project's collections: list (filter, sort, page or cursor, count, fields,
 * expand), get, create, update (PATCH), delete and batch. Access rules become part of the SQL
 * WHERE (list, view, update, delete) or are checked against the written row inside the write's
 * transaction (create, update), so a refused write leaves nothing behind.
 */
export function createRecordService(deps: {
  database: AnyDatabase;
  bus: Bus;
  clock: () => number;
  runtime: RuntimeCache;
  eventSinks?: readonly RecordEventSink[];
  onPublishError?: (err: unknown, subject: string) => void;
}) {
  const { database, bus, clock, runtime } = deps;
  const sinks = deps.eventSinks ?? [];
  // On SQLite, concurrent writes share commits (each still all-or-nothing on its own).
  const writes = createGroupCommit(database);
  const db = database.db as unknown as Executor;
  const fns = sqlFunctionsOf(database.kind);

  function context(actor: Actor, body?: Record<string, unknown>): EvalContext {
    return { auth: authContextOf(actor), now: clock(), ...(body ? { body } : {}) };
  }

  /** Fresh alias prefixes so nested rule translations never share an alias. */
  function aliasCounter() {
    let n = 0;
    return () => `x${++n}_`;
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

  function where(conditions: Array<Sql | boolean>): Sql | false {
    if (conditions.some((c) => c === false)) return false;
    const list = conditions.filter((c): c is Sql => c !== true);
    return list.length ? sql`where ${sql.join(list, sql` and `)}` : sql``;
  }

  /** The select list for a collection's rows: columns, and link ids of the to-many relations wanted. */
  function selectList(rt: ProjectRuntime, c: CollectionRuntime, alias: string, toMany: Iterable<Field> = c.toMany): Sql {
    const cols: Sql[] = [
      sql.id(alias, "id"),
      sql.id(alias, "created"),
      sql.id(alias, "updated"),
      ...c.columns.map((f) => rt.names.column(c.name, f.name, alias)),
    ];
    for (const f of toMany) {
      cols.push(
        sql`(select ${fns.jsonArrayAgg(sql.id("lnk", "target_id"), sql.id("lnk", "position"))} from ${rt.names.junction(c.name, f.name)} as ${sql.id("lnk")} where ${sql.id("lnk", "source_id")} = ${sql.id(alias, "id")}) as ${sql.id(f.name)}`,
      );
    }
    return sql.join(cols);
  }

  /**
   * A row as its API JSON text, made by the database (SQLite `json_object`, PostgreSQL
   * `json_build_object`), so a list needs no row objects, no decoding and no JSON.stringify of its
   * items. Each field as `fromDb` reads it: booleans as true/false, json, multi-selects and to-many
   * relations embedded as JSON, times as `toISOString()` writes them, decimals as text. Keys in the
   * order `decode` and `project` give them. Null when a list should take the object path instead
   * (`fields.int.test.ts` compares the two for every type on both databases).
   */
  function jsonRow(
    rt: ProjectRuntime,
    c: CollectionRuntime,
    alias: string,
    toMany: Iterable<Field>,
    shown: Set<string> | null,
  ): Sql | null {
    const pg = database.kind === "postgres";
    const time = (col: Sql) => (pg ? pgTime(col) : col);
    const exprs = new Map<string, Sql>([
      ["id", sql.id(alias, "id")],
      ["created", time(sql.id(alias, "created"))],
      ["updated", time(sql.id(alias, "updated"))],
    ]);
    for (const f of c.columns) exprs.set(f.name, (pg ? pgJsonValue : sqliteJsonValue)(f, rt.names.column(c.name, f.name, alias)));
    for (const f of toMany) {
      const links = sql`(select ${fns.jsonArrayAgg(sql.id("lnk", "target_id"), sql.id("lnk", "position"))} from ${rt.names.junction(c.name, f.name)} as ${sql.id("lnk")} where ${sql.id("lnk", "source_id")} = ${sql.id(alias, "id")})`;
      exprs.set(f.name, pg ? links : sql`json(${links})`);
    }
    const names = shown ? [...shown].filter((k) => exprs.has(k)) : [...exprs.keys()];
    // PostgreSQL functions take at most 100 arguments: key and value for 50 fields.
    if (names.length > (pg ? 50 : 200)) return null;
    // Field names are safe identifiers ([a-z_][a-z0-9_]*), so they go in as literals.
    const pairs = sql.join(names.map((k) => sql`${sql.lit(k)}, ${exprs.get(k)!}`));
    return pg ? sql`json_build_object(${pairs})` : sql`json_object(${pairs})`;
  }

  function sqliteJsonValue(f: Field, col: Sql): Sql {
    switch (f.type) {
      case "boolean":
        return sql`json(case when ${col} is null then null when ${col} in (1, '1', 't', 'true') then 'true' else 'false' end)`;
      case "json":
        return sql`json(${col})`;
      case "select":
      case "relation":
        return f.multiple ? sql`json(${col})` : col;
      default:
        // Times included: SQLite keeps them as the canonical ISO-8601 text every write and type
        // conversion stores (codec, archives, `text>timestamp`), which is what `readTime` returns.
        return col;
    }
  }

  /** A timestamptz as `toISOString()` writes it (PostgreSQL's own JSON would give `+00:00`). */
  function pgTime(col: Sql): Sql {
    return sql`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }

  function pgJsonValue(f: Field, col: Sql): Sql {
    switch (f.type) {
      case "datetime":
      case "autodate":
        return pgTime(col);
      // numeric as the text the driver hands `fromDb` (a JSON number would lose its scale).
      case "decimal":
        return sql`${col}::text`;
      default:
        // Numbers, booleans, dates, uuids and json/jsonb become JSON as `fromDb` reads them.
        return col;
    }
  }

  // A get the rule does not restrict (public, or bypassed) is the same SQL for every id: built once per model version.
  const unrestrictedGets = new WeakMap<CollectionRuntime, string | null>();
  function unrestrictedGet(rt: ProjectRuntime, c: CollectionRuntime): string | null {
    let text = unrestrictedGets.get(c);
    if (text === undefined) {
      const compiled =
        sql`select ${selectList(rt, c, "t")} from ${rt.names.table(c.name)} as ${sql.id("t")} where ${sql.id("t", "id")} = ${"?"}`.compile(
          db,
        );
      // Only when the id is the query's one parameter (the select list binds none today).
      text = compiled.parameters.length === 1 ? compiled.sql : null;
      unrestrictedGets.set(c, text);
    }
    return text;
  }

  function decode(c: CollectionRuntime, row: Record<string, unknown>, toMany: Iterable<Field> = c.toMany): RecordData {
    const record: RecordData = { id: row.id as string, created: readTime(row.created), updated: readTime(row.updated) };
    for (const f of c.columns) record[f.name] = fromDb(f, row[f.name]);
    for (const f of toMany) record[f.name] = fromDb(f, row[f.name]);
    return record;
  }

  async function readRecord(
    executor: Executor,
    rt: ProjectRuntime,
    c: CollectionRuntime,
    id: string,
    sync?: SqliteSync,
  ): Promise<RecordData | null> {
    const text = unrestrictedGet(rt, c);
    if (text !== null && sync) {
      const row = sync.get<Record<string, unknown>>(text, [id]);
      return row ? decode(c, row) : null;
    }
    const r =
      text !== null
        ? await executor.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [id]))
        : await sql<
            Record<string, unknown>
          >`select ${selectList(rt, c, "t")} from ${rt.names.table(c.name)} as ${sql.id("t")} where ${sql.id("t", "id")} = ${id}`.execute(
            executor,
          );
    return r.rows[0] ? decode(c, r.rows[0]) : null;
  }

  // An insert of a collection's row is the same SQL for every record: built once per model version.
  const inserts = new WeakMap<CollectionRuntime, string | null>();
  function insertText(rt: ProjectRuntime, c: CollectionRuntime): string | null {
    let text = inserts.get(c);
    if (text === undefined) {
      const cols: Sql[] = [
        sql.id("id"),
        sql.id("created"),
        sql.id("updated"),
        ...c.columns.map((f) => rt.names.columnName(c.name, f.name)),
      ];
      const compiled = sql`insert into ${rt.names.table(c.name)} (${sql.join(cols)}) values (${sql.join(cols.map(() => null))})`.compile(
        db,
      );
      // Only when the values are the query's only parameters, one per column.
      text = compiled.parameters.length === cols.length ? compiled.sql : null;
      inserts.set(c, text);
    }
    return text;
  }

  /** Attaches related records under `expand`, each level in one query per relation, filtered by the target's view rule. */
  async function expandRecords(
    executor: Executor,
    rt: ProjectRuntime,
    c: CollectionRuntime,
    records: RecordData[],
    tree: ExpandTree,
    actor: Actor,
    ctx: EvalContext,
  ) {
    for (const [name, subtree] of Object.entries(tree)) {
      const field = c.index.fields.get(name) as Extract<Field, { type: "relation" }>;
      const target = rt.collection(field.collection);
      const ids = new Set<string>();
      for (const r of records) {
        const v = r[name];
        if (Array.isArray(v)) for (const id of v) ids.add(id as string);
        else if (typeof v === "string" && v) ids.add(v);
      }
      if (ids.size === 0) continue;
      let rule: Sql | boolean;
      try {
        rule = ruleCondition(rt, target, "view", actor, ctx, "t", "e_");
      } catch (err) {
        if (err instanceof AppError && err.code === "access_denied") continue;
        throw err;
      }
      if (rule === false) continue;
      const found = new Map<string, RecordData>();
      const list = [...ids];
      for (let i = 0; i < list.length; i += ID_CHUNK) {
        const chunk = list.slice(i, i + ID_CHUNK);
        const w = where([sql`${sql.id("t", "id")} in (${sql.join(chunk)})`, rule]);
        if (w === false) break;
        const res = await sql<
          Record<string, unknown>
        >`select ${selectList(rt, target, "t")} from ${rt.names.table(target.name)} as ${sql.id("t")} ${w}`.execute(executor);
        for (const row of res.rows) {
          const rec = decode(target, row);
          found.set(rec.id, rec);
        }
      }
      if (Object.keys(subtree).length) await expandRecords(executor, rt, target, [...found.values()], subtree, actor, ctx);
      for (const r of records) {
        const v = r[name];
        const expanded = Array.isArray(v)
          ? v.map((id) => found.get(id as string)).filter(Boolean)
          : typeof v === "string"
            ? found.get(v)
            : undefined;
        if (expanded === undefined || (Array.isArray(expanded) && expanded.length === 0 && !Array.isArray(v))) continue;
        r.expand ??= {};
        r.expand[name] = expanded;
      }
    }
  }

  function project(record: RecordData, fields: Set<string> | null): RecordData {
    if (!fields) return record;
    const out: Record<string, unknown> = {};
    for (const k of fields) if (k in record) out[k] = record[k];
    return out as RecordData;
  }

  function expressionFailure(err: unknown, kind: "filter", collection: string): never {
    if (err instanceof ExpressionError) {
      const { code, ...issue } = err.issue;
      throw new AppError(code, 400, { kind, collection, ...issue });
    }
    throw err;
  }

  async function runtimeOf(projectId: string): Promise<ProjectRuntime> {
    return runtime.get(toProjectId(projectId));
  }

  function checkId(c: CollectionRuntime, id: string) {
    if (!isRecordId(id)) throw new AppError("invalid_record_id", 400, { id: String(id).slice(0, 100) });
    return id;
  }

  // ── writes ──

  interface Validated {
    id?: string;
    columns: Map<Field, unknown>;
    links: Map<Extract<Field, { type: "relation" }>, string[]>;
    /** The request body as rules see it: provided fields, validated, in API form. */
    body: Record<string, unknown>;
  }

  function validateInput(c: CollectionRuntime, data: unknown, mode: "create" | "update", now: number, existingId?: string): Validated {
    if (data === null || typeof data !== "object" || Array.isArray(data))
      throw new AppError("invalid_input", 400, { summary: "the record must be an object", issues: [] });
    const input = data as Record<string, unknown>;
    const errors: Record<string, FieldIssue> = {};
    const out: Validated = { columns: new Map(), links: new Map(), body: {} };
    for (const key of Object.keys(input)) {
      if (key === "id") {
        if (mode === "create") {
          if (!isRecordId(input.id)) errors.id = { code: "invalid_type", expected: "record id" };
          else out.id = input.id;
        } else if (input.id !== existingId) errors.id = { code: "read_only" };
        continue;
      }
      const field = c.index.fields.get(key);
      if (!field || SYSTEM_FIELD_NAMES.has(key)) {
        errors[key.slice(0, 100)] = { code: key === "created" || key === "updated" ? "read_only" : "unknown" };
        continue;
      }
      if (field.type === "autodate") errors[key] = { code: "read_only" };
    }
    for (const f of c.fields) {
      if (f.type === "autodate") continue;
      const provided = Object.prototype.hasOwnProperty.call(input, f.name);
      let value: unknown;
      if (!provided) {
        if (mode === "update") continue;
        value = defaultValue(f, now);
        if (value === undefined) {
          if (f.required) {
            errors[f.name] = { code: "required" };
            continue;
          }
          value = f.type === "relation" && f.multiple ? [] : null;
        }
      } else {
        value = input[f.name];
        if (value === undefined) continue;
        if (value === null) {
          if (f.required && !f.nullable) {
            errors[f.name] = { code: "required" };
            continue;
          }
          if (!f.nullable && !(f.type === "relation" && f.multiple)) {
            errors[f.name] = { code: "null_not_allowed" };
            continue;
          }
          value = f.type === "relation" && f.multiple ? [] : null;
        } else {
          const r = coerceValue(f, value);
          if (!r.ok) {
            errors[f.name] = r.issue;
            continue;
          }
          value = r.value;
        }
        if (f.required && isBlank(f, value)) {
          errors[f.name] = { code: "required" };
          continue;
        }
        out.body[f.name] = value;
      }
      if (f.type === "relation" && f.multiple) out.links.set(f, (value as string[] | null) ?? []);
      else out.columns.set(f, value);
    }
    if (Object.keys(errors).length) throw validationError(errors);
    return out;
  }

  function validationError(errors: Record<string, FieldIssue>): AppError {
    const summary = Object.entries(errors)
      .slice(0, 10)
      .map(([k, v]) => `${k}: ${v.code}`)
      .join(", ");
    return new AppError("validation_failed", 400, { summary, fields: errors });
  }

  /** Every related id must exist in its target collection. */
  async function checkRelations(scope: WriteScope, c: CollectionRuntime, v: Validated) {
    const errors: Record<string, FieldIssue> = {};
    const wanted: Array<[Extract<Field, { type: "relation" }>, string[]]> = [];
    for (const [f, value] of v.columns) if (f.type === "relation" && typeof value === "string" && value !== "") wanted.push([f, [value]]);
    for (const [f, ids] of v.links) if (ids.length) wanted.push([f, ids]);
    for (const [f, ids] of wanted) {
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const chunk = ids.slice(i, i + ID_CHUNK);
        const r = await sql<{
          id: string;
        }>`select ${sql.id("id")} from ${scope.rt.names.table(f.collection)} where ${sql.id("id")} in (${sql.join(chunk)})`.execute(
          scope.trx,
        );
        for (const row of r.rows) found.add(row.id);
      }
      const missing = ids.find((id) => !found.has(id));
      if (missing !== undefined) errors[f.name] = { code: "invalid_relation", value: missing };
    }
    if (Object.keys(errors).length) throw validationError(errors);
  }

  async function writeLinks(scope: WriteScope, c: CollectionRuntime, id: string, links: Validated["links"], replace: boolean) {
    for (const [f, ids] of links) {
      const table = scope.rt.names.junction(c.name, f.name);
      if (replace) await sql`delete from ${table} where ${sql.id("source_id")} = ${id}`.execute(scope.trx);
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const rows = ids.slice(i, i + ID_CHUNK).map((target, k) => sql`(${id}, ${target}, ${i + k})`);
        await sql`insert into ${table} (${sql.id("source_id")}, ${sql.id("target_id")}, ${sql.id("position")}) values ${sql.join(rows)}`.execute(
          scope.trx,
        );
      }
    }
  }

  /** Turns constraint violations the checks could not see coming (races) into field errors. */
  function writeFailure(c: CollectionRuntime, err: unknown, v: Validated): never {
    if (err instanceof AppError) throw err;
    const info = classifyDbError(err);
    if (info.kind === "unique") {
      let fields = info.columns ?? (info.constraint ? c.uniqueIndexes.get(info.constraint) : undefined);
      if (!fields && info.constraint?.endsWith("_pkey")) fields = ["id"];
      const errors: Record<string, FieldIssue> = {};
      for (const f of fields ?? ["id"]) errors[f] = { code: "not_unique" };
      throw validationError(errors);
    }
    if (info.kind === "foreign_key") {
      const errors: Record<string, FieldIssue> = {};
      for (const f of [...v.columns.keys(), ...v.links.keys()]) if (f.type === "relation") errors[f.name] = { code: "invalid_relation" };
      throw validationError(errors);
    }
    throw err;
  }

  /** After writing, the row must satisfy the rule (with the request body): else the transaction is undone. */
  async function checkWritten(scope: WriteScope, c: CollectionRuntime, op: "create" | "update", cond: Sql | boolean, id: string) {
    if (cond === true) return;
    if (cond !== false) {
      const r =
        await sql`select 1 as ok from ${scope.rt.names.table(c.name)} as ${sql.id("t")} where ${sql.id("t", "id")} = ${id} and ${cond}`.execute(
          scope.trx,
        );
      if (r.rows.length > 0) return;
    }
    throw new AppError("access_denied", 403, { collection: c.name, operation: op });
  }

  /** 403 when the caller may view the record (so it exists for them), else 404. */
  async function notAllowedOrMissing(
    executor: Executor,
    rt: ProjectRuntime,
    c: CollectionRuntime,
    op: RecordOperation,
    actor: Actor,
    ctx: EvalContext,
    id: string,
  ): Promise<never> {
    let visible = false;
    try {
      const view = ruleCondition(rt, c, "view", actor, ctx, "t", "v_");
      const w = where([sql`${sql.id("t", "id")} = ${id}`, view]);
      if (w !== false)
        visible = (await sql`select 1 as ok from ${rt.names.table(c.name)} as ${sql.id("t")} ${w}`.execute(executor)).rows.length > 0;
    } catch (err) {
      if (!(err instanceof AppError && err.code === "access_denied")) throw err;
    }
    if (visible) throw new AppError("access_denied", 403, { collection: c.name, operation: op });
    throw new AppError("record_not_found", 404, { collection: c.name, id });
  }

  async function createIn(scope: WriteScope, c: CollectionRuntime, data: unknown, actor: Actor): Promise<RecordData> {
    if (!bypassesRules(actor, c.name, "create") && c.rules.create.kind === "locked")
      throw new AppError("access_denied", 403, { collection: c.name, operation: "create" });
    const v = validateInput(c, data, "create", scope.now);
    // What the caller and body alone decide is decided before anything is written.
    const cond = ruleCondition(scope.rt, c, "create", actor, { ...context(actor, v.body), now: scope.now }, "t", "w_");
    if (cond === false) throw new AppError("access_denied", 403, { collection: c.name, operation: "create" });
    const id = v.id ?? newRecordId(scope.now);
    const stamp = new Date(scope.now).toISOString();
    try {
      await checkRelations(scope, c, v);
      const vals: unknown[] = [id, stamp, stamp];
      for (const f of c.columns) vals.push(f.type === "autodate" ? (f.onCreate ? stamp : null) : toDb(f, v.columns.get(f)));
      const text = insertText(scope.rt, c);
      if (text !== null && scope.sync) scope.sync.run(text, vals);
      else if (text !== null) await scope.trx.executeQuery(CompiledQuery.raw(text, vals));
      else {
        const cols: Sql[] = [
          sql.id("id"),
          sql.id("created"),
          sql.id("updated"),
          ...c.columns.map((f) => scope.rt.names.columnName(c.name, f.name)),
        ];
        await sql`insert into ${scope.rt.names.table(c.name)} (${sql.join(cols)}) values (${sql.join(vals)})`.execute(scope.trx);
      }
      await writeLinks(scope, c, id, v.links, false);
    } catch (err) {
      writeFailure(c, err, v);
    }
    await checkWritten(scope, c, "create", cond, id);
    const record = (await readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    scope.events.push(event(scope.rt.project, c.name, "created", actor, record, null));
    return record;
  }

  async function updateIn(scope: WriteScope, c: CollectionRuntime, id: string, data: unknown, actor: Actor): Promise<RecordData> {
    checkId(c, id);
    if (!bypassesRules(actor, c.name, "update") && c.rules.update.kind === "locked")
      throw new AppError("access_denied", 403, { collection: c.name, operation: "update" });
    // Validated first: the rule may read the request body, on the record as it is and as it will be.
    const v = validateInput(c, data, "update", scope.now, id);
    const ctx = { ...context(actor, v.body), now: scope.now };
    const rule = ruleCondition(scope.rt, c, "update", actor, ctx, "t", "u_");
    const w = where([sql`${sql.id("t", "id")} = ${id}`, rule]);
    const locked =
      w === false
        ? []
        : (
            await sql`select ${sql.id("t", "id")} from ${scope.rt.names.table(c.name)} as ${sql.id("t")} ${w}${fns.forUpdate()}`.execute(
              scope.trx,
            )
          ).rows;
    if (locked.length === 0) await notAllowedOrMissing(scope.trx, scope.rt, c, "update", actor, ctx, id);
    const before = (await readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    const stamp = new Date(scope.now).toISOString();
    try {
      await checkRelations(scope, c, v);
      const sets: Sql[] = [sql`${sql.id("updated")} = ${stamp}`];
      for (const f of c.columns) {
        if (f.type === "autodate") {
          if (f.onUpdate) sets.push(sql`${scope.rt.names.columnName(c.name, f.name)} = ${stamp}`);
        } else if (v.columns.has(f)) sets.push(sql`${scope.rt.names.columnName(c.name, f.name)} = ${toDb(f, v.columns.get(f))}`);
      }
      await sql`update ${scope.rt.names.table(c.name)} set ${sql.join(sets)} where ${sql.id("id")} = ${id}`.execute(scope.trx);
      await writeLinks(scope, c, id, v.links, true);
    } catch (err) {
      writeFailure(c, err, v);
    }
    await checkWritten(scope, c, "update", rule, id);
    const record = (await readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    scope.events.push(event(scope.rt.project, c.name, "updated", actor, record, before));
    return record;
  }

  async function deleteIn(scope: WriteScope, c: CollectionRuntime, id: string, actor: Actor): Promise<void> {
    checkId(c, id);
    const ctx = { ...context(actor), now: scope.now };
    const rule = ruleCondition(scope.rt, c, "delete", actor, ctx, "t", "d_");
    const w = where([sql`${sql.id("t", "id")} = ${id}`, rule]);
    const locked =
      w === false
        ? []
        : (
            await sql`select ${sql.id("t", "id")} from ${scope.rt.names.table(c.name)} as ${sql.id("t")} ${w}${fns.forUpdate()}`.execute(
              scope.trx,
            )
          ).rows;
    if (locked.length === 0) await notAllowedOrMissing(scope.trx, scope.rt, c, "delete", actor, ctx, id);
    const before = (await readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    try {
      await sql`delete from ${scope.rt.names.table(c.name)} where ${sql.id("id")} = ${id}`.execute(scope.trx);
    } catch (err) {
      if (classifyDbError(err).kind === "foreign_key") throw new AppError("relation_restricted", 409, { collection: c.name, id });
      throw err;
    }
    scope.events.push(event(scope.rt.project, c.name, "deleted", actor, null, before));
  }

  async function write<T>(rt: ProjectRuntime, work: (scope: WriteScope) => Promise<T>): Promise<T> {
    const events: RecordEvent[] = [];
    const afterCommit: Array<() => Promise<unknown> | void> = [];
    const result = await writes.run(async (trx) => {
      // On SQLite the group commit holds the connection for this write: its statements may run at once.
      const value = await work({ trx, rt, events, now: clock(), sync: database.sync });
      if (events.length > 0) {
        for (const sink of sinks) {
          const next = await sink.within(trx, events);
          if (next) afterCommit.push(next);
        }
      }
      return value;
    });
    // The sinks' remaining work (awaited: a client that reads the realtime log after the response finds the change there).
    const sinkWork = afterCommit.map(async (next) => {
      try {
        await next();
      } catch (err) {
        deps.onPublishError?.(err, `project.${rt.project}.records`);
      }
    });
    const publish = async (e: RecordEvent) => {
      const subject = recordSubject(e.project, e.collection, e.action);
      try {
        await bus.publish(subject, e);
      } catch (err) {
        deps.onPublishError?.(err, subject);
      }
    };
    // In order: on PostgreSQL each message is a NOTIFY to the other nodes.
    for (const e of events) await publish(e);
    await Promise.all(sinkWork);
    return result;
  }

  async function present(
    rt: ProjectRuntime,
    c: CollectionRuntime,
    record: RecordData,
    options: ViewOptions | undefined,
    actor: Actor,
  ): Promise<RecordData> {
    if (!options) return record;
    const parsed = viewOptionsSchema.safeParse(options);
    if (!parsed.success) throw invalidInput(parsed.error);
    const fields = parseFields(c, parsed.data.fields);
    const tree = parseExpand(rt, c, parsed.data.expand);
    if (Object.keys(tree).length) await expandRecords(db, rt, c, [record], tree, actor, context(actor));
    return project(record, fields && Object.keys(tree).length ? new Set([...fields, "expand"]) : fields);
  }

  // ── list plans: the SQL of a list, compiled once per query shape and model version ──

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

  const LIST_PLANS_PER_COLLECTION = 256;
  const listPlans = new WeakMap<CollectionRuntime, Map<string, ListPlan>>();

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
    const tracked = trackedContext(actor);
    const ctx = tracked.ctx;
    let guarded = false;
    const perPage = q.perPage ?? DEFAULT_PER_PAGE;
    const page = q.page ?? 1;
    const prefixes = aliasCounter();
    const rule = ruleCondition(rt, c, "list", actor, ctx, "t", prefixes());
    let filter: Sql | boolean = true;
    if (q.filter !== undefined && q.filter.trim() !== "") {
      const guard = viewGuard(rt, actor, ctx, prefixes);
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
      >`select ${selectList(rt, c, "t", toMany)} from ${table} as ${sql.id("t")} ${w} order by ${order} limit ${perPage + 1}${offset}`.compile(
        db,
      );
      if (Object.keys(tree).length === 0 && (!shown || keys.every((k) => shown.has(k.field.name)))) {
        plan.json = () => {
          const row = jsonRow(rt, c, "t", toMany, shown);
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

  /** One row of a read. On SQLite with no transaction open on its connection, run at once (committed data only). */
  async function readOne(query: CompiledQuery): Promise<Record<string, unknown> | undefined> {
    const sync = database.sync;
    if (sync && !sync.inTransaction()) return sync.get<Record<string, unknown>>(query.sql, query.parameters);
    // PostgreSQL: gets have a fixed shape per model version and rule, so they are prepared once per connection.
    if (database.preparedRead) return (await database.preparedRead(query.sql, query.parameters))[0];
    return (await db.executeQuery<Record<string, unknown>>(query)).rows[0];
  }

  async function runList(rt: ProjectRuntime, c: CollectionRuntime, plan: ListPlan, actor: Actor): Promise<ListResult> {
    const { perPage, page } = plan;
    if (!plan.main)
      return { items: [], page, perPage, hasMore: false, nextCursor: null, ...(plan.withCount ? { totalItems: 0, totalPages: 0 } : {}) };
    const res = await db.executeQuery(plan.main);
    const hasMore = res.rows.length > perPage;
    const n = Math.min(res.rows.length, perPage);
    const items: RecordData[] = new Array(n);
    for (let i = 0; i < n; i++) items[i] = decode(c, res.rows[i]!, plan.toMany);
    const last = items[n - 1];
    const nextCursor = hasMore && last ? encodeCursor(plan.keys, last) : null;
    let total: { totalItems: number; totalPages: number } | undefined;
    if (plan.withCount) {
      const count = plan.count ? Number((await db.executeQuery(plan.count)).rows[0]?.n ?? 0) : 0;
      total = { totalItems: count, totalPages: Math.ceil(count / perPage) };
    }
    if (Object.keys(plan.tree).length) await expandRecords(db, rt, c, items, plan.tree, actor, context(actor));
    return { items: plan.shown ? items.map((r) => project(r, plan.shown)) : items, page, perPage, hasMore, nextCursor, ...(total ?? {}) };
  }

  return {
    async list(projectId: string, collection: string, query: ListQuery, actor: Actor): Promise<ListResult> {
      const { rt, c, plan } = await listPlan(projectId, collection, query, actor);
      return runList(rt, c, plan, actor);
    },

    /**
     * The same list as `list`, as the JSON text of its response: the rows come as JSON from the
     * database (see `jsonRow`), the rest of the page around them.
     */
    async listJson(projectId: string, collection: string, query: ListQuery, actor: Actor): Promise<string> {
      const { rt, c, plan } = await listPlan(projectId, collection, query, actor);
      if (typeof plan.json === "function") plan.json = plan.json();
      if (!plan.json) return JSON.stringify(await runList(rt, c, plan, actor));
      const { perPage, page } = plan;
      // With no transaction open on SQLite's one connection, the read runs at once (committed data only).
      const sync = database.sync;
      let rows: string[];
      if (sync && !sync.inTransaction()) rows = sync.column<string>(plan.json.sql, plan.json.parameters);
      // PostgreSQL: a plan kept for reuse (one per query shape, see listCacheKey) is prepared once per connection.
      else if (plan.shared && database.preparedRead)
        rows = (await database.preparedRead(plan.json.sql, plan.json.parameters)).map((r) => r.j as string);
      else rows = (await db.executeQuery(plan.json)).rows.map((r) => r.j);
      const hasMore = rows.length > perPage;
      const n = Math.min(rows.length, perPage);
      let items = "";
      for (let i = 0; i < n; i++) items += i === 0 ? rows[i]! : `,${rows[i]!}`;
      const nextCursor = hasMore && n > 0 ? encodeCursor(plan.keys, JSON.parse(rows[n - 1]!) as RecordData) : null;
      let total = "";
      if (plan.withCount) {
        const count = plan.count ? Number((await db.executeQuery(plan.count)).rows[0]?.n ?? 0) : 0;
        total = `,"totalItems":${count},"totalPages":${Math.ceil(count / perPage)}`;
      }
      return `{"items":[${items}],"page":${page},"perPage":${perPage},"hasMore":${hasMore},"nextCursor":${JSON.stringify(nextCursor)}${total}}`;
    },

    async get(projectId: string, collection: string, id: string, actor: Actor, options?: ViewOptions): Promise<RecordData> {
      const rt = await runtimeOf(projectId);
      const c = rt.collection(collection);
      checkId(c, id);
      const ctx = context(actor);
      const rule = ruleCondition(rt, c, "view", actor, ctx, "t", "v_");
      let row: Record<string, unknown> | undefined;
      const fast = rule === true ? unrestrictedGet(rt, c) : null;
      if (fast !== null) {
        row = await readOne(CompiledQuery.raw(fast, [id]));
      } else if (rule === false) {
        row = undefined;
      } else {
        // SQLite: the get built once per model version, with only the rule's condition compiled per
        // request and appended (its `?` placeholders follow the id's).
        const base = database.kind === "sqlite" && rule !== true ? unrestrictedGet(rt, c) : null;
        if (base !== null && rule !== true) {
          const cond = rule.compile(db);
          row = await readOne(CompiledQuery.raw(`${base} and (${cond.sql})`, [id, ...cond.parameters]));
        } else {
          row = await readOne(
            sql<
              Record<string, unknown>
            >`select ${selectList(rt, c, "t")} from ${rt.names.table(c.name)} as ${sql.id("t")} ${where([sql`${sql.id("t", "id")} = ${id}`, rule])}`.compile(
              db,
            ),
          );
        }
      }
      if (!row) throw new AppError("record_not_found", 404, { collection: c.name, id });
      return present(rt, c, decode(c, row), options, actor);
    },

    async create(projectId: string, collection: string, data: unknown, actor: Actor, options?: ViewOptions): Promise<RecordData> {
      const rt = await runtimeOf(projectId);
      const c = rt.collection(collection);
      const record = await write(rt, (scope) => createIn(scope, c, data, actor));
      return present(rt, c, record, options, actor);
    },

    /** PATCH semantics: only the given fields change; a to-many relation given is replaced whole. */
    async update(
      projectId: string,
      collection: string,
      id: string,
      data: unknown,
      actor: Actor,
      options?: ViewOptions,
    ): Promise<RecordData> {
      const rt = await runtimeOf(projectId);
      const c = rt.collection(collection);
      const record = await write(rt, (scope) => updateIn(scope, c, id, data, actor));
      return present(rt, c, record, options, actor);
    },

    async delete(projectId: string, collection: string, id: string, actor: Actor): Promise<void> {
      const rt = await runtimeOf(projectId);
      const c = rt.collection(collection);
      await write(rt, (scope) => deleteIn(scope, c, id, actor));
    },

    /**
     * Up to 100 creates, updates and deletes in one transaction: all apply or none. An error
     * carries the failing operation's index in `details.operation`.
     */
    async batch(projectId: string, operations: BatchOperation[], actor: Actor): Promise<BatchResult> {
      if (Array.isArray(operations) && operations.length > MAX_BATCH) throw new AppError("batch_too_large", 400, { max: MAX_BATCH });
      const parsed = batchInputSchema.safeParse(operations);
      if (!parsed.success) throw invalidInput(parsed.error);
      const rt = await runtimeOf(projectId);
      return write(rt, async (scope) => {
        const results: BatchResult = [];
        for (let i = 0; i < parsed.data.length; i++) {
          const op = parsed.data[i]!;
          try {
            const c = scope.rt.collection(op.collection);
            if (op.action === "create") {
              const record = await createIn(scope, c, op.data, actor);
              results.push({ action: op.action, collection: c.name, id: record.id, record });
            } else if (op.action === "update") {
              const record = await updateIn(scope, c, op.id, op.data, actor);
              results.push({ action: op.action, collection: c.name, id: record.id, record });
            } else {
              await deleteIn(scope, c, op.id, actor);
              results.push({ action: op.action, collection: c.name, id: op.id });
            }
          } catch (err) {
            if (err instanceof AppError) throw new AppError(err.code, err.status, { ...err.details, operation: i });
            throw err;
          }
        }
        return results;
      });
    },
  };
}

export type RecordService = ReturnType<typeof createRecordService>;

function event(
  project: ProjectId,
  collection: string,
  action: RecordAction,
  actor: Actor,
  record: RecordData | null,
  before: RecordData | null,
): RecordEvent {
  return {
    project,
    collection,
    action,
    id: (record ?? before)!.id,
    record,
    before,
    actor: { type: actor.type, id: actor.type === "anonymous" ? null : actor.id },
  };
}
