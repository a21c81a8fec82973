import { CompiledQuery, sql, type Kysely } from "kysely";
import type { Bus } from "../../../platform/bus/bus";
import { createDirectReads } from "../../../platform/db/direct-statements";
import { sqlFunctionsOf } from "../../../platform/db/sql-functions";
import { AppError } from "../../../platform/errors/app-error";
import type { ProjectRuntime, RuntimeCache } from "../runtime";
import type { BatchOperation, ViewOptions } from "../schema";
import { toProjectId, type Actor, type AnyDatabase, type RecordData } from "../types";
import { createAccess, where } from "./access";
import { createExpander } from "./expand";
import { createLists } from "./list";
import type { RecordEventSink } from "../events";
import { createRows } from "./rows";
import { checkRecordId } from "./validate";
import { createWriter, type BatchResult } from "./writes";

export type { ListResult } from "./list";
export type { RecordAction, RecordEvent, RecordEventSink } from "../events";
export type { BatchResult } from "./writes";

/**
 * Records of a project's collections: list (filter, sort, page or cursor, count, fields,
 * expand), get, create, update (PATCH), delete and batch. Access rules become part of the SQL
 * WHERE (list, view, update, delete) or are checked against the written row inside the write's
 * transaction (create, update), so a refused write leaves nothing behind.
 *
 * Put together from: `access.ts` (rules as SQL), `rows.ts` (select lists, rows as JSON, decoding,
 * statements built once per model version), `expand.ts` (expansions and `fields`), `list.ts`
 * (list planning, the plan cache, `list` and `listJson`), `validate.ts` (input checks and field
 * errors), `writes.ts` (writes, their transaction and events). Dialect differences come from
 * `platform/db` (`sqlFunctionsOf`, `direct-statements.ts`).
 */
export function createRecordService(deps: {
  database: AnyDatabase;
  bus: Bus;
  clock: () => number;
  runtime: RuntimeCache;
  eventSinks?: readonly RecordEventSink[];
  onPublishError?: (err: unknown, subject: string) => void;
}) {
  const { database, clock, runtime } = deps;
  const db = database.db as unknown as Kysely<unknown>;
  const fns = sqlFunctionsOf(database.kind);
  const reads = createDirectReads(database);
  const access = createAccess({ fns, clock });
  const rows = createRows({ db, fns });
  const expander = createExpander({ db, rows, access });
  const runtimeOf = async (projectId: string): Promise<ProjectRuntime> => runtime.get(toProjectId(projectId));
  const lists = createLists({ db, fns, reads, rows, access, expander, runtimeOf });
  const writer = createWriter({
    database,
    bus: deps.bus,
    clock,
    fns,
    rows,
    access,
    eventSinks: deps.eventSinks ?? [],
    onPublishError: deps.onPublishError,
  });

  return {
    list: lists.list,

    /**
     * The same list as `list`, as the JSON text of its response: the rows come as JSON from the
     * database, the rest of the page around them.
     */
    listJson: lists.listJson,

    async get(projectId: string, collection: string, id: string, actor: Actor, options?: ViewOptions): Promise<RecordData> {
      const rt = await runtimeOf(projectId);
      const c = rt.collection(collection);
      checkRecordId(id);
      const ctx = access.context(actor);
      const rule = access.ruleCondition(rt, c, "view", actor, ctx, "t", "v_");
      let row: Record<string, unknown> | undefined;
      const fast = rule === true ? rows.unrestrictedGet(rt, c) : null;
      if (fast !== null) {
        row = await reads.row(CompiledQuery.raw(fast, [id]));
      } else if (rule === false) {
        row = undefined;
      } else {
        // The get built once per model version, with only the rule's condition compiled per request
        // and appended where the dialect allows (SQLite); else the whole query.
        const base = rule !== true ? rows.unrestrictedGet(rt, c) : null;
        const extended = base !== null && rule !== true ? reads.withCondition(base, [id], rule) : null;
        row = await reads.row(
          extended ??
            sql<
              Record<string, unknown>
            >`select ${rows.selectList(rt, c, "t")} from ${rt.names.table(c.name)} as ${sql.id("t")} ${where([sql`${sql.id("t", "id")} = ${id}`, rule])}`.compile(
              db,
            ),
        );
      }
      if (!row) throw new AppError("record_not_found", 404, { collection: c.name, id });
      return expander.present(rt, c, rows.decode(c, row), options, actor);
    },

    async create(projectId: string, collection: string, data: unknown, actor: Actor, options?: ViewOptions): Promise<RecordData> {
      const rt = await runtimeOf(projectId);
      const c = rt.collection(collection);
      const record = await writer.create(rt, c, data, actor);
      return expander.present(rt, c, record, options, actor);
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
      const record = await writer.update(rt, c, id, data, actor);
      return expander.present(rt, c, record, options, actor);
    },

    async delete(projectId: string, collection: string, id: string, actor: Actor): Promise<void> {
      const rt = await runtimeOf(projectId);
      const c = rt.collection(collection);
      await writer.delete(rt, c, id, actor);
    },

    /**
     * Up to 100 creates, updates and deletes in one transaction: all apply or none. An error
     * carries the failing operation's index in `details.operation`.
     */
    batch(projectId: string, operations: BatchOperation[], actor: Actor): Promise<BatchResult> {
      return writer.batch(() => runtimeOf(projectId), operations, actor);
    },
  };
}

export type RecordService = ReturnType<typeof createRecordService>;
