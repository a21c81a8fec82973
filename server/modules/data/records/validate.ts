import { sql, type Kysely } from "kysely";
import { AppError } from "../../../platform/errors/app-error";
import { fieldKind } from "../fields/registry";
import { isRelation, isToManyRelation, SYSTEM_FIELD_NAMES } from "../model/normalize";
import type { CollectionRuntime, ProjectRuntime } from "../runtime";
import type { Field } from "../schema";
import { classifyDbError } from "../storage/sql-errors";
import { isRecordId } from "../types";
import { coerceValue, defaultValue, isBlank, type FieldIssue } from "./codec";

const ID_CHUNK = 500;

/** A write's input, checked against the collection's fields, in API form. */
export interface Validated {
  id?: string;
  columns: Map<Field, unknown>;
  links: Map<Extract<Field, { type: "relation" }>, string[]>;
  /** The request body as rules see it: provided fields, validated, in API form. */
  body: Record<string, unknown>;
}

export function validationError(errors: Record<string, FieldIssue>): AppError {
  const summary = Object.entries(errors)
    .slice(0, 10)
    .map(([k, v]) => `${k}: ${v.code}`)
    .join(", ");
  return new AppError("validation_failed", 400, { summary, fields: errors });
}

/**
 * Checks a create's or an update's data field by field (each type coerces its values, defaults
 * fill what a create leaves out) and collects every field's problem into one `validation_failed`.
 */
export function validateInput(c: CollectionRuntime, data: unknown, mode: "create" | "update", now: number, existingId?: string): Validated {
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
    if (fieldKind(field).readOnly) errors[key] = { code: "read_only" };
  }
  for (const f of c.fields) {
    if (fieldKind(f).readOnly) continue;
    const toMany = isToManyRelation(f);
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
        value = toMany ? [] : null;
      }
    } else {
      value = input[f.name];
      if (value === undefined) continue;
      if (value === null) {
        if (f.required && !f.nullable) {
          errors[f.name] = { code: "required" };
          continue;
        }
        if (!f.nullable && !toMany) {
          errors[f.name] = { code: "null_not_allowed" };
          continue;
        }
        value = toMany ? [] : null;
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
    if (toMany) out.links.set(f as Extract<Field, { type: "relation" }>, (value as string[] | null) ?? []);
    else out.columns.set(f, value);
  }
  if (Object.keys(errors).length) throw validationError(errors);
  return out;
}

/** Every related id must exist in its target collection (inside the write's transaction). */
export async function checkRelations(trx: Kysely<any>, rt: ProjectRuntime, v: Validated) {
  const errors: Record<string, FieldIssue> = {};
  const wanted: Array<[Extract<Field, { type: "relation" }>, string[]]> = [];
  for (const [f, value] of v.columns) if (isRelation(f) && typeof value === "string" && value !== "") wanted.push([f, [value]]);
  for (const [f, ids] of v.links) if (ids.length) wanted.push([f, ids]);
  for (const [f, ids] of wanted) {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const r = await sql<{
        id: string;
      }>`select ${sql.id("id")} from ${rt.names.table(f.collection)} where ${sql.id("id")} in (${sql.join(chunk)})`.execute(trx);
      for (const row of r.rows) found.add(row.id);
    }
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) errors[f.name] = { code: "invalid_relation", value: missing };
  }
  if (Object.keys(errors).length) throw validationError(errors);
}

/** Turns constraint violations the checks could not see coming (races) into field errors. */
export function writeFailure(c: CollectionRuntime, err: unknown, v: Validated): never {
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
    for (const f of [...v.columns.keys(), ...v.links.keys()]) if (isRelation(f)) errors[f.name] = { code: "invalid_relation" };
    throw validationError(errors);
  }
  throw err;
}

/** A record id from the path (`invalid_record_id` 400 when it cannot be one). */
export function checkRecordId(id: string): string {
  if (!isRecordId(id)) throw new AppError("invalid_record_id", 400, { id: String(id).slice(0, 100) });
  return id;
}
