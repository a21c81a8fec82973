import type { Kysely } from "kysely";
import type { DataTables } from "./tables";
import type { AnyDatabase } from "./types";
import { readJson } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import { compileExpression } from "./expr/analyze";
import type { CompiledExpression } from "./expr/ir";
import { ExpressionError } from "./expr/parse";
import { hasColumn, indexModel, isToManyRelation, type CollectionIndex, type ModelIndex } from "./model/normalize";
import { indexesOf } from "./model/plan";
import type { Collection, Field, ModelDocument } from "./schema";
import { modelSql, projectNamespace, type ModelSql, type ProjectNamespace } from "./storage/namespace";
import { RECORD_OPERATIONS, type ProjectId, type RecordOperation } from "./types";

/** A collection's rule for one operation, compiled once per model version. */
export type CompiledRule = { kind: "locked" } | { kind: "public" } | { kind: "expression"; compiled: CompiledExpression };

export interface CollectionRuntime {
  name: string;
  collection: Collection;
  index: CollectionIndex;
  /** User fields stored as columns, in model order. */
  columns: Field[];
  /** To-many relations (stored in junction tables). */
  toMany: Array<Extract<Field, { type: "relation" }>>;
  /** User fields, in model order. */
  fields: Field[];
  rules: Record<RecordOperation, CompiledRule>;
  /** Unique index (PostgreSQL constraint) name → its fields, to name the field in a `not_unique` error. */
  uniqueIndexes: Map<string, string[]>;
  /** Recently compiled filters of this version, by source text. */
  filters: Map<string, CompiledExpression>;
}

export interface ProjectRuntime {
  project: ProjectId;
  version: number;
  model: ModelDocument;
  index: ModelIndex;
  ns: ProjectNamespace;
  names: ModelSql;
  collections: Map<string, CollectionRuntime>;
  /** The collection or 404 `collection_not_found`. */
  collection(name: string): CollectionRuntime;
}

const FILTER_CACHE_SIZE = 256;

export function buildRuntime(
  database: Pick<AnyDatabase, "kind" | "schema">,
  project: ProjectId,
  version: number,
  model: ModelDocument,
): ProjectRuntime {
  const index = indexModel(model);
  const ns = projectNamespace(database, project);
  const collections = new Map<string, CollectionRuntime>();
  for (const c of model.collections) {
    const rules = {} as Record<RecordOperation, CompiledRule>;
    for (const op of RECORD_OPERATIONS) {
      const source = c.rules[op];
      if (source === null) rules[op] = { kind: "locked" };
      else if (source.trim() === "") rules[op] = { kind: "public" };
      else {
        try {
          rules[op] = {
            kind: "expression",
            compiled: compileExpression(source, { model: index, collection: c.name, allowBody: op === "create" || op === "update" }),
          };
        } catch (err) {
          // Rules were validated when applied; a rule that no longer compiles fails closed.
          if (!(err instanceof ExpressionError)) throw err;
          rules[op] = { kind: "locked" };
        }
      }
    }
    const uniqueIndexes = new Map<string, string[]>();
    for (const idx of indexesOf(c))
      if (idx.unique) uniqueIndexes.set(ns.kind === "postgres" ? idx.local : ns.physicalTable(idx.local), idx.fields);
    collections.set(c.name, {
      name: c.name,
      collection: c,
      index: index.collections.get(c.name)!,
      columns: c.fields.filter(hasColumn),
      toMany: c.fields.filter(isToManyRelation),
      fields: c.fields,
      rules,
      uniqueIndexes,
      filters: new Map(),
    });
  }
  return {
    project,
    version,
    model,
    index,
    ns,
    names: modelSql(ns, index),
    collections,
    collection(name: string) {
      const c = collections.get(name);
      if (!c) throw new AppError("collection_not_found", 404, { collection: String(name).slice(0, 100) });
      return c;
    },
  };
}

/** A compiled filter from the collection's cache (compiling and caching it on a miss). */
export function filterOf(rt: ProjectRuntime, c: CollectionRuntime, source: string): CompiledExpression {
  const cached = c.filters.get(source);
  if (cached) return cached;
  const compiled = compileExpression(source, { model: rt.index, collection: c.name, allowBody: false });
  if (c.filters.size >= FILTER_CACHE_SIZE) c.filters.delete(c.filters.keys().next().value!);
  c.filters.set(source, compiled);
  return compiled;
}

/**
 * Each project's model, compiled, kept in memory. An entry is re-validated against the stored
 * version at most every `ttlMs` (one tiny query), so a change applied by another node is picked
 * up within that time even without a bus; this node's own changes invalidate at once.
 */
export function createRuntimeCache(deps: { database: AnyDatabase; clock: () => number; ttlMs: number }) {
  const db = deps.database.db as unknown as Kysely<DataTables>;
  const entries = new Map<ProjectId, { runtime: ProjectRuntime; checkedAt: number }>();
  const loading = new Map<ProjectId, Promise<ProjectRuntime>>();

  async function load(project: ProjectId): Promise<ProjectRuntime> {
    const row = await db
      .selectFrom("apprun_data_project")
      .select(["version", "model"])
      .where("project_id", "=", project)
      .executeTakeFirst();
    const runtime = buildRuntime(deps.database, project, row?.version ?? 0, row ? readJson<ModelDocument>(row.model) : { collections: [] });
    entries.set(project, { runtime, checkedAt: deps.clock() });
    return runtime;
  }

  async function refresh(project: ProjectId, cached: { runtime: ProjectRuntime; checkedAt: number } | undefined): Promise<ProjectRuntime> {
    if (cached) {
      const row = await db.selectFrom("apprun_data_project").select("version").where("project_id", "=", project).executeTakeFirst();
      if ((row?.version ?? 0) === cached.runtime.version) {
        cached.checkedAt = deps.clock();
        return cached.runtime;
      }
    }
    return load(project);
  }

  return {
    get(project: ProjectId): Promise<ProjectRuntime> | ProjectRuntime {
      const cached = entries.get(project);
      if (cached && deps.clock() - cached.checkedAt < deps.ttlMs) return cached.runtime;
      let pending = loading.get(project);
      if (!pending) {
        pending = refresh(project, cached).finally(() => loading.delete(project));
        loading.set(project, pending);
      }
      return pending;
    },
    invalidate(project: ProjectId) {
      entries.delete(project);
    },
  };
}

export type RuntimeCache = ReturnType<typeof createRuntimeCache>;
