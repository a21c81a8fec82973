import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Bus } from "../../../platform/bus/bus";
import type { SqliteSync } from "../../../platform/db/connect";
import { runHeld } from "../../../platform/db/direct-statements";
import { createGroupCommit } from "../../../platform/db/group-commit";
import type { SqlFunctions } from "../../../platform/db/sql-functions";
import { AppError } from "../../../platform/errors/app-error";
import { invalidInput } from "../../../platform/errors/normalize";
import type { EvalContext } from "../expr/evaluate";
import { fieldKind } from "../fields/registry";
import { newRecordId } from "../ids";
import type { CollectionRuntime, ProjectRuntime } from "../runtime";
import { batchInputSchema, MAX_BATCH, type BatchOperation } from "../schema";
import { classifyDbError } from "../storage/sql-errors";
import { bypassesRules, type Actor, type AnyDatabase, type RecordData, type RecordOperation } from "../types";
import { where, type Access } from "./access";
import { toDb } from "./codec";
import { recordSubject, type RecordEvent, type RecordEventSink } from "../events";
import { recordEvent } from "./record-events";
import type { Rows } from "./rows";
import { checkRecordId, checkRelations, validateInput, writeFailure, type Validated } from "./validate";

type Sql = RawBuilder<unknown>;
type Executor = Kysely<unknown>;

const ID_CHUNK = 500;

export type BatchResult = Array<{ action: BatchOperation["action"]; collection: string; id: string; record?: RecordData }>;

/** One write (a create, an update, a delete, or a whole batch): its transaction and what it publishes. */
interface WriteScope {
  trx: Kysely<any>;
  /** SQLite: the connection's statements, run at once (the write holds the connection). */
  sync?: SqliteSync;
  rt: ProjectRuntime;
  events: RecordEvent[];
  now: number;
}

/**
 * Creates, updates, deletes and batches: validated, checked against the rule inside the write's
 * transaction (so a refused write leaves nothing behind), committed (on SQLite in a commit shared
 * with the writes that arrive together), then published: the event sinks inside the transaction,
 * the bus after it.
 */
export function createWriter(deps: {
  database: AnyDatabase;
  bus: Bus;
  clock: () => number;
  fns: SqlFunctions;
  rows: Rows;
  access: Access;
  eventSinks: readonly RecordEventSink[];
  onPublishError?: (err: unknown, subject: string) => void;
}) {
  const { database, bus, clock, fns, rows, access } = deps;
  const sinks = deps.eventSinks;
  // On SQLite, concurrent writes share commits (each still all-or-nothing on its own).
  const writes = createGroupCommit(database);

  async function writeLinks(scope: WriteScope, c: CollectionRuntime, id: string, links: Validated["links"], replace: boolean) {
    for (const [f, ids] of links) {
      const table = scope.rt.names.junction(c.name, f.name);
      if (replace) await sql`delete from ${table} where ${sql.id("source_id")} = ${id}`.execute(scope.trx);
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const values = ids.slice(i, i + ID_CHUNK).map((target, k) => sql`(${id}, ${target}, ${i + k})`);
        await sql`insert into ${table} (${sql.id("source_id")}, ${sql.id("target_id")}, ${sql.id("position")}) values ${sql.join(values)}`.execute(
          scope.trx,
        );
      }
    }
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
      const view = access.ruleCondition(rt, c, "view", actor, ctx, "t", "v_");
      const w = where([sql`${sql.id("t", "id")} = ${id}`, view]);
      if (w !== false)
        visible = (await sql`select 1 as ok from ${rt.names.table(c.name)} as ${sql.id("t")} ${w}`.execute(executor)).rows.length > 0;
    } catch (err) {
      if (!(err instanceof AppError && err.code === "access_denied")) throw err;
    }
    if (visible) throw new AppError("access_denied", 403, { collection: c.name, operation: op });
    throw new AppError("record_not_found", 404, { collection: c.name, id });
  }

  /** Locks the record for the write if the caller's rule lets them reach it; else 403 or 404. */
  async function lockReachable(
    scope: WriteScope,
    c: CollectionRuntime,
    op: "update" | "delete",
    rule: Sql | boolean,
    actor: Actor,
    ctx: EvalContext,
    id: string,
  ) {
    const w = where([sql`${sql.id("t", "id")} = ${id}`, rule]);
    const locked =
      w === false
        ? []
        : (
            await sql`select ${sql.id("t", "id")} from ${scope.rt.names.table(c.name)} as ${sql.id("t")} ${w}${fns.forUpdate()}`.execute(
              scope.trx,
            )
          ).rows;
    if (locked.length === 0) await notAllowedOrMissing(scope.trx, scope.rt, c, op, actor, ctx, id);
  }

  async function createIn(scope: WriteScope, c: CollectionRuntime, data: unknown, actor: Actor): Promise<RecordData> {
    if (!bypassesRules(actor, c.name, "create") && c.rules.create.kind === "locked")
      throw new AppError("access_denied", 403, { collection: c.name, operation: "create" });
    const v = validateInput(c, data, "create", scope.now);
    // What the caller and body alone decide is decided before anything is written.
    const cond = access.ruleCondition(scope.rt, c, "create", actor, { ...access.context(actor, v.body), now: scope.now }, "t", "w_");
    if (cond === false) throw new AppError("access_denied", 403, { collection: c.name, operation: "create" });
    const id = v.id ?? newRecordId(scope.now);
    const stamp = new Date(scope.now).toISOString();
    try {
      await checkRelations(scope.trx, scope.rt, v);
      const vals: unknown[] = [id, stamp, stamp];
      for (const f of c.columns) {
        const kind = fieldKind(f);
        vals.push(kind.readOnly ? (kind.stamps(f, "create") ? stamp : null) : toDb(f, v.columns.get(f)));
      }
      const text = rows.insertText(scope.rt, c);
      if (text !== null) {
        const pending = runHeld(scope.trx, scope.sync, text, vals);
        if (pending) await pending;
      } else
        await sql`insert into ${scope.rt.names.table(c.name)} (${sql.join(rows.insertColumns(scope.rt, c))}) values (${sql.join(vals)})`.execute(
          scope.trx,
        );
      await writeLinks(scope, c, id, v.links, false);
    } catch (err) {
      writeFailure(c, err, v);
    }
    await checkWritten(scope, c, "create", cond, id);
    const record = (await rows.readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    scope.events.push(recordEvent(scope.rt.project, c.name, "created", actor, record, null));
    return record;
  }

  async function updateIn(scope: WriteScope, c: CollectionRuntime, id: string, data: unknown, actor: Actor): Promise<RecordData> {
    checkRecordId(id);
    if (!bypassesRules(actor, c.name, "update") && c.rules.update.kind === "locked")
      throw new AppError("access_denied", 403, { collection: c.name, operation: "update" });
    // Validated first: the rule may read the request body, on the record as it is and as it will be.
    const v = validateInput(c, data, "update", scope.now, id);
    const ctx = { ...access.context(actor, v.body), now: scope.now };
    const rule = access.ruleCondition(scope.rt, c, "update", actor, ctx, "t", "u_");
    await lockReachable(scope, c, "update", rule, actor, ctx, id);
    const before = (await rows.readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    const stamp = new Date(scope.now).toISOString();
    try {
      await checkRelations(scope.trx, scope.rt, v);
      const sets: Sql[] = [sql`${sql.id("updated")} = ${stamp}`];
      for (const f of c.columns) {
        const kind = fieldKind(f);
        if (kind.readOnly) {
          if (kind.stamps(f, "update")) sets.push(sql`${scope.rt.names.columnName(c.name, f.name)} = ${stamp}`);
        } else if (v.columns.has(f)) sets.push(sql`${scope.rt.names.columnName(c.name, f.name)} = ${toDb(f, v.columns.get(f))}`);
      }
      await sql`update ${scope.rt.names.table(c.name)} set ${sql.join(sets)} where ${sql.id("id")} = ${id}`.execute(scope.trx);
      await writeLinks(scope, c, id, v.links, true);
    } catch (err) {
      writeFailure(c, err, v);
    }
    await checkWritten(scope, c, "update", rule, id);
    const record = (await rows.readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    scope.events.push(recordEvent(scope.rt.project, c.name, "updated", actor, record, before));
    return record;
  }

  async function deleteIn(scope: WriteScope, c: CollectionRuntime, id: string, actor: Actor): Promise<void> {
    checkRecordId(id);
    const ctx = { ...access.context(actor), now: scope.now };
    const rule = access.ruleCondition(scope.rt, c, "delete", actor, ctx, "t", "d_");
    await lockReachable(scope, c, "delete", rule, actor, ctx, id);
    const before = (await rows.readRecord(scope.trx, scope.rt, c, id, scope.sync))!;
    try {
      await sql`delete from ${scope.rt.names.table(c.name)} where ${sql.id("id")} = ${id}`.execute(scope.trx);
    } catch (err) {
      if (classifyDbError(err).kind === "foreign_key") throw new AppError("relation_restricted", 409, { collection: c.name, id });
      throw err;
    }
    scope.events.push(recordEvent(scope.rt.project, c.name, "deleted", actor, null, before));
  }

  /** Runs `work` in a write transaction, hands its events to the sinks inside it, and publishes them once it committed. */
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

  return {
    create: (rt: ProjectRuntime, c: CollectionRuntime, data: unknown, actor: Actor) =>
      write(rt, (scope) => createIn(scope, c, data, actor)),
    update: (rt: ProjectRuntime, c: CollectionRuntime, id: string, data: unknown, actor: Actor) =>
      write(rt, (scope) => updateIn(scope, c, id, data, actor)),
    delete: (rt: ProjectRuntime, c: CollectionRuntime, id: string, actor: Actor) => write(rt, (scope) => deleteIn(scope, c, id, actor)),

    /**
     * Up to 100 creates, updates and deletes in one transaction: all apply or none. An error
     * carries the failing operation's index in `details.operation`.
     */
    async batch(runtimeOf: () => Promise<ProjectRuntime>, operations: BatchOperation[], actor: Actor): Promise<BatchResult> {
      if (Array.isArray(operations) && operations.length > MAX_BATCH) throw new AppError("batch_too_large", 400, { max: MAX_BATCH });
      const parsed = batchInputSchema.safeParse(operations);
      if (!parsed.success) throw invalidInput(parsed.error);
      const rt = await runtimeOf();
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
