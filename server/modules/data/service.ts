import type { Bus } from "../../platform/bus/bus";
import type { AnyDatabase } from "./types";
import { AppError } from "../../platform/errors/app-error";
import { invalidInput } from "../../platform/errors/normalize";
import { checkExpression, type ExpressionCheck } from "./expr/check";
import { evaluateExpression } from "./expr/evaluate";
import type { CompiledExpression } from "./expr/ir";
import { ExpressionError } from "./expr/parse";
import { indexModel } from "./model/normalize";
import { createArchiveService } from "./portability/archive";
import { apprunVersion } from "../../platform/package-info";
import { validateModel } from "./model/validate-model";
import { createRecordService, type RecordEventSink } from "./records/record-service";
import { createRulePreview } from "./rule-preview";
import { createRuntimeCache, filterOf, type CompiledRule } from "./runtime";
import { expressionCheckSchema } from "./schema";
import { createSchemaService } from "./schema-service";
import { authContextOf, bypassesRules, toProjectId, type Actor, type RecordOperation } from "./types";

export interface DataServiceDeps {
  database: AnyDatabase;
  bus: Bus;
  clock?: () => number;
  /** How long a project's compiled model is trusted before its version is re-read (changes from other nodes). */
  modelCacheTtlMs?: number;
  /** Where record events are kept besides the bus message (the realtime log, event topics); see RecordEventSink. */
  eventSinks?: readonly RecordEventSink[];
  /** Called when publishing a record event fails (the write itself has committed). */
  onPublishError?: (err: unknown, subject: string) => void;
}

/**
 * The data module: collections and their versions (`schema`), records (`records`), and the
 * filter/rule language for other modules (`expressions`: validate-as-you-type, compiled rules,
 * in-memory evaluation for realtime).
 */
export function createDataService(deps: DataServiceDeps) {
  const clock = deps.clock ?? Date.now;
  // Other modules add theirs when they are created (realtime's log, the event center's topics).
  const sinks: RecordEventSink[] = [...(deps.eventSinks ?? [])];
  const runtime = createRuntimeCache({ database: deps.database, clock, ttlMs: deps.modelCacheTtlMs ?? 2000 });
  const schema = createSchemaService({ database: deps.database, bus: deps.bus, clock, onChanged: (p) => runtime.invalidate(p) });
  const records = createRecordService({
    database: deps.database,
    bus: deps.bus,
    clock,
    runtime,
    eventSinks: sinks,
    onPublishError: deps.onPublishError,
  });
  // Export and import of whole projects (portability/): the CLI, the admin REST and the console share it.
  const archive = createArchiveService({ database: deps.database, schema, clock, version: apprunVersion });

  const expressions = {
    /**
     * Checks a filter or rule as the user types it, against the project's current model or a
     * draft model document (`schema`), returning positioned errors.
     */
    async check(
      projectId: string,
      input: { collection: string; expression: string; kind?: "filter" | "rule"; operation?: RecordOperation; schema?: unknown },
    ): Promise<ExpressionCheck> {
      const { schema: draft, ...rest } = input;
      const parsed = expressionCheckSchema.safeParse(rest);
      if (!parsed.success) throw invalidInput(parsed.error);
      const project = toProjectId(projectId);
      const model = draft !== undefined ? validateModelForCheck(draft) : (await runtime.get(project)).model;
      const index = indexModel(model);
      if (!index.collections.has(parsed.data.collection))
        throw new AppError("collection_not_found", 404, { collection: parsed.data.collection.slice(0, 100) });
      const allowBody = parsed.data.kind === "rule" && (parsed.data.operation === "create" || parsed.data.operation === "update");
      return checkExpression(index, parsed.data.collection, parsed.data.expression, { allowBody });
    },

    /** A collection's compiled rule for an operation, as of the current model version (cached). */
    async rule(projectId: string, collection: string, operation: RecordOperation): Promise<{ version: number; rule: CompiledRule }> {
      const rt = await runtime.get(toProjectId(projectId));
      return { version: rt.version, rule: rt.collection(collection).rules[operation] };
    },

    /** Compiles a filter for a collection (cached per model version); throws the filter's AppError. */
    async filter(projectId: string, collection: string, filter: string): Promise<CompiledExpression> {
      const rt = await runtime.get(toProjectId(projectId));
      const c = rt.collection(collection);
      try {
        return filterOf(rt, c, filter);
      } catch (err) {
        if (err instanceof ExpressionError) throw new AppError(err.issue.code, 400, { kind: "filter", collection: c.name, ...err.issue });
        throw err;
      }
    },

    /** Evaluates a compiled filter or rule against a record in API form (expanded as `compiled.expand` says). */
    evaluate(compiled: CompiledExpression, record: Record<string, unknown>, actor: Actor, body?: Record<string, unknown>): boolean {
      return evaluateExpression(compiled, record, { auth: authContextOf(actor), now: clock(), ...(body ? { body } : {}) });
    },

    /** Whether the actor's rule for an operation allows this record, decided in memory (realtime). */
    async allows(
      projectId: string,
      collection: string,
      operation: RecordOperation,
      record: Record<string, unknown>,
      actor: Actor,
    ): Promise<boolean> {
      if (bypassesRules(actor, collection, operation)) return true;
      const { rule } = await expressions.rule(projectId, collection, operation);
      if (rule.kind === "locked") return false;
      if (rule.kind === "public") return true;
      return expressions.evaluate(rule.compiled, record, actor);
    },
  };

  /** "Preview as user": what a saved or draft rule lets an actor reach; reads only. */
  const preview = createRulePreview({ database: deps.database, bus: deps.bus, clock, runtime });

  return {
    schema,
    records,
    expressions,
    archive,
    preview,
    /** Keeps record events somewhere durable with each write from now on (see RecordEventSink). */
    addRecordSink(sink: RecordEventSink): void {
      sinks.push(sink);
    },
  };
}

function validateModelForCheck(draft: unknown) {
  try {
    return validateModel(draft);
  } catch (err) {
    // A draft with other problems (say, a rule still being typed) is still checkable.
    if (err instanceof AppError && err.code !== "invalid_input") {
      const doc = draft as { collections?: Array<{ rules?: unknown }> };
      if (doc && Array.isArray(doc.collections)) return validateModel({ collections: doc.collections.map((c) => ({ ...c, rules: {} })) });
    }
    throw err;
  }
}

export type DataService = ReturnType<typeof createDataService>;

// The data module's public surface for other modules (realtime, events, functions…): its service
// and these; everything else under data/ is its own.
export type { CompiledExpression } from "./expr/ir";
export { bypassesRules, type Actor as DataActor, type RecordOperation } from "./types";
export type { RecordAction, RecordEvent, RecordEventSink } from "./events";
export { dataActorOf, recordPermissionsOf } from "./caller";
