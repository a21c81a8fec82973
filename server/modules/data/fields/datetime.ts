import { z } from "zod";
import { readTime } from "../../../platform/db/dialect";
import { fieldBase, isoDateTime, MAX_TIME, MIN_TIME, type NormalizedField } from "./definition";
import { bad, CANONICAL_TIME, defineFieldKind, ok, type Coerced, type FieldKind } from "./field-kind";

const definition = z.strictObject({
  ...fieldBase,
  type: z.literal("datetime"),
  min: isoDateTime.optional(),
  max: isoDateTime.optional(),
  /** A date-time, or `"now"` for the moment of creation. */
  default: z.union([isoDateTime, z.literal("now")]).optional(),
});

export type DateTimeField = NormalizedField<z.output<typeof definition>>;

const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds of an ISO date-time; a time without a zone is UTC. */
function parseDateTime(s: string): number {
  if (!DATETIME.test(s)) return Number.NaN;
  let t = s.replace(" ", "T");
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(t)) t += "Z";
  return Date.parse(t);
}

/** An ISO-8601 date-time (a time without a zone is UTC) as `toISOString()` writes it, within `min`/`max`. */
export function coerceDateTime(value: unknown, limits: { min?: string; max?: string } = {}): Coerced {
  if (typeof value !== "string") return bad("invalid_datetime");
  const ms = parseDateTime(value.trim());
  if (Number.isNaN(ms) || ms < MIN_TIME || ms > MAX_TIME) return bad("invalid_datetime");
  const iso = new Date(ms).toISOString();
  if (limits.min !== undefined && ms < Date.parse(limits.min)) return bad("too_small", { min: limits.min });
  if (limits.max !== undefined && ms > Date.parse(limits.max)) return bad("too_large", { max: limits.max });
  return ok(iso);
}

/** Whether a cursor value is a time as the API writes it. */
export const isApiTime = (value: unknown) => typeof value === "string" && CANONICAL_TIME.test(value) && !Number.isNaN(Date.parse(value));

/**
 * A moment, in the API as ISO-8601 UTC with milliseconds (`timestamptz`; on SQLite that text).
 * Years 1 to 9999; `default: now` is the moment of creation.
 */
export const datetime: FieldKind<DateTimeField, typeof definition> = defineFieldKind<DateTimeField, typeof definition>({
  type: "datetime",
  definition,
  constraints: ["min", "max"],
  computedDefaults: { now: (now) => new Date(now).toISOString() },
  storage: () => "timestamp",
  limitOrder: (limit) => Date.parse(String(limit)),
  coerce: (field, value) => coerceDateTime(value, field),
  fromDb: (_field, value) => readTime(value),
  jsonSql: (_field, column, fns) => fns.json.time(column),
  cursorFits: (_field, value) => isApiTime(value),
  valueType: () => "timestamp",
  jsonSchema: (field) => ({ type: "string", format: "date-time", ...(field.description ? { description: field.description } : {}) }),
  typescript: () => "DateTimeString",
});
