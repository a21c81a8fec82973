import type { RawBuilder } from "kysely";
import type { z } from "zod";
import type { DbKind } from "../../../platform/db/dialect";
import type { SqlFunctions } from "../../../platform/db/sql-functions";
import type { ValueType } from "../expr/value-type";

type Sql = RawBuilder<unknown>;

/** A per-field problem: a stable code and the values its message needs. */
export interface FieldIssue {
  code: string;
  [param: string]: unknown;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; issue: FieldIssue };

/** A problem in a model document: a stable code, where it is, and what its message needs. */
export interface ModelIssue {
  code: string;
  path: string;
  [param: string]: unknown;
}

/** How a field is stored; fields of one class share a column type (`storage/column-types.ts`), so a change between them is free. */
export type StorageClass = "text" | "uuid" | "int" | "double" | "decimal" | "bool" | "json" | "timestamp" | "date" | "junction";

/** A column's value computed from its old value, for a change of type. */
export interface Conversion {
  /** The new value computed from the old column. */
  expr: RawBuilder<unknown>;
  /** Whether some values may not convert (they become null). */
  lossy: boolean;
}

/** Warnings a type gives of a change into it on existing data (`model/plan.ts`). */
export type FieldChangeWarning = "options_removed";

/** A JSON schema (OpenAPI 3.1) object. */
export type JsonSchema = Record<string, unknown>;

/** What every normalized field has, whatever its type. */
export interface BaseField {
  id: string;
  name: string;
  type: string;
  description?: string;
  required: boolean;
  nullable: boolean;
  unique: boolean;
}

/**
 * One field type: everything the data module does differently per type, in one place (as
 * PocketBase's `core/field_*.go`). Each type is a file in `fields/` and one entry in
 * `fields/registry.ts`; the model, the records API, the expression language, the migrations,
 * archives, OpenAPI and the TypeScript generator all ask the registry (`fieldKind(field)`).
 *
 * Values go through three forms: the API form (JSON: what clients send and receive, what rules
 * and filters see), the stored form (a SQL parameter / what the driver returns), and the SQL
 * JSON form (`jsonSql`, the row the database writes as JSON for `records.listJson`). Null is
 * handled before a type is asked (`codec.ts`), except where a method says otherwise.
 */
export interface FieldKind<F extends BaseField = BaseField, D extends z.ZodType = z.ZodType> {
  /** The `type` of the model document. */
  readonly type: F["type"];
  /** The definition's shape (a strict zod object with `...fieldBase` and `type`). */
  readonly definition: D;
  /**
   * Option names that only constrain values (`min`, `max`, `pattern`…): an archive is checked
   * without them, and a change of one on existing data warns `constraints_not_rechecked`.
   */
  readonly constraints: readonly string[];
  /** Whether `""` and `[]` count as a value for a required field (JSON: they are values). */
  readonly emptyIsValue: boolean;
  /** Set by apprun, never written through the API (`read_only`), nor listed in create/update inputs. */
  readonly readOnly: boolean;
  /** Defaults computed per record, by the word the definition's `default` holds (`now`, `today`, `random`). */
  readonly computedDefaults: Readonly<Record<string, (now: number) => unknown>>;
  /** Ordering: the column as it sorts, and a cursor value as the parameter it is compared with (decimals on SQLite). */
  readonly order: { column(column: Sql, fns: SqlFunctions): Sql; param(value: unknown): unknown } | null;

  // ── the definition ──
  /**
   * The definition (zod-parsed, `id` assigned) with every option the document may leave out made
   * explicit: `required`, `nullable` (defaults to `!required`), `unique` (`normalizeCommon`), and
   * the type's own (a select's `multiple`, a relation's `onDelete`).
   */
  normalize(definition: z.output<D> & { id: string }): F;
  /** How `min` and `max` compare when both are given (`invalid_range` when min > max). */
  limitOrder(limit: unknown): number | string;
  /** Problems of the definition its shape cannot express (patterns, option lists, on-delete). */
  definitionIssues(field: F, path: string): ModelIssue[];
  /** Warnings when a field changes into this one on existing data (beyond constraints), e.g. `options_removed`. */
  changeWarnings(old: BaseField, field: F): FieldChangeWarning[];

  // ── storage ──
  /** How values are stored; fields of one class share a column type (`storage/column-types.ts`), so a change between them is free. */
  storage(field: F): StorageClass;
  /** Whether an index (so `unique` and sorting too) may use the field. */
  indexable(field: F): boolean;
  /** A conversion into this field from another of the same type that the storage-class matrix does not cover, or null. */
  convertFrom(kind: DbKind, from: BaseField, field: F, column: Sql): Conversion | null;

  // ── values ──
  /** Checks and normalizes an input value (never null or undefined, never with NUL) into API form. */
  coerce(field: F, value: unknown): Coerced;
  /** Checks a stored value (an archive line): its type, not the constraints, which may have tightened since. */
  coerceStored(field: F, value: unknown): Coerced;
  /** Whether apprun writes the time of this write into the field (autodate). */
  stamps(field: F, operation: "create" | "update"): boolean;
  /** The API value (not null) as a SQL parameter. */
  toDb(field: F, value: unknown): unknown;
  /** A stored value (not null) in API form; both databases give the same result. */
  fromDb(field: F, value: unknown): unknown;
  /**
   * The column (or, for a to-many relation, its links subquery) as a JSON value inside the row
   * object the database builds for `listJson`: the same JSON `fromDb` gives, spelled per dialect
   * with `fns.json`.
   */
  jsonSql(field: F, column: Sql, fns: SqlFunctions): Sql;
  /** Whether a cursor's value (JSON, from the client) has the field's type: a forged cursor must not reach SQL as a type error. */
  cursorFits(field: F, value: unknown): boolean;

  // ── the language ──
  /** The field's type in filters and rules (CEL). */
  valueType(field: F): ValueType;

  // ── descriptions ──
  /** The JSON schema of a value as the API reads and writes it (without null). */
  jsonSchema(field: F): JsonSchema;
  /** The TypeScript type of a value as the API returns it (without null). */
  typescript(field: F): string;
  /** The TypeScript type of a value the API accepts (without null), when it differs. */
  typescriptInput(field: F): string;
  /** A note for the generated types' doc comment, or null. */
  typescriptNote(field: F): string | null;
}

/** What a field type's file gives; the rest takes the defaults of `defineFieldKind`. */
export type FieldKindSpec<F extends BaseField, D extends z.ZodType> = Pick<
  FieldKind<F, D>,
  "type" | "definition" | "storage" | "coerce" | "valueType" | "jsonSchema" | "typescript"
> &
  Partial<FieldKind<F, D>>;

const plainString = (value: unknown) => typeof value === "string" && value.length <= 100_000 && !value.includes("\u0000");

/** A field type with the defaults filled in: text-like values, stored and returned as they are. */
export function defineFieldKind<F extends BaseField, D extends z.ZodType>(spec: FieldKindSpec<F, D>): FieldKind<F, D> {
  const kind: FieldKind<F, D> = {
    constraints: [],
    emptyIsValue: false,
    readOnly: false,
    computedDefaults: {},
    order: null,
    normalize: (definition) => normalizeCommon(definition as { required?: boolean; nullable?: boolean; unique?: boolean }) as unknown as F,
    limitOrder: (limit) => Number(limit),
    definitionIssues: () => [],
    changeWarnings: () => [],
    indexable: () => true,
    convertFrom: () => null,
    coerceStored(field, value) {
      if (hasNul(value)) return bad("invalid_character");
      const relaxed = { ...field } as Record<string, unknown>;
      for (const k of kind.constraints) delete relaxed[k];
      return kind.coerce(relaxed as unknown as F, value);
    },
    stamps: () => false,
    toDb: (_field, value) => value,
    fromDb: asStored,
    jsonSql: (_field, column) => column,
    cursorFits: (_field, value) => plainString(value),
    typescriptInput: (field) => kind.typescript(field),
    typescriptNote: () => null,
    ...spec,
  };
  return kind;
}

// ── what several types share ──

/** `fromDb` of types whose stored value is the API value (text and the like): decoders skip the call. */
export const asStored = (_field: unknown, value: unknown): unknown => value;

/** `required` (default false), `nullable` (default `!required`) and `unique` (default false) made explicit. */
export function normalizeCommon<T extends { required?: boolean; nullable?: boolean; unique?: boolean }>(
  definition: T,
): T & { required: boolean; nullable: boolean; unique: boolean } {
  const required = definition.required ?? false;
  return { ...definition, required, nullable: definition.nullable ?? !required, unique: definition.unique ?? false };
}

/** PostgreSQL cannot store NUL in text or JSON; both databases refuse it alike. */
export const hasNul = (value: unknown) => typeof value === "string" && value.includes("\u0000");

export const ok = (value: unknown): Coerced => ({ ok: true, value });
export const bad = (code: string, params: Record<string, unknown> = {}): Coerced => ({ ok: false, issue: { code, ...params } });

/** Length in code points, as PostgreSQL's char_length counts. */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** A number within the field's `min`/`max`. */
export function inRange(field: { min?: number; max?: number }, n: number): Coerced {
  if (field.min !== undefined && n < field.min) return bad("too_small", { min: field.min });
  if (field.max !== undefined && n > field.max) return bad("too_large", { max: field.max });
  return ok(n);
}

/** A list within the field's `min`/`max` count (an empty list is allowed below `min`: `required` says whether it may be empty). */
export function inCount(field: { min?: number; max?: number }, list: string[]): Coerced {
  if (field.min !== undefined && list.length < field.min && list.length > 0) return bad("too_few", { min: field.min });
  if (field.max !== undefined && list.length > field.max) return bad("too_many", { max: field.max });
  return ok(list);
}

/** `min`/`max` of a JSON schema, for the options given. */
export function schemaLimits(field: { min?: unknown; max?: unknown }, min: string, max: string): JsonSchema {
  return { ...(field.min !== undefined ? { [min]: field.min } : {}), ...(field.max !== undefined ? { [max]: field.max } : {}) };
}

/** The field's description joined with a sentence about its values. */
export function describe(field: BaseField, sentence: string): string {
  return [field.description, sentence].filter(Boolean).join(" ");
}

export const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
