import crypto from "node:crypto";
import { readBool, readJson, readTime } from "../../../platform/db/dialect";
import { isRealDate, type Field } from "../schema";
import { isRecordId } from "../types";

/** A per-field problem: a stable code and the values its message needs. */
export interface FieldIssue {
  code: string;
  [param: string]: unknown;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; issue: FieldIssue };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

const ok = (value: unknown): Coerced => ({ ok: true, value });
const bad = (code: string, params: Record<string, unknown> = {}): Coerced => ({ ok: false, issue: { code, ...params } });

const patternCache = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let re = patternCache.get(source);
  if (!re) {
    re = new RegExp(source, "u");
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(source, re);
  }
  return re;
}

function length(s: string): number {
  // Code points, as PostgreSQL's char_length counts.
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** The canonical text of a decimal: no sign for positives, no leading zeros, trailing zeros kept. */
export function canonicalDecimal(s: string): string {
  let sign = "";
  let t = s;
  if (t.startsWith("+")) t = t.slice(1);
  else if (t.startsWith("-")) {
    sign = "-";
    t = t.slice(1);
  }
  const [whole = "", frac] = t.split(".") as [string, string | undefined];
  let int = whole;
  int = int.replace(/^0+(?=\d)/, "");
  if (int === "") int = "0";
  const out = frac !== undefined && frac !== "" ? `${int}.${frac}` : int;
  return /^0(\.0*)?$/.test(out) ? out : sign + out;
}

/** Milliseconds of an ISO date-time; a time without a zone is UTC. */
function parseDateTime(s: string): number {
  if (!DATETIME.test(s)) return Number.NaN;
  let t = s.replace(" ", "T");
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(t)) t += "Z";
  return Date.parse(t);
}

/** Resolves a field's declared default (`now`, `today`, `random` are computed per record). */
export function defaultValue(field: Field, now: number): unknown {
  const d = (field as { default?: unknown }).default;
  if (d === undefined) return undefined;
  if (field.type === "datetime" && d === "now") return new Date(now).toISOString();
  if (field.type === "date" && d === "today") return new Date(now).toISOString().slice(0, 10);
  if (field.type === "uuid" && d === "random") return crypto.randomUUID();
  return d;
}

/**
 * Checks and normalizes one input value (never null or undefined: the caller handles those) for
 * a field, returning the API form: datetimes as ISO-8601 UTC with milliseconds, decimals as
 * canonical text, UUIDs lowercase, multi-values de-duplicated in order.
 */
export function coerceValue(field: Field, value: unknown): Coerced {
  // PostgreSQL cannot store NUL in text or JSON; refuse it on both databases alike.
  if (typeof value === "string" && value.includes("\u0000")) return bad("invalid_character");
  switch (field.type) {
    case "text": {
      if (typeof value !== "string") return bad("invalid_type", { expected: "text" });
      const n = length(value);
      if (field.min !== undefined && n < field.min && n > 0) return bad("too_short", { min: field.min });
      if (field.max !== undefined && n > field.max) return bad("too_long", { max: field.max });
      if (field.pattern && value !== "" && !patternOf(field.pattern).test(value))
        return bad("pattern_mismatch", { pattern: field.pattern });
      return ok(value);
    }
    case "email":
    case "url": {
      if (typeof value !== "string") return bad("invalid_type", { expected: "text" });
      const n = length(value);
      if (field.max !== undefined && n > field.max) return bad("too_long", { max: field.max });
      if (field.min !== undefined && n < field.min && n > 0) return bad("too_short", { min: field.min });
      if (value === "") return ok(value);
      if (field.type === "email") return value.length <= 254 && EMAIL.test(value) ? ok(value) : bad("invalid_email");
      if (value.length > 2048) return bad("too_long", { max: 2048 });
      try {
        const u = new URL(value);
        return u.protocol === "http:" || u.protocol === "https:" ? ok(value) : bad("invalid_url");
      } catch {
        return bad("invalid_url");
      }
    }
    case "integer": {
      if (typeof value !== "number" || !Number.isInteger(value)) return bad("invalid_type", { expected: "integer" });
      if (!Number.isSafeInteger(value))
        return bad(value > 0 ? "too_large" : "too_small", value > 0 ? { max: Number.MAX_SAFE_INTEGER } : { min: Number.MIN_SAFE_INTEGER });
      return range(field, value);
    }
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return bad("invalid_type", { expected: "number" });
      return range(field, value);
    }
    case "decimal": {
      let text: string;
      if (typeof value === "number" && Number.isFinite(value) && DECIMAL.test(String(value))) text = String(value);
      else if (typeof value === "string" && DECIMAL.test(value.trim()) && value.trim().length <= 1000) text = value.trim();
      else return bad("invalid_decimal");
      text = canonicalDecimal(text);
      const frac = text.split(".")[1] ?? "";
      if (field.scale !== undefined && frac.length > field.scale) return bad("too_many_decimals", { scale: field.scale });
      const n = Number(text);
      if (field.min !== undefined && n < Number(field.min)) return bad("too_small", { min: field.min });
      if (field.max !== undefined && n > Number(field.max)) return bad("too_large", { max: field.max });
      return ok(text);
    }
    case "boolean":
      return typeof value === "boolean" ? ok(value) : bad("invalid_type", { expected: "boolean" });
    case "json": {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        return bad("invalid_type", { expected: "JSON" });
      }
      if (text === undefined) return bad("invalid_type", { expected: "JSON" });
      if (text.includes("\\u0000")) return bad("invalid_character");
      if (field.maxSize !== undefined && Buffer.byteLength(text) > field.maxSize) return bad("json_too_large", { max: field.maxSize });
      return ok(value);
    }
    case "datetime": {
      if (typeof value !== "string") return bad("invalid_datetime");
      const ms = parseDateTime(value.trim());
      if (Number.isNaN(ms) || ms < -62135596800000 || ms > 253402300799999) return bad("invalid_datetime");
      const iso = new Date(ms).toISOString();
      if (field.min !== undefined && ms < Date.parse(field.min)) return bad("too_small", { min: field.min });
      if (field.max !== undefined && ms > Date.parse(field.max)) return bad("too_large", { max: field.max });
      return ok(iso);
    }
    case "date": {
      if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !isRealDate(value) || value < "0001-01-01")
        return bad("invalid_date");
      if (field.min !== undefined && value < field.min) return bad("too_small", { min: field.min });
      if (field.max !== undefined && value > field.max) return bad("too_large", { max: field.max });
      return ok(value);
    }
    case "uuid":
      return typeof value === "string" && UUID.test(value) ? ok(value.toLowerCase()) : bad("invalid_uuid");
    case "select": {
      if (!field.multiple) {
        if (typeof value !== "string") return bad("invalid_type", { expected: "text" });
        if (value === "") return ok(value);
        return field.values.includes(value) ? ok(value) : bad("invalid_option", { value: value.slice(0, 100) });
      }
      if (!Array.isArray(value)) return bad("invalid_type", { expected: "list of values" });
      const out: string[] = [];
      for (const v of value) {
        if (typeof v !== "string" || !field.values.includes(v) || v.includes("\u0000"))
          return bad("invalid_option", { value: String(v).slice(0, 100) });
        if (!out.includes(v)) out.push(v);
      }
      return count(field, out);
    }
    case "relation": {
      if (!field.multiple) {
        if (typeof value !== "string") return bad("invalid_type", { expected: "record id" });
        if (value === "") return ok(value);
        return isRecordId(value) ? ok(value) : bad("invalid_relation", { value: value.slice(0, 100) });
      }
      if (!Array.isArray(value)) return bad("invalid_type", { expected: "list of record ids" });
      if (value.length > 10_000) return bad("too_many", { max: 10_000 });
      const out: string[] = [];
      for (const v of value) {
        if (typeof v !== "string" || !isRecordId(v)) return bad("invalid_relation", { value: String(v).slice(0, 100) });
        if (!out.includes(v)) out.push(v);
      }
      return count(field, out);
    }
    case "autodate":
      return bad("read_only");
  }
}

function range(field: Field & { min?: number; max?: number }, n: number): Coerced {
  if (field.min !== undefined && n < field.min) return bad("too_small", { min: field.min });
  if (field.max !== undefined && n > field.max) return bad("too_large", { max: field.max });
  return ok(n);
}

function count(field: Field & { min?: number; max?: number }, list: string[]): Coerced {
  if (field.min !== undefined && list.length < field.min && list.length > 0) return bad("too_few", { min: field.min });
  if (field.max !== undefined && list.length > field.max) return bad("too_many", { max: field.max });
  return ok(list);
}

/** Whether a value counts as "not given" for a required field. */
export function isBlank(field: Field, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string" && value === "" && field.type !== "json") return true;
  if (Array.isArray(value) && value.length === 0 && field.type !== "json") return true;
  return false;
}

/** The API value as a SQL parameter. */
export function toDb(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === "json" || (field.type === "select" && field.multiple)) return JSON.stringify(value);
  if (field.type === "relation" && !field.multiple && value === "") return null;
  return value;
}

/** A stored value in API form; both databases give the same result. */
export function fromDb(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) return field.type === "relation" && field.multiple ? [] : null;
  switch (field.type) {
    case "boolean":
      return readBool(value);
    case "json":
      return readJson(value);
    case "select":
      return field.multiple ? readJson(value) : value;
    case "relation":
      return field.multiple ? readJson(value) : value;
    case "datetime":
    case "autodate":
      return readTime(value);
    case "integer":
    case "number":
      return typeof value === "string" ? Number(value) : value;
    case "decimal":
      return typeof value === "number" ? canonicalDecimal(String(value)) : String(value);
    case "date":
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    default:
      return value;
  }
}
