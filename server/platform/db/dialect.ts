import { PostgresAdapter, sql, type Kysely, type RawBuilder } from "kysely";
import { AppError } from "../errors/app-error";

export type DbKind = "sqlite" | "postgres";

/**
 * Every difference between SQLite and PostgreSQL that code above the platform would otherwise
 * see lives here: column types for migrations, how booleans, JSON and times come back, identifier
 * rules. Counts and int8 are already numbers on both (see the pg type parsers in `connect.ts`).
 */
export function dialectOf(kind: DbKind) {
  const pg = kind === "postgres";
  return {
    kind,
    /** Column types for `addColumn(name, type)` in migrations. */
    types: {
      text: sql`text`,
      integer: sql`integer`,
      bigint: sql`bigint`,
      boolean: pg ? sql`boolean` : sql`integer`,
      json: pg ? sql`jsonb` : sql`text`,
      timestamp: pg ? sql`timestamptz` : sql`text`,
      blob: pg ? sql`bytea` : sql`blob`,
    },
    /** The current time as stored by `timestamp` columns (ISO-8601 text on SQLite). */
    now(): RawBuilder<string> {
      return pg ? sql<string>`now()` : sql<string>`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
    },
    /**
     * Whether `SELECT … FOR UPDATE [SKIP LOCKED]` exists (PostgreSQL). SQLite has no row locks;
     * its write transactions (see `writeTransaction`) are exclusive instead.
     */
    rowLocks: pg,
    /** `column` matches `pattern`, where `*` stands for any run of characters; case-sensitive on both. */
    glob(column: string, pattern: string): RawBuilder<boolean> {
      if (!pg) return sql<boolean>`${sql.ref(column)} glob ${pattern.replace(/[[\]?]/g, (c) => `[${c}]`)}`;
      const like = pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, "%");
      return sql<boolean>`${sql.ref(column)} like ${like}`;
    },
    bool(value: boolean): boolean | number {
      return pg ? value : value ? 1 : 0;
    },
    json(value: unknown): string {
      return JSON.stringify(value);
    },
  };
}

export type Dialect = ReturnType<typeof dialectOf>;

/** Reads a boolean column: SQLite gives 0/1, PostgreSQL true/false. */
export function readBool(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "t" || value === "true";
}

/** Reads a JSON column: SQLite gives text, PostgreSQL a parsed value. */
export function readJson<T = unknown>(value: unknown): T {
  if (typeof value === "string") return JSON.parse(value) as T;
  return value as T;
}

const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Reads a timestamp column as ISO-8601 text on both databases. */
export function readTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  // SQLite keeps what toISOString() wrote: hand it back as is (parsing and formatting every record's two times showed in profiles).
  if (typeof value === "string" && CANONICAL_TIME.test(value)) return value;
  if (typeof value === "string") return new Date(value.includes("T") ? value : value.replace(" ", "T")).toISOString();
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Identifiers of user-defined tables and columns pass through here before they reach SQL: only
 * lowercase letters, digits and underscores, at most 63 characters (PostgreSQL's limit).
 */
export function assertSafeIdentifier(name: string, what = "identifier"): string {
  if (!SAFE_IDENTIFIER.test(name)) {
    throw new AppError("invalid_identifier", 400, { name, what });
  }
  return name;
}

/** The dialect of an open Kysely instance, for migrations that only receive `db`. */
export function kindOf(db: Kysely<unknown>): DbKind {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}
