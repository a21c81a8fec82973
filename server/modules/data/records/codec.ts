import { asStored, bad, hasNul, type Coerced } from "../fields/field-kind";
import { fieldKind } from "../fields/registry";
import { isToManyRelation } from "../model/normalize";
import type { Field } from "../schema";

/**
 * A field's values between their forms (API JSON, SQL parameter, stored value), by its type in
 * `fields/registry.ts`; what every type shares (null, NUL characters, defaults) is decided here.
 */

export { canonicalDecimal } from "../fields/decimal";
export type { Coerced, FieldIssue } from "../fields/field-kind";

/** Resolves a field's declared default (`now`, `today`, `random` are computed per record, as its type says). */
export function defaultValue(field: Field, now: number): unknown {
  const d = (field as { default?: unknown }).default;
  if (d === undefined) return undefined;
  const computed = typeof d === "string" ? fieldKind(field).computedDefaults[d] : undefined;
  return computed ? computed(now) : d;
}

/** Whether a field's declared default is computed per record (so it is no fixed value to show). */
export function hasComputedDefault(field: Field): boolean {
  const d = (field as { default?: unknown }).default;
  return typeof d === "string" && fieldKind(field).computedDefaults[d] !== undefined;
}

/**
 * Checks and normalizes one input value (never null or undefined: the caller handles those) for
 * a field, returning the API form: datetimes as ISO-8601 UTC with milliseconds, decimals as
 * canonical text, UUIDs lowercase, multi-values de-duplicated in order.
 */
export function coerceValue(field: Field, value: unknown): Coerced {
  // PostgreSQL cannot store NUL in text or JSON; refuse it on both databases alike.
  if (hasNul(value)) return bad("invalid_character");
  return fieldKind(field).coerce(field, value);
}

/** Checks a stored value (from an archive): its type, not the constraints, which may have tightened since it was stored. */
export function coerceStoredValue(field: Field, value: unknown): Coerced {
  return fieldKind(field).coerceStored(field, value);
}

/** Whether a value counts as "not given" for a required field. */
export function isBlank(field: Field, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if ((value === "" || (Array.isArray(value) && value.length === 0)) && !fieldKind(field).emptyIsValue) return true;
  return false;
}

/** The API value as a SQL parameter. */
export function toDb(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return fieldKind(field).toDb(field, value);
}

/** A stored value in API form; both databases give the same result. */
export function fromDb(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return isToManyRelation(field) ? [] : null;
  return fieldKind(field).fromDb(field, value);
}

/** How rows decode a column: the field, and its type's `fromDb`, or null when the stored value is the API value. */
export interface ColumnReader {
  name: string;
  field: Field;
  fromDb: ((field: Field, value: unknown) => unknown) | null;
}

/** A column's reader, for decoding many rows (built once per model version: `records/rows.ts`). */
export function columnReader(field: Field): ColumnReader {
  const read = fieldKind(field).fromDb as (field: Field, value: unknown) => unknown;
  return { name: field.name, field, fromDb: read === asStored ? null : read };
}
