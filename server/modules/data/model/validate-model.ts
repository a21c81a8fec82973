import { parse as parseYaml } from "yaml";
import { invalidInput } from "../../../platform/errors/normalize";
import { AppError } from "../../../platform/errors/app-error";
import { compileExpression } from "../expr/analyze";
import type { ModelIssue } from "../fields/field-kind";
import { fieldKind } from "../fields/registry";
import { ExpressionError } from "../expr/parse";
import { coerceValue, defaultValue } from "../records/codec";
import { modelDocumentSchema, type Field, type ModelDocument, type ModelDocumentInput } from "../schema";
import { RECORD_OPERATIONS } from "../types";
import { indexModel, isRelation, normalizeModel, SYSTEM_FIELD_NAMES } from "./normalize";

export type { ModelIssue } from "../fields/field-kind";

/** Names a field may not have: system fields, names rules give meaning to, and CEL's reserved words. */
export const RESERVED_FIELD_NAMES = new Set([
  ...SYSTEM_FIELD_NAMES,
  "expand",
  "collection",
  "auth",
  "body",
  "true",
  "false",
  "null",
  "in",
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
  "var",
  "void",
  "while",
]);

const INDEXABLE_SYSTEM_FIELDS = new Set(["created", "updated"]);

/** Parses a model document written as YAML or JSON text. */
export function parseModelText(text: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new AppError("invalid_model", 400, { summary: (err as Error).message.split("\n")[0], issues: [] });
  }
}

/**
 * Validates a model document — the zod shape, then what a shape cannot say — and returns it
 * normalized (ids from `current` where names match). Throws AppError: `invalid_input` for the
 * shape, else the first issue's code (`reserved_name`, `circular_required_relation`,
 * `invalid_rule`…) with every issue in `details.issues`.
 */
export function validateModel(input: unknown, current?: ModelDocument): ModelDocument {
  const parsed = modelDocumentSchema.safeParse(input);
  if (!parsed.success) {
    // A name that is not a safe identifier gets its own code: it is the mistake people make most.
    const bad = parsed.error.issues.find((i) => (i.code === "invalid_format" || i.code === "custom") && isNamePath(i.path));
    const name = bad ? valueAt(input, bad.path) : undefined;
    if (bad && typeof name === "string") {
      throw new AppError("invalid_identifier", 400, {
        name: name.slice(0, 100),
        what: bad.path.includes("fields") && !bad.path.includes("indexes") ? "field" : "collection",
        path: bad.path.join("."),
        issues: invalidInput(parsed.error).details.issues,
      });
    }
    throw invalidInput(parsed.error);
  }
  const model = normalizeModel(parsed.data as ModelDocumentInput, current);
  const issues = modelIssues(model);
  if (issues.length > 0) {
    const first = issues[0]!;
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path}: ${i.code}`)
      .join("; ");
    throw new AppError(first.code, 400, { ...first, summary, issues: issues.slice(0, 50) });
  }
  return model;
}

/** Every semantic problem of a normalized model (empty when it is valid). */
export function modelIssues(model: ModelDocument): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const collectionNames = new Map<string, number>();
  const ids = new Map<string, string>();
  const claimId = (id: string, path: string) => {
    if (ids.has(id) || SYSTEM_FIELD_NAMES.has(id)) issues.push({ code: "duplicate_id", path, id });
    else ids.set(id, path);
  };

  model.collections.forEach((c, ci) => {
    const cpath = `collections.${ci}`;
    if (collectionNames.has(c.name)) issues.push({ code: "duplicate_name", path: `${cpath}.name`, name: c.name });
    collectionNames.set(c.name, ci);
    claimId(c.id, `${cpath}.id`);
    const fieldNames = new Set<string>();
    c.fields.forEach((f, fi) => {
      const path = `${cpath}.fields.${fi}`;
      if (RESERVED_FIELD_NAMES.has(f.name)) issues.push({ code: "reserved_name", path: `${path}.name`, name: f.name });
      else if (fieldNames.has(f.name)) issues.push({ code: "duplicate_name", path: `${path}.name`, name: f.name });
      fieldNames.add(f.name);
      claimId(f.id, `${path}.id`);
      issues.push(...fieldIssues(f, path));
    });
  });

  const byName = new Map(model.collections.map((c) => [c.name, c]));
  model.collections.forEach((c, ci) => {
    c.fields.forEach((f, fi) => {
      if (isRelation(f) && !byName.has(f.collection))
        issues.push({ code: "unknown_relation_target", path: `collections.${ci}.fields.${fi}.collection`, target: f.collection });
    });
    const fields = new Map(c.fields.map((f) => [f.name, f]));
    const seen = new Set<string>();
    c.indexes.forEach((idx, ii) => {
      const path = `collections.${ci}.indexes.${ii}`;
      for (const name of idx.fields) {
        const f = fields.get(name);
        if (!f && !INDEXABLE_SYSTEM_FIELDS.has(name)) issues.push({ code: "unknown_index_field", path, field: name });
        else if (f && !isIndexable(f)) issues.push({ code: "unindexable_field", path, field: name });
      }
      const key = `${idx.fields.join(",")}:${idx.unique}`;
      if (seen.has(key) || new Set(idx.fields).size !== idx.fields.length)
        issues.push({ code: "duplicate_index", path, fields: idx.fields.join(", ") });
      seen.add(key);
    });
  });

  const cycle = requiredRelationCycle(model);
  if (cycle) issues.push({ code: "circular_required_relation", path: "collections", cycle: cycle.join(" → ") });

  if (issues.length === 0) {
    const index = indexModel(model);
    model.collections.forEach((c, ci) => {
      for (const op of RECORD_OPERATIONS) {
        const rule = c.rules[op];
        if (rule === null || rule.trim() === "") continue;
        try {
          compileExpression(rule, { model: index, collection: c.name, allowBody: op === "create" || op === "update" });
        } catch (err) {
          if (!(err instanceof ExpressionError)) throw err;
          const { code, ...issue } = err.issue;
          issues.push({
            code: "invalid_rule",
            path: `collections.${ci}.rules.${op}`,
            collection: c.name,
            operation: op,
            problem: code,
            ...issue,
          });
        }
      }
    });
  }
  return issues;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function isNamePath(path: PropertyKey[]): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return last === "name" || last === "collection" || (parent === "fields" && path.includes("indexes"));
}

export function isIndexable(f: Field): boolean {
  return fieldKind(f).indexable(f);
}

function fieldIssues(f: Field, path: string): ModelIssue[] {
  const kind = fieldKind(f);
  const issues: ModelIssue[] = [];
  if (f.unique && !kind.indexable(f)) issues.push({ code: "unindexable_field", path: `${path}.unique`, field: f.name });
  const lim = f as { min?: number | string; max?: number | string };
  if (lim.min !== undefined && lim.max !== undefined && kind.limitOrder(lim.min) > kind.limitOrder(lim.max))
    issues.push({ code: "invalid_range", path });
  issues.push(...kind.definitionIssues(f, path));
  const declared = (f as { default?: unknown }).default;
  if (declared !== undefined) {
    const value = defaultValue(f, Date.now());
    const result = value === null ? { ok: f.nullable, issue: { code: "null_not_allowed" } } : coerceValue(f, value);
    if (!result.ok) issues.push({ code: "invalid_default", path: `${path}.default`, reason: result.issue.code });
  } else if (!f.nullable && !f.required) {
    issues.push({ code: "default_required", path });
  }
  return issues;
}

/**
 * Relations that must hold a value from the moment a record exists (a non-nullable to-one, or a
 * required to-many) cannot form a cycle: the first record of the cycle could never be created.
 */
function requiredRelationCycle(model: ModelDocument): string[] | null {
  const edges = new Map<string, Array<{ to: string; label: string }>>();
  for (const c of model.collections) {
    for (const f of c.fields) {
      if (!isRelation(f)) continue;
      const blocking = f.multiple ? f.required : !f.nullable;
      if (!blocking) continue;
      const list = edges.get(c.name) ?? [];
      list.push({ to: f.collection, label: `${c.name}.${f.name}` });
      edges.set(c.name, list);
    }
  }
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, "visiting");
    for (const e of edges.get(node) ?? []) {
      if (state.get(e.to) === "visiting") {
        const start = stack.findIndex((s) => s.startsWith(`${e.to}.`));
        return [...stack.slice(start === -1 ? stack.length : start), e.label, e.to];
      }
      if (!state.has(e.to)) {
        stack.push(e.label);
        const found = visit(e.to);
        if (found) return found;
        stack.pop();
      }
    }
    state.set(node, "done");
    return null;
  };
  for (const c of model.collections) {
    if (!state.has(c.name)) {
      const found = visit(c.name);
      if (found) return found;
    }
  }
  return null;
}
