import { z } from "zod";

/**
 * The pieces every field type's definition (its options in the model document) is made of. A leaf
 * of the module's imports: `schema.ts` builds the field union from the registry, so nothing here
 * may import `schema.ts` at run time.
 */

/** Lowercase snake_case, 1–63 characters, no leading underscore, no `__` (both are reserved for managed tables). */
export const identifierSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, "must be lowercase letters, digits and underscores, starting with a letter")
  .refine((s) => !s.includes("__") && !s.endsWith("_"), "must not contain `__` or end with `_`");

/**
 * Collection names are at most 36 characters: on SQLite a table is named `<project>__<collection>`
 * and identifiers stop at 63.
 */
export const collectionNameSchema = identifierSchema.refine((s) => s.length <= 36, "must be at most 36 characters");

export const modelId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[a-z0-9]{3,23}$`), `must be ${prefix} followed by 3–23 lowercase letters or digits`);

/** A real calendar date from year 1 to 9999 (what both databases store). */
export function isRealDate(s: string): boolean {
  if (s < "0001-01-01") return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Milliseconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the times both databases store. */
export const MIN_TIME = -62135596800000;
export const MAX_TIME = 253402300799999;

export const isoDateTime = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
    "must be an ISO-8601 date-time with a zone",
  );
export const isoDate = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && isRealDate(s), "must be a YYYY-MM-DD date");
export const decimalString = z.string().regex(/^[+-]?(\d+(\.\d*)?|\.\d+)$/, "must be a decimal number as text");
export const safeInt = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
export const count = z.number().int().min(0).max(100_000);

/** What every field's definition has. */
export const fieldBase = {
  /** Stable identity across renames; assigned on the first apply when absent. */
  id: modelId("f").optional(),
  name: identifierSchema,
  description: z.string().max(500).optional(),
  /** Must be given on create (or have a default); a required field is not nullable unless it says so. */
  required: z.boolean().optional(),
  /** Whether null is a stored value. Defaults to `!required`. */
  nullable: z.boolean().optional(),
  unique: z.boolean().optional(),
};

/**
 * A definition as the normalized model holds it: `id`, `required`, `nullable` and `unique` always
 * present, and the options named in `Decided` (e.g. `multiple`) made explicit by the type's
 * `normalize`.
 */
export type NormalizedField<T, Decided extends keyof T = never> = Omit<T, "required" | "nullable" | "unique" | Decided> & {
  id: string;
  required: boolean;
  nullable: boolean;
  unique: boolean;
} & { [K in Decided]-?: Exclude<T[K], undefined> };
