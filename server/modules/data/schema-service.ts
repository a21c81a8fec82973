import { sql, type Kysely } from "kysely";
import type { DataRetainedTable, DataTables } from "./tables";
import type { Bus } from "../../platform/bus/bus";
import type { AnyDatabase } from "./types";
import { readJson, readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import { invalidInput } from "../../platform/errors/normalize";
import { newRecordId } from "./ids";
import { isToManyRelation } from "./model/normalize";
import { planMigration, type MigrationPlan, type PlanFacts, type PlanStep, type PlanWarning, type RetainedEntry } from "./model/plan";
import { validateModel } from "./model/validate-model";
import {
  applyInputSchema,
  rollbackInputSchema,
  type ApplyInput,
  type Collection,
  type Field,
  type ModelDocument,
  type RollbackInput,
} from "./schema";
import { createProjectNamespace, dropProjectNamespace } from "../../platform/db/project-namespace";
import { junctionTable, projectNamespace, type ProjectNamespace } from "./storage/namespace";
import { applyFailureReason } from "./storage/sql-errors";
import { keyedMutex, schemaTransaction } from "./storage/transactions";
import { toProjectId, type ProjectId } from "./types";

export interface ModelState {
  project: ProjectId;
  version: number;
  schema: ModelDocument;
}

export interface PlanPreview {
  project: ProjectId;
  baseVersion: number;
  /** The normalized document that would become the new version (ids assigned). */
  schema: ModelDocument;
  steps: PlanStep[];
  warnings: PlanWarning[];
}

export interface AppliedVersion {
  project: ProjectId;
  version: number;
  kind: "apply" | "rollback";
  schema: ModelDocument;
  steps: PlanStep[];
  warnings: PlanWarning[];
  author: string;
}

export interface VersionSummary {
  version: number;
  kind: "apply" | "rollback";
  baseVersion: number;
  author: string;
  message: string | null;
  createdAt: string;
  warnings: PlanWarning[];
  stepCount: number;
}

export interface VersionDetail extends VersionSummary {
  schema: ModelDocument;
  upSteps: PlanStep[];
  downSteps: PlanStep[];
}

export interface RetainedSummary {
  id: string;
  kind: "field" | "collection";
  collection: string;
  field: string | null;
  rows: number;
  /** The version whose change dropped it. */
  version: number;
  createdAt: string;
}

/**
 * Runs inside a change's transaction, after its version is recorded (e.g. the audit entry), so the
 * change and what the caller writes beside it commit or fail together.
 */
export type WithinChange = (trx: Kysely<DataTables>, applied: AppliedVersion) => Promise<void>;

const EMPTY_MODEL: ModelDocument = { collections: [] };

/** Model versions, their application and rollback, and retained data, for one apprun instance. */
export function createSchemaService(deps: {
  database: AnyDatabase;
  bus: Bus;
  clock: () => number;
  onChanged: (project: ProjectId) => void;
}) {
  const { database, bus, clock } = deps;
  const db = database.db as unknown as Kysely<DataTables>;
  const serialize = keyedMutex();
  const namespaceOf = (project: ProjectId) => projectNamespace(database, project);

  async function current(executor: Kysely<DataTables>, project: ProjectId): Promise<{ version: number; model: ModelDocument }> {
    const row = await executor
      .selectFrom("apprun_data_project")
      .select(["version", "model"])
      .where("project_id", "=", project)
      .executeTakeFirst();
    return row ? { version: row.version, model: readJson<ModelDocument>(row.model) } : { version: 0, model: EMPTY_MODEL };
  }

  async function retainedEntries(executor: Kysely<DataTables>, project: ProjectId): Promise<RetainedEntry[]> {
    const rows = await executor
      .selectFrom("apprun_data_retained")
      .selectAll()
      .where("project_id", "=", project)
      .orderBy("created_at")
      .execute();
    return rows.map(toRetained);
  }

  function factsFor(executor: Kysely<unknown>, ns: ProjectNamespace, retained: RetainedEntry[]): PlanFacts {
    const counts = new Map<string, Promise<number>>();
    return {
      retained,
      newId: () => newRecordId(clock()),
      now: clock(),
      rowCount(c: Collection) {
        let n = counts.get(c.name);
        if (!n) {
          n = sql<{ n: number | string }>`select count(*) as n from ${ns.table(c.name)}`
            .execute(executor)
            .then((r) => Number(r.rows[0]?.n ?? 0));
          counts.set(c.name, n);
        }
        return n;
      },
      async nullCount(c: Collection, f: Field) {
        const r = await sql<{ n: number | string }>`select count(*) as n from ${ns.table(c.name)} where ${sql.id(f.name)} is null`.execute(
          executor,
        );
        return Number(r.rows[0]?.n ?? 0);
      },
    };
  }

  async function execute(trx: Kysely<unknown>, plan: MigrationPlan) {
    for (let i = 0; i < plan.queries.length; i++) {
      try {
        await trx.executeQuery(plan.queries[i]!);
      } catch (err) {
        const step = plan.steps[i]!;
        throw new AppError("schema_apply_failed", 422, {
          step: i + 1,
          action: step.action,
          description: step.description,
          reason: applyFailureReason(err),
        });
      }
    }
  }

  /** SQLite ran the change without enforcing foreign keys; refuse to commit if any table now breaks one. */
  async function checkForeignKeys(trx: Kysely<unknown>, ns: ProjectNamespace, model: ModelDocument, steps: number) {
    if (database.kind !== "sqlite") return;
    for (const c of model.collections) {
      const tables = [c.name, ...c.fields.filter(isToManyRelation).map((f) => junctionTable(f))];
      for (const t of tables) {
        const r = await sql`pragma foreign_key_check(${sql.id(ns.physicalTable(t))})`.execute(trx);
        if (r.rows.length > 0)
          throw new AppError("schema_apply_failed", 422, {
            step: steps,
            action: "check",
            description: `check the relations of ${c.name}`,
            reason: "invalid_references",
          });
      }
    }
  }

  /**
   * What an import adds to a change: refuse unless the project holds no collections and no
   * retained data, and fill the new tables inside the same transaction (before SQLite's foreign
   * key check), so a failure leaves nothing behind.
   */
  interface IntoEmpty {
    fill: (trx: Kysely<unknown>, ns: ProjectNamespace, model: ModelDocument) => Promise<void>;
  }

  async function change(
    project: ProjectId,
    target: unknown,
    baseVersion: number | "current",
    author: string,
    message: string | null,
    kind: "apply" | "rollback",
    options: { intoEmpty?: IntoEmpty; within?: WithinChange } = {},
  ): Promise<AppliedVersion> {
    const { intoEmpty, within } = options;
    const ns = namespaceOf(project);
    const result = await serialize(project, () =>
      schemaTransaction(database, `apprun_data:${project}`, async (trx) => {
        const sys = trx as unknown as Kysely<DataTables>;
        const now = await current(sys, project);
        if (baseVersion === "current") baseVersion = now.version;
        if (now.version !== baseVersion) throw new AppError("schema_version_conflict", 409, { expected: baseVersion, actual: now.version });
        const retained = await retainedEntries(sys, project);
        if (intoEmpty && (now.model.collections.length > 0 || retained.length > 0)) {
          throw new AppError("project_not_empty", 409, { collections: now.model.collections.length, retained: retained.length });
        }
        const to = validateModel(target, now.model);
        await createProjectNamespace(trx, ns.platform);
        const plan = await planMigration(trx, ns, now.model, to, factsFor(trx, ns, retained));
        await execute(trx, plan);
        if (intoEmpty) await intoEmpty.fill(trx, ns, to);
        await checkForeignKeys(trx, ns, to, plan.steps.length);
        const version = now.version + 1;

        if (plan.restored.length > 0)
          await sys.deleteFrom("apprun_data_retained").where("project_id", "=", project).where("id", "in", plan.restored).execute();
        for (const r of plan.retain) {
          await sys
            .insertInto("apprun_data_retained")
            .values({
              id: r.id,
              project_id: project,
              version,
              kind: r.kind,
              collection_id: r.collectionId,
              collection_name: r.collectionName,
              field_id: r.fieldId,
              field_name: r.fieldName,
              definition: JSON.stringify(r.definition),
              tables: JSON.stringify(r.tables),
              row_count: r.rows,
            })
            .execute();
        }
        // The steps that would undo this version, planned against the state it leaves (for the record; rollback re-plans).
        let downSteps: PlanStep[] = [];
        try {
          const after = await retainedEntries(sys, project);
          downSteps = (await planMigration(trx, ns, to, now.model, factsFor(trx, ns, after))).steps;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
        }
        const modelJson = JSON.stringify(to);
        if (
          now.version === 0 &&
          !(await sys.selectFrom("apprun_data_project").select("version").where("project_id", "=", project).executeTakeFirst())
        ) {
          await sys.insertInto("apprun_data_project").values({ project_id: project, version, model: modelJson }).execute();
        } else {
          await sys
            .updateTable("apprun_data_project")
            .set({ version, model: modelJson, updated_at: new Date(clock()).toISOString() })
            .where("project_id", "=", project)
            .execute();
        }
        await sys
          .insertInto("apprun_data_version")
          .values({
            project_id: project,
            version,
            kind,
            base_version: baseVersion,
            model: modelJson,
            up_steps: JSON.stringify(plan.steps),
            down_steps: JSON.stringify(downSteps),
            warnings: JSON.stringify(plan.warnings),
            author,
            message,
          })
          .execute();
        const applied: AppliedVersion = { project, version, kind, schema: to, steps: plan.steps, warnings: plan.warnings, author };
        if (within) await within(sys, applied);
        return applied;
      }),
    );
    deps.onChanged(project);
    await bus.publish(`project.${project}.data.schema.changed`, { project, version: result.version, kind }).catch(() => {});
    return result;
  }

  return {
    /** The current model and its version (0 and no collections before the first apply). */
    async get(projectId: string): Promise<ModelState> {
      const project = toProjectId(projectId);
      const { version, model } = await current(db, project);
      return { project, version, schema: model };
    },

    /** Validates a document without touching the database; returns it normalized (ids assigned). */
    async validate(projectId: string, document: unknown): Promise<ModelDocument> {
      const project = toProjectId(projectId);
      return validateModel(document, (await current(db, project)).model);
    },

    /** The steps and warnings applying `input` would have, without applying it. */
    async preview(projectId: string, input: ApplyInput): Promise<PlanPreview> {
      const project = toProjectId(projectId);
      const parsed = applyInputSchema.safeParse(input);
      if (!parsed.success) throw invalidInput(parsed.error);
      const now = await current(db, project);
      if (now.version !== parsed.data.baseVersion)
        throw new AppError("schema_version_conflict", 409, { expected: parsed.data.baseVersion, actual: now.version });
      const to = validateModel(parsed.data.schema, now.model);
      const ns = namespaceOf(project);
      const plan = await planMigration(
        db as unknown as Kysely<unknown>,
        ns,
        now.model,
        to,
        factsFor(db as unknown as Kysely<unknown>, ns, await retainedEntries(db, project)),
      );
      return { project, baseVersion: now.version, schema: to, steps: plan.steps, warnings: plan.warnings };
    },

    /**
     * Applies a new model in one transaction and records it as the next version. Refuses (409
     * `schema_version_conflict`) when `baseVersion` is not the current version; concurrent
     * applies to one project run one after the other (and across nodes on PostgreSQL).
     */
    async apply(projectId: string, input: ApplyInput, author: string, within?: WithinChange): Promise<AppliedVersion> {
      const project = toProjectId(projectId);
      const parsed = applyInputSchema.safeParse(input);
      if (!parsed.success) throw invalidInput(parsed.error);
      return change(project, parsed.data.schema, parsed.data.baseVersion, author, parsed.data.message ?? null, "apply", { within });
    },

    /**
     * Applies `document` to a project that has no collections and no retained data (else 409
     * `project_not_empty`) and runs `fill` in the same transaction: the archive import. Ids in the
     * document are kept, so junction tables and indexes get the names they had at the source.
     */
    async applyToEmpty(
      projectId: string,
      document: unknown,
      author: string,
      message: string,
      fill: IntoEmpty["fill"],
    ): Promise<AppliedVersion> {
      const project = toProjectId(projectId);
      return change(project, document, "current", author, message, "apply", { intoEmpty: { fill } });
    },

    /** Brings the model back to an earlier version, as a new version; dropped data still retained comes back. */
    async rollback(projectId: string, input: RollbackInput, author: string, within?: WithinChange): Promise<AppliedVersion> {
      const project = toProjectId(projectId);
      const parsed = rollbackInputSchema.safeParse(input);
      if (!parsed.success) throw invalidInput(parsed.error);
      const { toVersion, baseVersion } = parsed.data;
      let target: ModelDocument = EMPTY_MODEL;
      if (toVersion > 0) {
        const row = await db
          .selectFrom("apprun_data_version")
          .select("model")
          .where("project_id", "=", project)
          .where("version", "=", toVersion)
          .executeTakeFirst();
        if (!row) throw new AppError("version_not_found", 404, { version: toVersion });
        target = readJson<ModelDocument>(row.model);
      }
      return change(project, target, baseVersion, author, parsed.data.message ?? `rollback to version ${toVersion}`, "rollback", {
        within,
      });
    },

    async history(projectId: string, options: { limit?: number; before?: number } = {}): Promise<VersionSummary[]> {
      const project = toProjectId(projectId);
      let q = db
        .selectFrom("apprun_data_version")
        .select(["version", "kind", "base_version", "author", "message", "created_at", "warnings", "up_steps"])
        .where("project_id", "=", project)
        .orderBy("version", "desc")
        .limit(Math.min(Math.max(options.limit ?? 50, 1), 500));
      if (options.before !== undefined) q = q.where("version", "<", options.before);
      const rows = await q.execute();
      return rows.map((r) => ({
        version: r.version,
        kind: r.kind,
        baseVersion: r.base_version,
        author: r.author,
        message: r.message,
        createdAt: readTime(r.created_at),
        warnings: readJson<PlanWarning[]>(r.warnings),
        stepCount: readJson<PlanStep[]>(r.up_steps).length,
      }));
    },

    async version(projectId: string, version: number): Promise<VersionDetail> {
      const project = toProjectId(projectId);
      const r = await db
        .selectFrom("apprun_data_version")
        .selectAll()
        .where("project_id", "=", project)
        .where("version", "=", version)
        .executeTakeFirst();
      if (!r) throw new AppError("version_not_found", 404, { version });
      const upSteps = readJson<PlanStep[]>(r.up_steps);
      return {
        version: r.version,
        kind: r.kind,
        baseVersion: r.base_version,
        author: r.author,
        message: r.message,
        createdAt: readTime(r.created_at),
        warnings: readJson<PlanWarning[]>(r.warnings),
        stepCount: upSteps.length,
        schema: readJson<ModelDocument>(r.model),
        upSteps,
        downSteps: readJson<PlanStep[]>(r.down_steps),
      };
    },

    /** Data kept after drops, newest last. */
    async retained(projectId: string): Promise<RetainedSummary[]> {
      const project = toProjectId(projectId);
      const rows = await db
        .selectFrom("apprun_data_retained")
        .selectAll()
        .where("project_id", "=", project)
        .orderBy("created_at")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        collection: r.collection_name,
        field: r.field_name,
        rows: r.row_count,
        version: r.version,
        createdAt: readTime(r.created_at),
      }));
    },

    /** Deletes retained data for good (all of the project's, or the given entries); returns how many entries went. */
    async purge(
      projectId: string,
      ids?: string[],
      within?: (
        trx: Kysely<DataTables>,
        purged: Array<Pick<RetainedSummary, "id" | "kind" | "collection" | "field" | "rows">>,
      ) => Promise<void>,
    ): Promise<number> {
      const project = toProjectId(projectId);
      const ns = namespaceOf(project);
      return serialize(project, () =>
        schemaTransaction(database, `apprun_data:${project}`, async (trx) => {
          const sys = trx as unknown as Kysely<DataTables>;
          let entries = await retainedEntries(sys, project);
          if (ids) {
            const missing = ids.find((id) => !entries.some((e) => e.id === id));
            if (missing) throw new AppError("retained_not_found", 404, { id: missing });
            entries = entries.filter((e) => ids.includes(e.id));
          }
          for (const e of entries) {
            for (const t of [e.tables.main, ...Object.values(e.tables.junctions)])
              if (t) await sql`drop table if exists ${ns.table(t)}`.execute(trx);
            await sys.deleteFrom("apprun_data_retained").where("id", "=", e.id).execute();
          }
          if (within)
            await within(
              sys,
              entries.map((e) => ({ id: e.id, kind: e.kind, collection: e.collectionName, field: e.fieldName, rows: e.rows })),
            );
          return entries.length;
        }),
      );
    },

    /** Removes every table, version and retained copy of a project (for project deletion and tests). */
    async dropProject(projectId: string): Promise<void> {
      const project = toProjectId(projectId);
      const ns = namespaceOf(project);
      await serialize(project, () =>
        schemaTransaction(database, `apprun_data:${project}`, async (trx) => {
          await dropProjectNamespace(trx, ns.platform);
          const sys = trx as unknown as Kysely<DataTables>;
          await sys.deleteFrom("apprun_data_retained").where("project_id", "=", project).execute();
          await sys.deleteFrom("apprun_data_version").where("project_id", "=", project).execute();
          await sys.deleteFrom("apprun_data_project").where("project_id", "=", project).execute();
        }),
      );
      deps.onChanged(project);
    },
  };
}

export type SchemaService = ReturnType<typeof createSchemaService>;

function toRetained(r: { [K in keyof DataRetainedTable]: unknown }): RetainedEntry {
  return {
    id: r.id as string,
    kind: r.kind as RetainedEntry["kind"],
    collectionId: r.collection_id as string,
    collectionName: r.collection_name as string,
    fieldId: (r.field_id as string | null) ?? null,
    fieldName: (r.field_name as string | null) ?? null,
    definition: readJson(r.definition),
    tables: readJson(r.tables),
    rows: Number(r.row_count),
    version: Number(r.version),
  };
}
