import { sql, type RawBuilder } from "kysely";
import type { SqlFunctions } from "../../../platform/db/sql-functions";
import type { ModelSql } from "../storage/namespace";
import { evaluateNode, type EvalContext } from "./evaluate";
import type { ColNode, CompiledExpression, Hop, IrNode } from "./ir";

type Sql = RawBuilder<unknown>;

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Restricts what a filter can see through a relation: given a related collection and the alias
 * of its row, the condition (its view rule for this caller) or null for no restriction.
 */
export type RelationGuard = (collection: string, alias: string) => RawBuilder<unknown> | null;

export interface SqlOptions {
  fns: SqlFunctions;
  names: ModelSql;
  ctx: EvalContext;
  /** Applied to every related collection a path or exists()/all() reaches (filters from callers). */
  guard?: RelationGuard;
  /** Prefix for generated aliases, so nested translations never collide. */
  aliasPrefix?: string;
}

/**
 * Evaluates every part that does not read the record (auth, body, times, literals) and
 * simplifies: what is left reads columns only, or is a constant true/false.
 */
export function specialize(n: IrNode, ctx: EvalContext): IrNode {
  if (!n.dep) {
    const v = evaluateNode(n, [], ctx);
    if (n.t === "bool") return { k: "lit", t: "bool", v: v === true, dep: false, at: n.at };
    if (v === null || v === undefined) return { k: "lit", t: "null", v: null, dep: false, at: n.at };
    const elem = n.k === "list" || n.k === "ctx" ? n.elem : undefined;
    return { k: "lit", t: n.t, v, dep: false, at: n.at, ...(elem ? { elem } : {}) };
  }
  switch (n.k) {
    case "and": {
      const l = specialize(n.l, ctx);
      const r = specialize(n.r, ctx);
      if (isConst(l, false) || isConst(r, false)) return constant(false, n);
      if (isConst(l, true)) return r;
      if (isConst(r, true)) return l;
      return { ...n, l, r };
    }
    case "or": {
      const l = specialize(n.l, ctx);
      const r = specialize(n.r, ctx);
      if (isConst(l, true) || isConst(r, true)) return constant(true, n);
      if (isConst(l, false)) return r;
      if (isConst(r, false)) return l;
      return { ...n, l, r };
    }
    case "not": {
      const e = specialize(n.e, ctx);
      if (e.k === "lit" && e.t === "bool") return constant(e.v !== true, n);
      return { ...n, e };
    }
    case "cmp":
      return { ...n, l: specialize(n.l, ctx), r: specialize(n.r, ctx) };
    case "in": {
      const needle = specialize(n.needle, ctx);
      const hay = specialize(n.hay, ctx);
      if (needle.k === "lit" && needle.v === null) return constant(false, n);
      if (hay.k === "lit" && Array.isArray(hay.v) && hay.v.every((v) => v === null)) return constant(false, n);
      return { ...n, needle, hay };
    }
    case "str":
      return { ...n, target: specialize(n.target, ctx), arg: specialize(n.arg, ctx) };
    case "lower":
      return { ...n, e: specialize(n.e, ctx) };
    case "quant": {
      const body = specialize(n.body, ctx);
      // all() over a predicate that always holds is true; exists() over one that never holds is false.
      if (n.q === "all" && isConst(body, true)) return constant(true, n);
      if (n.q === "exists" && isConst(body, false)) return constant(false, n);
      return { ...n, body };
    }
    default:
      return n;
  }
}

function isConst(n: IrNode, value: boolean): boolean {
  return n.k === "lit" && n.t === "bool" && n.v === value;
}

function constant(value: boolean, n: IrNode): IrNode {
  return { k: "lit", t: "bool", v: value, dep: false, at: n.at };
}

/**
 * Translates a compiled expression into a SQL condition over the row aliased `alias`, with every
 * value bound as a parameter. Returns `true`/`false` when the caller context alone decides it.
 */
export function expressionToSql(compiled: CompiledExpression, alias: string, options: SqlOptions): RawBuilder<unknown> | boolean {
  const root = specialize(compiled.root, options.ctx);
  if (root.k === "lit" && root.t === "bool") return root.v === true;
  return new SqlBuilder(compiled, alias, options).predicate(root);
}

class SqlBuilder {
  private readonly aliases: string[];
  private counter = 0;

  constructor(
    private readonly compiled: CompiledExpression,
    alias: string,
    private readonly o: SqlOptions,
  ) {
    this.aliases = [alias];
  }

  private nextAlias(kind: string): string {
    return `${this.o.aliasPrefix ?? ""}${kind}${++this.counter}`;
  }

  predicate(n: IrNode): Sql {
    switch (n.k) {
      case "lit":
        return n.v === true ? sql`true` : sql`false`;
      case "and":
        return sql`(${this.predicate(n.l)} and ${this.predicate(n.r)})`;
      case "or":
        return sql`(${this.predicate(n.l)} or ${this.predicate(n.r)})`;
      case "not":
        return sql`(not coalesce(${this.predicate(n.e)}, false))`;
      case "cmp":
        return this.compare(n);
      case "in":
        return this.membership(n);
      case "str": {
        const target = this.text(n.target);
        const arg = this.text(n.arg);
        if (n.fn === "contains") return this.o.fns.contains(target, arg);
        if (n.fn === "startsWith") return this.o.fns.startsWith(target, arg);
        return this.o.fns.endsWith(target, arg);
      }
      case "quant":
        return this.quantifier(n);
      case "col":
        // A boolean field used as a condition.
        return sql`(${this.value(n)} = ${true})`;
      default:
        return sql`(${this.value(n)} = ${true})`;
    }
  }

  private value(n: IrNode): Sql {
    switch (n.k) {
      case "lit":
        return sql`${bindable(n)}`;
      case "col":
        return this.column(n);
      case "lower":
        return sql`lower(${this.text(n.e)})`;
      default:
        return sql`(${this.predicate(n)})`;
    }
  }

  private text(n: IrNode): Sql {
    return n.t === "uuid" && n.k !== "lit" ? this.o.fns.asText(this.value(n)) : this.value(n);
  }

  /** An operand of a comparison, shaped so both databases compare it the same way. */
  private operand(n: IrNode, other: IrNode): Sql {
    if (n.k === "col" && n.t === "decimal") return this.o.fns.decimalValue(this.value(n));
    if (n.k === "col" && n.t === "uuid" && other.k === "lit" && !isUuidLike(other.v)) return this.o.fns.asText(this.value(n));
    if (n.k === "lit" && typeof n.v === "number" && !Number.isInteger(n.v) && other.t === "int")
      return this.o.fns.doubleValue(this.value(n));
    return this.value(n);
  }

  private compare(n: Extract<IrNode, { k: "cmp" }>): Sql {
    let { l, r } = n;
    if (l.k === "lit" && l.v === null) [l, r] = [r, l];
    if (r.k === "lit" && r.v === null) return n.op === "==" ? sql`(${this.value(l)} is null)` : sql`(${this.value(l)} is not null)`;
    const a = this.operand(l, r);
    const b = this.operand(r, l);
    switch (n.op) {
      case "==":
        return l.dep && r.dep ? sql`(${a} is not distinct from ${b})` : sql`(${a} = ${b})`;
      case "!=":
        return sql`(${a} is distinct from ${b})`;
      case "<":
        return sql`(${a} < ${b})`;
      case "<=":
        return sql`(${a} <= ${b})`;
      case ">":
        return sql`(${a} > ${b})`;
      case ">=":
        return sql`(${a} >= ${b})`;
    }
  }

  private membership(n: Extract<IrNode, { k: "in" }>): Sql {
    const { needle, hay } = n;
    if (n.mode === "list") {
      const items = hay.k === "lit" && Array.isArray(hay.v) ? (hay.v as unknown[]).filter((v) => v !== null && v !== undefined) : [];
      if (items.length === 0) return sql`false`;
      const asText = needle.t === "uuid" && items.some((v) => !isUuidLike(v));
      const lhs =
        needle.k === "col" && needle.t === "decimal"
          ? this.o.fns.decimalValue(this.value(needle))
          : asText
            ? this.o.fns.asText(this.value(needle))
            : this.value(needle);
      const bound = items.map((v) => {
        const p = sql`${bindValue(v, hay.k === "lit" ? (hay.elem ?? "null") : "null")}`;
        return typeof v === "number" && !Number.isInteger(v) && needle.t === "int" ? this.o.fns.doubleValue(p) : p;
      });
      return sql`(${lhs} in (${sql.join(bound)}))`;
    }
    const source = hay as ColNode;
    if (n.mode === "jsonArray") return this.o.fns.jsonArrayIncludes(this.column(source), this.text(needle));
    const j = this.nextAlias("j");
    return sql`exists (select 1 from ${this.o.names.junction(source.collection, source.field.name)} as ${sql.id(j)} where ${sql.id(j, "source_id")} = ${this.ownerId(source)} and ${sql.id(j, "target_id")} = ${this.text(needle)})`;
  }

  private quantifier(n: Extract<IrNode, { k: "quant" }>): Sql {
    const j = this.nextAlias("j");
    const r = this.nextAlias("r");
    this.aliases[n.row] = r;
    const guard = this.o.guard?.(n.target, r) ?? null;
    const body = this.predicate(n.body);
    const from = sql`from ${this.o.names.junction(n.source.collection, n.source.field.name)} as ${sql.id(j)} join ${this.o.names.table(n.target)} as ${sql.id(r)} on ${sql.id(r, "id")} = ${sql.id(j, "target_id")}`;
    const where = sql`${sql.id(j, "source_id")} = ${this.ownerId(n.source)}${guard ? sql` and ${guard}` : sql``}`;
    return n.q === "exists"
      ? sql`exists (select 1 ${from} where ${where} and ${body})`
      : sql`(not exists (select 1 ${from} where ${where} and not coalesce(${body}, false)))`;
  }

  private column(n: ColNode): Sql {
    if (n.hops.length === 0) return this.o.names.column(n.collection, n.field.name, this.aliases[n.row]!);
    return this.through(n.row, n.hops, n.field.name);
  }

  /** The id of the record that owns a to-many field (the row itself, or the end of its relation path). */
  private ownerId(n: ColNode): Sql {
    if (n.hops.length === 0) return sql.id(this.aliases[n.row]!, "id");
    return this.through(n.row, n.hops, "id");
  }

  /** `(select aK.field from T1 a1 join T2 a2 … where a1.id = base.rel1)`: a value reached through to-one relations. */
  private through(row: number, hops: Hop[], field: string): Sql {
    const base = this.aliases[row]!;
    const owner = this.compiled.rows[row]!;
    const aliases = hops.map(() => this.nextAlias("h"));
    const first = hops[0]!;
    const guards: Sql[] = [];
    let from = sql`${this.o.names.table(first.target)} as ${sql.id(aliases[0]!)}`;
    const g0 = this.o.guard?.(first.target, aliases[0]!);
    if (g0) guards.push(g0);
    for (let i = 1; i < hops.length; i++) {
      const hop = hops[i]!;
      const g = this.o.guard?.(hop.target, aliases[i]!);
      from = sql`${from} join ${this.o.names.table(hop.target)} as ${sql.id(aliases[i]!)} on ${sql.id(aliases[i]!, "id")} = ${this.o.names.column(hops[i - 1]!.target, hop.field.name, aliases[i - 1]!)}${g ? sql` and ${g}` : sql``}`;
    }
    const last = hops[hops.length - 1]!;
    const link = sql`${sql.id(aliases[0]!, "id")} = ${this.o.names.column(owner, first.field.name, base)}`;
    const where = guards.length ? sql`${link} and ${sql.join(guards, sql` and `)}` : link;
    return sql`(select ${this.o.names.column(last.target, field, aliases[aliases.length - 1]!)} from ${from} where ${where})`;
  }
}

function isUuidLike(v: unknown): boolean {
  return typeof v === "string" && UUID.test(v);
}

/** A literal's internal value as a SQL parameter: times as ISO-8601 text. */
function bindable(n: Extract<IrNode, { k: "lit" }>): unknown {
  return bindValue(n.v, n.t);
}

function bindValue(v: unknown, t: IrNode["t"]): unknown {
  if (v === null || v === undefined) return null;
  if (t === "timestamp" && typeof v === "number") return new Date(v).toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  // Context values are not validated here (auth comes from elsewhere); PostgreSQL refuses NUL in text.
  if (typeof v === "string" && v.includes("\u0000")) return v.replace(/\u0000/g, "\ufffd");
  return v;
}
