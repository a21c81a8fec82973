import type { AuthContext } from "../types";
import { MAX_TIME, MIN_TIME, type Field } from "../schema";
import { parseDuration, parseIsoTime, valueTypeOf } from "./analyze";
import { isRelation } from "../model/normalize";
import type { CompiledExpression, IrNode, TimeName } from "./ir";

/** What an expression may read besides the record: the caller, the request body, the time. */
export interface EvalContext {
  auth: AuthContext;
  /** The validated request body of a create or update (API form). */
  body?: Record<string, unknown>;
  /** Milliseconds since the epoch; `@now`. */
  now: number;
}

type Row = Record<string, unknown> | null;

/**
 * Evaluates a compiled filter or rule against a record in API form (as `get`/`list` return it),
 * with the same semantics the SQL translation has: comparisons with null are false except
 * `== null`/`!= null`, `!` of anything not true is true. Related records are read from
 * `record.expand` (see `CompiledExpression.expand`); a missing one counts as null / empty.
 */
export function evaluateExpression(compiled: CompiledExpression, record: Record<string, unknown>, ctx: EvalContext): boolean {
  const rows: Row[] = new Array(compiled.rows.length).fill(null);
  rows[0] = record;
  return evaluateNode(compiled.root, rows, ctx) === true;
}

/** Evaluates one node; values are internal: times and durations as milliseconds, decimals as numbers. */
export function evaluateNode(n: IrNode, rows: Row[], ctx: EvalContext): unknown {
  switch (n.k) {
    case "lit":
      return n.v;
    case "list":
      return n.items.map((i) => evaluateNode(i, rows, ctx));
    case "ctx":
      return contextValue(n.ref, ctx);
    case "col": {
      const owner = followHops(
        rows[n.row] ?? null,
        n.hops.map((h) => h.field.name),
      );
      return owner ? fromRecord(n.field, owner[n.field.name], n.t) : null;
    }
    case "cmp":
      return compare(n.op, evaluateNode(n.l, rows, ctx), evaluateNode(n.r, rows, ctx));
    case "and":
      return evaluateNode(n.l, rows, ctx) === true && evaluateNode(n.r, rows, ctx) === true;
    case "or":
      return evaluateNode(n.l, rows, ctx) === true || evaluateNode(n.r, rows, ctx) === true;
    case "not":
      return evaluateNode(n.e, rows, ctx) !== true;
    case "in": {
      const needle = evaluateNode(n.needle, rows, ctx);
      const hay = evaluateNode(n.hay, rows, ctx);
      if (needle === null || needle === undefined || !Array.isArray(hay)) return false;
      return hay.some((v) => v !== null && v === needle);
    }
    case "str": {
      const target = evaluateNode(n.target, rows, ctx);
      const arg = evaluateNode(n.arg, rows, ctx);
      if (typeof target !== "string" || typeof arg !== "string") return false;
      if (n.fn === "contains") return target.includes(arg);
      if (n.fn === "startsWith") return target.startsWith(arg);
      return target.endsWith(arg);
    }
    case "lower": {
      const v = evaluateNode(n.e, rows, ctx);
      return typeof v === "string" ? v.replace(/[A-Z]+/g, (c) => c.toLowerCase()) : null;
    }
    case "quant": {
      const owner = followHops(
        rows[n.source.row] ?? null,
        n.source.hops.map((h) => h.field.name),
      );
      const related =
        owner?.expand && typeof owner.expand === "object" ? (owner.expand as Record<string, unknown>)[n.source.field.name] : undefined;
      const items = Array.isArray(related) ? (related as Row[]) : [];
      const test = (item: Row) => {
        const next = rows.slice();
        next[n.row] = item;
        return evaluateNode(n.body, next, ctx) === true;
      };
      return n.q === "exists" ? items.some(test) : items.every(test);
    }
    case "arith":
      return arithmetic(n.op, n.t, evaluateNode(n.l, rows, ctx), evaluateNode(n.r, rows, ctx));
    case "neg": {
      const v = evaluateNode(n.e, rows, ctx);
      return typeof v === "number" ? -v : null;
    }
    case "fn": {
      const v = evaluateNode(n.arg, rows, ctx);
      if (n.fn === "timestamp") return typeof v === "string" ? nanToNull(parseIsoTime(v)) : null;
      if (n.fn === "duration") return typeof v === "string" ? parseDuration(v) : null;
      return typeof v === "number" && v >= MIN_TIME && v <= MAX_TIME ? new Date(v).toISOString().slice(0, 10) : null;
    }
  }
}

function nanToNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function followHops(row: Row, names: string[]): Row {
  let current = row;
  for (const name of names) {
    if (!current) return null;
    const expand = current.expand as Record<string, unknown> | undefined;
    const next = expand?.[name];
    current = next && typeof next === "object" && !Array.isArray(next) ? (next as Row) : null;
  }
  return current;
}

/** A record value (API form) as the evaluator compares it. */
function fromRecord(field: Field, value: unknown, t: IrNode["t"]): unknown {
  if (value === undefined || value === null) return null;
  if (t === "timestamp") return typeof value === "string" ? nanToNull(Date.parse(value)) : null;
  if (t === "decimal") return typeof value === "string" || typeof value === "number" ? Number(value) : null;
  if (t === "string" && isRelation(field) && typeof value === "object") return null;
  return value;
}

function contextValue(ref: Extract<IrNode, { k: "ctx" }>["ref"], ctx: EvalContext): unknown {
  if (ref.kind === "auth") return ref.key === "roles" ? ctx.auth.roles : ref.key === "id" ? ctx.auth.id : ctx.auth.type;
  if (ref.kind === "body") {
    const v = ctx.body?.[ref.field.name];
    if (v === undefined) return null;
    const t = valueTypeOf(ref.field);
    if (t === "timestamp") return typeof v === "string" ? nanToNull(Date.parse(v)) : null;
    if (t === "decimal") return v === null ? null : Number(v);
    return v;
  }
  return timeValue(ref.name, ctx.now);
}

export function timeValue(name: TimeName, now: number): number {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (name) {
    case "now":
      return now;
    case "todayStart":
      return Date.UTC(y, m, d.getUTCDate());
    case "todayEnd":
      return Date.UTC(y, m, d.getUTCDate() + 1) - 1;
    case "monthStart":
      return Date.UTC(y, m, 1);
    case "monthEnd":
      return Date.UTC(y, m + 1, 1) - 1;
    case "yearStart":
      return Date.UTC(y, 0, 1);
    case "yearEnd":
      return Date.UTC(y + 1, 0, 1) - 1;
  }
}

export function compare(op: string, a: unknown, b: unknown): boolean {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (op === "==") return an || bn ? an && bn : a === b;
  if (op === "!=") return an || bn ? !(an && bn) : a !== b;
  if (an || bn) return false;
  if (typeof a !== typeof b) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
  }
  return false;
}

function arithmetic(op: string, t: IrNode["t"], a: unknown, b: unknown): unknown {
  if (a === null || b === null || a === undefined || b === undefined) return null;
  if (typeof a === "string" && typeof b === "string") return op === "+" ? a + b : null;
  if (typeof a !== "number" || typeof b !== "number") return null;
  let r: number;
  switch (op) {
    case "+":
      r = a + b;
      break;
    case "-":
      r = a - b;
      break;
    case "*":
      r = a * b;
      break;
    case "/":
      r = a / b;
      break;
    default:
      r = a % b;
  }
  if (!Number.isFinite(r)) return null;
  // A time outside what the databases store compares as null (false), never as an error.
  if (t === "timestamp" && (r < MIN_TIME || r > MAX_TIME)) return null;
  return t === "int" ? Math.trunc(r) : r;
}
