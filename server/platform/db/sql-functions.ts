import { sql, type RawBuilder } from "kysely";
import { assertSafeIdentifier, type DbKind } from "./dialect";

type Expr = RawBuilder<unknown>;

/**
 * SQL expressions and column types whose spelling differs between SQLite and PostgreSQL, for code
 * that builds queries over user-defined tables (the data module's filters, rules and migrations).
 * Arguments are SQL fragments (`sql.ref`, `sql.id`, or a bound value `sql\`${v}\``); values are
 * always bound, never spliced. Text comparisons are case-sensitive and wildcard-free on both.
 */
export function sqlFunctionsOf(kind: DbKind) {
  const pg = kind === "postgres";
  const text = (v: Expr) => (pg ? sql`cast(${v} as text)` : v);
  return {
    kind,
    /** Column types beyond `dialectOf(kind).types`. */
    types: {
      double: pg ? sql`double precision` : sql`real`,
      /** Exact decimals: `numeric` on PostgreSQL, canonical text on SQLite. */
      decimal: pg ? sql`numeric` : sql`text`,
      date: pg ? sql`date` : sql`text`,
      uuid: pg ? sql`uuid` : sql`text`,
    },
    contains(haystack: Expr, needle: Expr): RawBuilder<boolean> {
      return pg ? sql`(strpos(${haystack}, ${text(needle)}) > 0)` : sql`(instr(${haystack}, ${needle}) > 0)`;
    },
    startsWith(haystack: Expr, prefix: Expr): RawBuilder<boolean> {
      return pg ? sql`starts_with(${haystack}, ${text(prefix)})` : sql`(substr(${haystack}, 1, length(${prefix})) = ${prefix})`;
    },
    endsWith(haystack: Expr, suffix: Expr): RawBuilder<boolean> {
      return pg
        ? sql`(right(${haystack}, char_length(${text(suffix)})) = ${text(suffix)})`
        : sql`(${haystack} is not null and (length(${suffix}) = 0 or substr(${haystack}, -length(${suffix})) = ${suffix}))`;
    },
    /** Whether a JSON array column holds a string element. */
    jsonArrayIncludes(array: Expr, element: Expr): RawBuilder<boolean> {
      return pg
        ? sql`(${array} @> jsonb_build_array(${text(element)}))`
        : sql`exists (select 1 from json_each(${array}) where value = ${element})`;
    },
    /**
     * Column values as JSON values of a row object the database builds (`jsonObject`), spelled so
     * the JSON is what the driver's value would give once read back: PostgreSQL's own JSON of a
     * timestamptz (`+00:00`) or a numeric (a number, losing the scale) would differ.
     */
    json: {
      /** A 0/1 (SQLite) or boolean column as true/false. */
      bool: (column: Expr): Expr =>
        pg ? column : sql`json(case when ${column} is null then null when ${column} in (1, '1', 't', 'true') then 'true' else 'false' end)`,
      /** A column holding JSON (text on SQLite, json/jsonb on PostgreSQL) embedded as JSON, not as a string. */
      embedded: (column: Expr): Expr => (pg ? column : sql`json(${column})`),
      /**
       * A timestamp as `toISOString()` writes it. SQLite keeps times as that canonical text (every
       * write and conversion stores it), so the column is the value.
       */
      time: (column: Expr): Expr => (pg ? sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : column),
      /** An exact number as text: `numeric` as PostgreSQL prints it; SQLite already stores text. */
      numericText: (column: Expr): Expr => (pg ? sql`${column}::text` : column),
    },
    /**
     * A JSON object from key/value pairs (`json_object` / `json_build_object`), or null when there
     * are more pairs than the database takes in one call (PostgreSQL: 100 arguments). Keys are
     * written as literals, so only safe identifiers are taken.
     */
    jsonObject(pairs: ReadonlyArray<readonly [string, Expr]>): Expr | null {
      if (pairs.length > (pg ? 50 : 200)) return null;
      const args = sql.join(pairs.map(([key, value]) => sql`${sql.lit(assertSafeIdentifier(key, "key"))}, ${value}`));
      return pg ? sql`json_build_object(${args})` : sql`json_object(${args})`;
    },
    /** Aggregates values into a JSON array (empty, not null, when there are none), ordered. */
    jsonArrayAgg(value: Expr, orderBy: Expr): RawBuilder<unknown> {
      return pg ? sql`coalesce(json_agg(${value} order by ${orderBy}), '[]'::json)` : sql`json_group_array(${value} order by ${orderBy})`;
    },
    /** A decimal column as a number for ordering comparisons (SQLite stores decimals as text). */
    decimalValue(column: Expr): Expr {
      return pg ? column : sql`cast(${column} as real)`;
    },
    /** A value as text (PostgreSQL needs this for uuid columns in text functions). */
    asText(value: Expr): Expr {
      return text(value);
    },
    /** Casts a bound value so PostgreSQL does not infer an integer type for a fractional number. */
    doubleValue(value: Expr): Expr {
      return pg ? sql`cast(${value} as double precision)` : value;
    },
    /** Appended to a select to lock the rows it reads until the transaction ends (SQLite: its single writer already does). */
    forUpdate(): RawBuilder<unknown> {
      return pg ? sql` for update` : sql``;
    },
    /** Takes a transaction-scoped lock on a key (PostgreSQL); null on SQLite, where one connection serializes writers. */
    transactionLock(key: string): RawBuilder<unknown> | null {
      return pg ? sql`select pg_advisory_xact_lock(hashtext(${key}))` : null;
    },
  };
}

export type SqlFunctions = ReturnType<typeof sqlFunctionsOf>;
