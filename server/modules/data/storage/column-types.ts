import { sql, type RawBuilder } from "kysely";
import { dialectOf, type DbKind } from "../../../platform/db/dialect";
import { sqlFunctionsOf } from "../../../platform/db/sql-functions";
import type { Conversion, StorageClass } from "../fields/field-kind";
import { fieldKind } from "../fields/registry";
import type { Field } from "../schema";

export type { Conversion, StorageClass } from "../fields/field-kind";

/** A field's storage class, as its type says (`fields/`). */
export function storageClass(f: Field): StorageClass {
  return fieldKind(f).storage(f);
}

/** The column type of a storage class on each database (every field type names its class). */
export function columnType(kind: DbKind, cls: StorageClass): RawBuilder<unknown> {
  const t = dialectOf(kind).types;
  const x = sqlFunctionsOf(kind).types;
  switch (cls) {
    case "int":
      return kind === "postgres" ? t.bigint : t.integer;
    case "double":
      return x.double;
    case "decimal":
      return x.decimal;
    case "bool":
      return t.boolean;
    case "json":
      return t.json;
    case "timestamp":
      return t.timestamp;
    case "date":
      return x.date;
    case "uuid":
      return x.uuid;
    default:
      return t.text;
  }
}

type Expr = RawBuilder<unknown>;

/**
 * SQL computing a column's value in its new storage class from the old one, for type changes.
 * Values that do not convert become NULL rather than failing half-way (the plan warns); null
 * when the change is not supported. Every literal here is a constant of this file, never input.
 */
export function conversion(kind: DbKind, from: Field, to: Field, c: Expr): Conversion | null {
  const a = storageClass(from);
  const b = storageClass(to);
  const pg = kind === "postgres";
  // Changes within a type the class matrix does not see (a select's multiple ↔ single).
  const own = fieldKind(to).convertFrom(kind, from, to, c);
  if (own) return own;
  if (a === b) return { expr: c, lossy: from.type !== to.type };
  if (a === "junction" || b === "junction") return null;

  const numeric = pg
    ? (e: Expr) => sql`(btrim(${e}) ~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$')`
    : (e: Expr) =>
        sql`(trim(${e}) <> '' and ltrim(trim(${e}), '+-') <> '' and ltrim(trim(${e}), '+-') not glob '*[^0-9.]*' and ltrim(trim(${e}), '+-') glob '*[0-9]*' and length(trim(${e})) - length(replace(trim(${e}), '.', '')) <= 1 and length(trim(${e})) - length(ltrim(trim(${e}), '+-')) <= 1)`;
  const integer = pg
    ? (e: Expr) => sql`(btrim(${e}) ~ '^[+-]?[0-9]{1,18}$')`
    : (e: Expr) =>
        sql`(ltrim(trim(${e}), '+-') <> '' and ltrim(trim(${e}), '+-') not glob '*[^0-9]*' and length(ltrim(trim(${e}), '+-')) <= 18 and length(trim(${e})) - length(ltrim(trim(${e}), '+-')) <= 1)`;

  switch (`${a}>${b}`) {
    // to text
    case "int>text":
    case "double>text":
    case "decimal>text":
      return { expr: sql`cast(${c} as text)`, lossy: false };
    case "uuid>text":
      return { expr: pg ? sql`cast(${c} as text)` : c, lossy: false };
    case "bool>text":
      return {
        expr: pg
          ? sql`case when ${c} is null then null when ${c} then 'true' else 'false' end`
          : sql`case when ${c} is null then null when ${c} <> 0 then 'true' else 'false' end`,
        lossy: false,
      };
    case "json>text":
      return {
        expr: pg ? sql`(${c} #>> '{}')` : sql`case when json_type(${c}) = 'text' then json_extract(${c}, '$') else ${c} end`,
        lossy: false,
      };
    case "timestamp>text":
      return { expr: pg ? sql`to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : c, lossy: false };
    case "date>text":
      return { expr: pg ? sql`cast(${c} as text)` : c, lossy: false };
    // from text
    case "text>int":
      return {
        expr: pg
          ? sql`case when ${integer(c)} then cast(btrim(${c}) as bigint) end`
          : sql`case when ${integer(c)} then cast(trim(${c}) as integer) end`,
        lossy: true,
      };
    case "text>double":
      return {
        expr: pg
          ? sql`case when ${numeric(c)} then cast(btrim(${c}) as double precision) end`
          : sql`case when ${numeric(c)} then cast(trim(${c}) as real) end`,
        lossy: true,
      };
    case "text>decimal":
      return {
        expr: pg
          ? sql`case when ${numeric(c)} then cast(btrim(${c}) as numeric) end`
          : sql`case when ${numeric(c)} then ltrim(trim(${c}), '+') end`,
        lossy: true,
      };
    case "text>bool":
      return {
        expr: sql`case lower(trim(${c})) when 'true' then ${pg ? sql`true` : sql`1`} when '1' then ${pg ? sql`true` : sql`1`} when 'false' then ${pg ? sql`false` : sql`0`} when '0' then ${pg ? sql`false` : sql`0`} end`,
        lossy: true,
      };
    case "text>json":
      return { expr: pg ? sql`to_jsonb(${c})` : sql`json_quote(${c})`, lossy: false };
    case "text>uuid":
      return pg
        ? {
            expr: sql`case when ${c} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then cast(${c} as uuid) end`,
            lossy: true,
          }
        : { expr: sql`case when length(${c}) = 36 and lower(${c}) not glob '*[^0-9a-f-]*' then lower(${c}) end`, lossy: true };
    case "text>timestamp":
      return pg
        ? {
            expr: sql`case when ${c} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$' then cast(${c} as timestamptz) end`,
            lossy: true,
          }
        : { expr: sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${c})`, lossy: true };
    case "text>date":
      return pg
        ? { expr: sql`case when ${c} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then cast(${c} as date) end`, lossy: true }
        : { expr: sql`date(${c})`, lossy: true };
    // between numbers
    case "int>double":
      return { expr: pg ? sql`cast(${c} as double precision)` : sql`cast(${c} as real)`, lossy: false };
    case "int>decimal":
      return { expr: pg ? sql`cast(${c} as numeric)` : sql`cast(${c} as text)`, lossy: false };
    case "double>int":
      return {
        expr: pg
          ? sql`case when abs(${c}) < 9007199254740991 then cast(round(${c}) as bigint) end`
          : sql`case when abs(${c}) < 9007199254740991 then cast(round(${c}) as integer) end`,
        lossy: true,
      };
    case "decimal>int":
      return {
        expr: pg
          ? sql`case when abs(${c}) < 9007199254740991 then cast(round(${c}) as bigint) end`
          : sql`case when abs(cast(${c} as real)) < 9007199254740991 then cast(round(cast(${c} as real)) as integer) end`,
        lossy: true,
      };
    case "double>decimal":
      return { expr: pg ? sql`cast(${c} as numeric)` : sql`case when abs(${c}) < 1e15 then cast(${c} as text) end`, lossy: !pg };
    case "decimal>double":
      return { expr: pg ? sql`cast(${c} as double precision)` : sql`cast(${c} as real)`, lossy: true };
    // booleans and numbers
    case "bool>int":
      return { expr: pg ? sql`case when ${c} is null then null when ${c} then 1 else 0 end` : c, lossy: false };
    case "int>bool":
      return {
        expr: pg
          ? sql`case when ${c} is null then null else ${c} <> 0 end`
          : sql`case when ${c} is null then null when ${c} <> 0 then 1 else 0 end`,
        lossy: false,
      };
    // times
    case "timestamp>date":
      return { expr: pg ? sql`cast((${c} at time zone 'UTC') as date)` : sql`substr(${c}, 1, 10)`, lossy: true };
    case "date>timestamp":
      return {
        expr: pg
          ? sql`(cast(${c} as timestamp) at time zone 'UTC')`
          : sql`case when ${c} is null then null else ${c} || 'T00:00:00.000Z' end`,
        lossy: false,
      };
    default:
      return null;
  }
}
