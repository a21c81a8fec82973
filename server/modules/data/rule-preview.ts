import type { Bus } from "../../platform/bus/bus";
import { AppError } from "../../platform/errors/app-error";
import { compileExpression } from "./expr/analyze";
import { checkExpression } from "./expr/check";
import { evaluateExpression } from "./expr/evaluate";
import { hasComputedDefault } from "./records/codec";
import { createRecordService } from "./records/record-service";
import { buildRuntime, type RuntimeCache } from "./runtime";
import { MAX_PER_PAGE } from "./schema";
import { authContextOf, toProjectId, type Actor, type AnyDatabase, type RecordData, type RecordOperation } from "./types";

export interface RulePreviewInput {
  collection: string;
  operation: RecordOperation;
  /** The rule to try: a draft (`""` public, `null` locked, or an expression); absent: the saved one. */
  rule?: string | null;
  /** Narrows the records looked at (list, view, update, delete). */
  filter?: string;
  sort?: string;
  perPage?: number;
  /** Relations to expand in the records returned, as the actor may view them (not for update rules). */
  expand?: string;
  /** create/update: the request body, seen by the rule as `body`. */
  body?: Record<string, unknown>;
}

export interface RulePreview {
  operation: RecordOperation;
  mode: "locked" | "public" | "expression";
  /**
   * Whether the operation is open to the actor at all: false for a locked rule; for create,
   * whether this body would be accepted; otherwise whether any record was reached.
   */
  allowed: boolean;
  /** The records the rule lets the actor reach (list, view, update, delete; the first `perPage`). */
  items: RecordData[];
  hasMore: boolean;
}

const DEFAULT_PREVIEW_PAGE = 20;

/**
 * "Preview as user": what a collection's rule for one operation (saved or a draft not applied yet)
 * lets an actor reach. Reads only; nothing is written or saved. list, view and delete rules run
 * as SQL exactly as a real list would (the rule is put in the list slot of a draft model); update
 * and create rules, which may read `body`, are evaluated in memory on the would-be record.
 */
export function createRulePreview(deps: { database: AnyDatabase; bus: Bus; clock: () => number; runtime: RuntimeCache }) {
  return async function preview(projectId: string, input: RulePreviewInput, actor: Actor): Promise<RulePreview> {
    const project = toProjectId(projectId);
    const current = await deps.runtime.get(project);
    const c = current.collection(input.collection);
    const op = input.operation;
    const perPage = input.perPage ?? DEFAULT_PREVIEW_PAGE;
    if (perPage > MAX_PER_PAGE) throw new AppError("per_page_too_large", 400, { max: MAX_PER_PAGE });
    const source = input.rule === undefined ? c.collection.rules[op] : input.rule;
    const allowBody = op === "create" || op === "update";
    if (source === null) return { operation: op, mode: "locked", allowed: false, items: [], hasMore: false };
    const mode = source.trim() === "" ? "public" : "expression";
    if (mode === "expression") {
      const check = checkExpression(current.index, c.name, source, { allowBody });
      if (!check.valid) {
        const { code, ...issue } = check.errors[0]!;
        throw new AppError(code, 400, { kind: "rule", ...issue });
      }
    }
    const body = input.body ?? {};
    const ctx = { auth: authContextOf(actor), now: deps.clock(), body };

    if (op === "create") {
      // The would-be record: the body over the fields' fixed defaults (time and random defaults are left out).
      const defaults = Object.fromEntries(
        c.fields.flatMap((f) => ("default" in f && f.default !== undefined && !hasComputedDefault(f) ? [[f.name, f.default]] : [])),
      );
      const allowed =
        mode === "public" ||
        evaluateExpression(
          compileExpression(source, { model: current.index, collection: c.name, allowBody: true }),
          { ...defaults, ...body },
          ctx,
        );
      return { operation: op, mode, allowed, items: [], hasMore: false };
    }

    // Reads with the rule under test as the list rule of a draft of the current model.
    const rule = op === "update" ? "" : source;
    const model = {
      collections: current.model.collections.map((x) => (x.name === c.name ? { ...x, rules: { ...x.rules, list: rule } } : x)),
    };
    const rt = buildRuntime(deps.database, project, current.version, model);
    const records = createRecordService({
      database: deps.database,
      bus: deps.bus,
      clock: deps.clock,
      runtime: { get: () => rt, invalidate: () => {} },
    });

    if (op === "update" && mode === "expression") {
      // The update rule may read `body`: judged in memory against each record as it would become.
      const compiled = compileExpression(source, { model: current.index, collection: c.name, allowBody: true });
      const page = await records.list(
        project,
        c.name,
        { filter: input.filter, sort: input.sort, perPage: MAX_PER_PAGE, expand: compiled.expand.length ? compiled.expand : undefined },
        { type: "admin", id: "rule-preview" },
      );
      // Returned without expansions (the admin read may reach what the actor could not view).
      const items = page.items
        .filter((r) => evaluateExpression(compiled, { ...r, ...body }, ctx))
        .map(({ expand: _expand, ...r }) => r as RecordData);
      return {
        operation: op,
        mode,
        allowed: items.length > 0,
        items: items.slice(0, perPage),
        hasMore: items.length > perPage || page.hasMore,
      };
    }
    const page = await records.list(project, c.name, { filter: input.filter, sort: input.sort, perPage, expand: input.expand }, actor);
    return { operation: op, mode, allowed: page.items.length > 0, items: page.items, hasMore: page.hasMore };
  };
}
