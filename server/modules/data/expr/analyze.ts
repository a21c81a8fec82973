import type { ASTNode } from "@marcbachmann/cel-js";
import { fieldKind } from "../fields/registry";
import { isRealDate, MAX_TIME, MIN_TIME, type Field } from "../schema";
import { isRelation, type ModelIndex } from "../model/normalize";
import type { ArithOp, CompareOp, CompiledExpression, ContextRef, Hop, IrNode, Span, TimeName, ValueType } from "./ir";
import { fail, parseExpression } from "./parse";
import { reason } from "./reasons";

export interface CompileOptions {
  model: ModelIndex;
  /** The collection the expression is about (binding 0). */
  collection: string;
  /** Whether `body.<field>` (the request body) may be used: create and update rules. */
  allowBody: boolean;
}

const TIME_NAMES = new Set<TimeName>(["now", "todayStart", "todayEnd", "monthStart", "monthEnd", "yearStart", "yearEnd"]);
const MAX_HOPS = 3;
const MAX_ROWS = 4;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The value type a field has in expressions (its type's `valueType`). */
export function valueTypeOf(field: Field): ValueType {
  return fieldKind(field).valueType(field);
}

type Family = "num" | "str" | "timestamp" | "date" | "bool" | "json" | "duration" | "null" | "strings" | "ids" | "list";

export function familyOf(t: ValueType): Family {
  if (t === "int" || t === "double" || t === "decimal") return "num";
  if (t === "string" || t === "uuid") return "str";
  return t;
}

/**
 * Compiles a filter or rule into the typed tree both the SQL builder and the in-memory evaluator
 * run. Throws ExpressionError (positioned) for syntax errors, unknown fields, type mismatches and
 * constructs that have no SQL translation.
 */
export function compileExpression(source: string, options: CompileOptions): CompiledExpression {
  const ast = parseExpression(source);
  const analyzer = new Analyzer(options);
  const root = analyzer.predicate(ast);
  return {
    source,
    collection: options.collection,
    root,
    rows: analyzer.rows,
    usesBody: analyzer.usesBody,
    usesAuth: analyzer.usesAuth,
    expand: [...analyzer.expand].sort(),
  };
}

function span(n: ASTNode): Span {
  return { start: n.start, end: n.end };
}

class Analyzer {
  readonly rows: string[];
  /** The `expand` path of each binding's records, relative to the root record. */
  private readonly rowPaths: string[] = [""];
  private readonly vars = new Map<string, number>();
  usesBody = false;
  usesAuth = false;
  readonly expand = new Set<string>();

  constructor(private readonly options: CompileOptions) {
    if (!options.model.collections.has(options.collection)) throw new Error(`no collection ${options.collection}`);
    this.rows = [options.collection];
  }

  predicate(n: ASTNode): IrNode {
    const e = this.node(n);
    if (e.t !== "bool") fail("type_mismatch", reason("not_a_condition", { found: { type: e.t } }), span(n));
    return e;
  }

  node(n: ASTNode): IrNode {
    switch (n.op) {
      case "value":
        return literal(n.args, span(n));
      case "id":
      case ".": {
        const names = pathOf(n);
        if (!names) return fail("unsupported_expression", reason("only_field_paths"), span(n));
        return this.resolvePath(names, span(n));
      }
      case "list": {
        const items = n.args.map((item) => this.node(item));
        const kinds = new Set(items.filter((i) => i.t !== "null").map((i) => familyOf(i.t)));
        if (kinds.size > 1) fail("type_mismatch", reason("list_mixed_types"), span(n));
        for (const item of items) {
          if (item.dep) fail("unsupported_expression", reason("list_of_fields"), item.at);
          if (item.t === "list" || item.t === "strings" || item.t === "ids" || item.t === "json")
            fail("unsupported_expression", reason("list_of_lists"), item.at);
        }
        const elem = items.find((i) => i.t !== "null")?.t ?? "null";
        return { k: "list", t: "list", dep: false, at: span(n), items, elem };
      }
      case "call": {
        const [name, args] = n.args;
        if ((name === "timestamp" || name === "duration") && args.length === 1) {
          const arg = this.node(args[0]!);
          if (arg.t !== "string" || arg.dep) fail("type_mismatch", reason("fn_takes_text_value", { fn: name }), span(n));
          if (arg.k === "lit") {
            if (name === "timestamp" && Number.isNaN(parseIsoTime(arg.v as string)))
              fail("type_mismatch", reason("not_iso_time", { value: JSON.stringify(arg.v) }), arg.at);
            if (name === "duration" && parseDuration(arg.v as string) === null)
              fail("type_mismatch", reason("not_duration", { value: JSON.stringify(arg.v) }), arg.at);
          }
          return { k: "fn", fn: name, arg, t: name === "timestamp" ? "timestamp" : "duration", dep: false, at: span(n) };
        }
        return fail("unsupported_expression", reason("fn_not_supported", { fn: name }), span(n));
      }
      case "rcall":
        return this.methodCall(n as Extract<ASTNode, { op: "rcall" }>);
      case "!_": {
        const e = this.predicate(n.args);
        return { k: "not", e, t: "bool", dep: e.dep, at: span(n) };
      }
      case "-_": {
        const e = this.node(n.args);
        if (e.dep || !(familyOf(e.t) === "num" || e.t === "duration")) fail("unsupported_expression", reason("negation_numbers"), span(n));
        return { k: "neg", e, t: e.t, dep: false, at: span(n) };
      }
      case "&&":
      case "||": {
        const l = this.predicate(n.args[0]);
        const r = this.predicate(n.args[1]);
        return { k: n.op === "&&" ? "and" : "or", l, r, t: "bool", dep: l.dep || r.dep, at: span(n) };
      }
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
        return this.compare(n.op, n.args[0], n.args[1], span(n));
      case "in":
        return this.membership(n.args[0], n.args[1], span(n));
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
        return this.arithmetic(n.op, n.args[0], n.args[1], span(n));
      case "?:":
        return fail("unsupported_expression", reason("conditional_not_supported"), span(n));
      case "map":
        return fail("unsupported_expression", reason("map_not_supported"), span(n));
      default:
        return fail("unsupported_expression", reason("operator_not_supported", { op: n.op }), span(n));
    }
  }

  private resolvePath(names: string[], at: Span): IrNode {
    const [root, ...rest] = names as [string, ...string[]];
    const bound = this.vars.get(root);
    if (bound !== undefined) {
      if (rest.length === 0) return this.walk(bound, ["id"], at);
      return this.walk(bound, rest, at);
    }
    if (root === "auth") {
      this.usesAuth = true;
      const key = rest[0];
      if (rest.length !== 1 || (key !== "id" && key !== "roles" && key !== "type")) {
        return fail("unknown_field", reason("auth_fields"), at, names.join("."));
      }
      const ref: ContextRef = { kind: "auth", key };
      return key === "roles"
        ? { k: "ctx", ref, t: "list", elem: "string", dep: false, at }
        : { k: "ctx", ref, t: "string", dep: false, at };
    }
    if (root === "body") {
      if (!this.options.allowBody) return fail("unknown_field", reason("body_only_in_writes"), at, "body");
      if (rest.length !== 1) return fail("unsupported_expression", reason("body_one_field"), at);
      const field = this.fieldOf(this.options.collection, rest[0]!, at);
      this.usesBody = true;
      const t = valueTypeOf(field);
      return {
        k: "ctx",
        ref: { kind: "body", field },
        t,
        ...(t === "strings" || t === "ids" ? { elem: "string" as const } : {}),
        dep: false,
        at,
      };
    }
    if (root.startsWith("_") && rest.length === 0 && TIME_NAMES.has(root.slice(1) as TimeName)) {
      return { k: "ctx", ref: { kind: "time", name: root.slice(1) as TimeName }, t: "timestamp", dep: false, at };
    }
    if (root.startsWith("_")) return fail("unknown_field", reason("unknown_time_value", { name: root.slice(1) }), at, root);
    return this.walk(0, names, at);
  }

  private fieldOf(collection: string, name: string, at: Span): Field {
    const field = this.options.model.collections.get(collection)!.fields.get(name);
    if (!field) return fail("unknown_field", reason("no_such_field", { collection, field: name }), at, name);
    return field;
  }

  /** Resolves `a.b.c` from a binding: each step but the last must be a to-one relation. */
  private walk(row: number, names: string[], at: Span): IrNode & { k: "col" } {
    const hops: Hop[] = [];
    let collection = this.rows[row]!;
    const path: string[] = this.rowPaths[row] ? [this.rowPaths[row]!] : [];
    for (let i = 0; i < names.length; i++) {
      const field = this.fieldOf(collection, names[i]!, at);
      const last = i === names.length - 1;
      if (last) return { k: "col", row, hops, field, collection, t: valueTypeOf(field), dep: true, at };
      if (!isRelation(field))
        return fail("unsupported_expression", reason("not_a_relation", { field: field.name }), at, names.slice(0, i + 2).join("."));
      if (field.multiple) return fail("unsupported_expression", reason("to_many_path", { field: field.name }), at, field.name);
      // `author.id` is the relation column itself: no join needed.
      if (names[i + 1] === "id" && i + 1 === names.length - 1)
        return { k: "col", row, hops, field, collection, t: "string", dep: true, at };
      if (hops.length >= MAX_HOPS) return fail("unsupported_expression", reason("too_many_hops", { max: MAX_HOPS }), at);
      hops.push({ field, target: field.collection });
      path.push(field.name);
      this.expand.add(path.join("."));
      collection = field.collection;
    }
    return fail("invalid_expression", reason("empty_path"), at);
  }

  private methodCall(n: Extract<ASTNode, { op: "rcall" }>): IrNode {
    const [name, receiver, args] = n.args;
    const at = span(n);
    if (name === "exists" || name === "all") {
      const variable = args[0];
      if (args.length !== 2 || !variable || variable.op !== "id")
        return fail("invalid_expression", reason("quantifier_args", { fn: name }), at);
      const source = this.node(receiver);
      if (source.k !== "col" || source.t !== "ids")
        return fail("unsupported_expression", reason("quantifier_on_to_many", { fn: name }), source.at);
      if (this.rows.length >= MAX_ROWS) return fail("unsupported_expression", reason("too_many_quantifiers", { max: MAX_ROWS - 1 }), at);
      const target = (source.field as Extract<Field, { type: "relation" }>).collection;
      const row = this.rows.length;
      this.rows.push(target);
      const parentPath = [this.rowPaths[source.row], ...source.hops.map((h) => h.field.name), source.field.name].filter(Boolean).join(".");
      this.rowPaths.push(parentPath);
      this.expand.add(parentPath);
      const previous = this.vars.get(variable.args);
      this.vars.set(variable.args, row);
      const body = this.predicate(args[1]!);
      if (previous === undefined) this.vars.delete(variable.args);
      else this.vars.set(variable.args, previous);
      return { k: "quant", q: name, row, source, target, body, t: "bool", dep: true, at };
    }
    if (name === "contains" || name === "startsWith" || name === "endsWith") {
      const target = this.node(receiver);
      if (familyOf(target.t) !== "str")
        return fail("type_mismatch", reason("method_on_text", { fn: name, found: { type: target.t } }), target.at);
      if (args.length !== 1) return fail("invalid_expression", reason("method_one_arg", { fn: name }), at);
      const arg = this.node(args[0]!);
      if (familyOf(arg.t) !== "str") return fail("type_mismatch", reason("method_text_arg", { fn: name, found: { type: arg.t } }), arg.at);
      return { k: "str", fn: name, target, arg, t: "bool", dep: target.dep || arg.dep, at };
    }
    if (name === "lowerAscii" && args.length === 0) {
      const e = this.node(receiver);
      if (familyOf(e.t) !== "str") return fail("type_mismatch", reason("method_on_text", { fn: "lowerAscii", found: { type: e.t } }), e.at);
      return { k: "lower", e, t: "string", dep: e.dep, at };
    }
    return fail("unsupported_expression", reason("method_not_supported", { fn: name }), at);
  }

  private compare(op: CompareOp, a: ASTNode, b: ASTNode, at: Span): IrNode {
    let l = this.node(a);
    let r = this.node(b);
    [l, r] = coerce(l, r);
    [r, l] = coerce(r, l);
    const fl = familyOf(l.t);
    const fr = familyOf(r.t);
    if (fl === "null" || fr === "null") {
      if (op !== "==" && op !== "!=") fail("type_mismatch", reason("null_compare"), at);
      return { k: "cmp", op, l, r, t: "bool", dep: l.dep || r.dep, at };
    }
    if (fl !== fr) fail("type_mismatch", reason("compare_types", { left: { type: l.t }, right: { type: r.t } }), at);
    if (fl === "json" || fl === "strings" || fl === "ids" || fl === "list")
      fail("unsupported_expression", reason("compare_only_null", { found: { type: l.t } }), at);
    if (op !== "==" && op !== "!=" && fl === "bool") fail("type_mismatch", reason("bool_order", { op }), at);
    for (const [col, other] of [
      [l, r],
      [r, l],
    ] as const) {
      if (col.t === "uuid" && other.k === "lit" && typeof other.v === "string" && !UUID.test(other.v))
        fail("type_mismatch", reason("not_uuid", { value: JSON.stringify(other.v) }), other.at);
    }
    return { k: "cmp", op, l, r, t: "bool", dep: l.dep || r.dep, at };
  }

  private membership(a: ASTNode, b: ASTNode, at: Span): IrNode {
    const needle = this.node(a);
    const hay = this.node(b);
    const fn = familyOf(needle.t);
    if (hay.t === "list") {
      const elem = hay.k === "list" || hay.k === "ctx" ? (hay.elem ?? "null") : "null";
      if (fn === "list" || fn === "strings" || fn === "ids" || fn === "json")
        fail("unsupported_expression", reason("in_needle", { found: { type: needle.t } }), needle.at);
      if (elem !== "null" && fn !== "null" && familyOf(elem) !== fn)
        fail("type_mismatch", reason("in_list_types", { found: { type: needle.t }, elem: { type: elem } }), at);
      return { k: "in", mode: "list", needle, hay, t: "bool", dep: needle.dep || hay.dep, at };
    }
    if (hay.t === "strings" || hay.t === "ids") {
      if (fn !== "str" && fn !== "null")
        fail("type_mismatch", reason("in_hay_type", { found: { type: needle.t }, hay: { type: hay.t } }), at);
      if (hay.k !== "col" && !(hay.k === "ctx")) fail("unsupported_expression", reason("in_needs_list"), hay.at);
      if (hay.k === "ctx") return { k: "in", mode: "list", needle, hay, t: "bool", dep: needle.dep, at };
      return { k: "in", mode: hay.t === "strings" ? "jsonArray" : "junction", needle, hay, t: "bool", dep: true, at };
    }
    return fail("type_mismatch", reason("in_needs_list_not", { found: { type: hay.t } }), hay.at);
  }

  private arithmetic(op: ArithOp, a: ASTNode, b: ASTNode, at: Span): IrNode {
    const l = this.node(a);
    const r = this.node(b);
    if (l.dep || r.dep) fail("unsupported_expression", reason("arithmetic_values"), at);
    const fl = familyOf(l.t);
    const fr = familyOf(r.t);
    let t: ValueType | null = null;
    if (fl === "num" && fr === "num" && op !== "%") t = l.t === "int" && r.t === "int" && op !== "/" ? "int" : "double";
    else if (fl === "num" && fr === "num" && op === "%") t = l.t === "int" && r.t === "int" ? "int" : null;
    else if (l.t === "timestamp" && r.t === "duration" && (op === "+" || op === "-")) t = "timestamp";
    else if (l.t === "duration" && r.t === "timestamp" && op === "+") t = "timestamp";
    else if (l.t === "timestamp" && r.t === "timestamp" && op === "-") t = "duration";
    else if (l.t === "duration" && r.t === "duration" && (op === "+" || op === "-")) t = "duration";
    else if (fl === "str" && fr === "str" && op === "+") t = "string";
    if (!t) return fail("type_mismatch", reason("arithmetic_types", { op, left: { type: l.t }, right: { type: r.t } }), at);
    return { k: "arith", op, l, r, t, dep: false, at };
  }
}

/** Lets a text literal stand for a time or date when compared with one. */
function coerce(side: IrNode, other: IrNode): [IrNode, IrNode] {
  if (side.t === "timestamp" && other.k === "lit" && other.t === "string") {
    const v = other.v as string;
    if (Number.isNaN(parseIsoTime(v))) fail("type_mismatch", reason("not_iso_time", { value: JSON.stringify(v) }), other.at);
    return [side, { ...other, t: "timestamp", v: parseIsoTime(v) }];
  }
  if (side.t === "date" && other.k === "lit" && other.t === "string") {
    const v = other.v as string;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || !isRealDate(v)) fail("type_mismatch", reason("not_date", { value: JSON.stringify(v) }), other.at);
    return [side, { ...other, t: "date" }];
  }
  if (side.t === "date" && other.t === "timestamp" && !other.dep) {
    return [side, { k: "fn", fn: "dateOf", arg: other, t: "date", dep: false, at: other.at }];
  }
  return [side, other];
}

function literal(v: unknown, at: Span): IrNode {
  if (v === null) return { k: "lit", v: null, t: "null", dep: false, at };
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) fail("type_mismatch", reason("int_range"), at);
    return { k: "lit", v: Number(v), t: "int", dep: false, at };
  }
  if (typeof v === "number") {
    if (!Number.isFinite(v)) fail("type_mismatch", reason("number_range"), at);
    return { k: "lit", v, t: "double", dep: false, at };
  }
  if (typeof v === "string") {
    if (v.includes("\u0000")) fail("invalid_expression", reason("nul_char"), at);
    return { k: "lit", v, t: "string", dep: false, at };
  }
  if (typeof v === "boolean") return { k: "lit", v, t: "bool", dep: false, at };
  return fail("unsupported_expression", reason("bytes_unsupported"), at);
}

function pathOf(n: ASTNode): string[] | null {
  if (n.op === "id") return [n.args];
  if (n.op === ".") {
    const base = pathOf(n.args[0]);
    return base ? [...base, n.args[1]] : null;
  }
  return null;
}

/** Milliseconds of an ISO-8601 date or date-time; a time without a zone is UTC. NaN when invalid. */
export function parseIsoTime(text: string): number {
  if (!ISO_DATETIME.test(text)) return Number.NaN;
  let s = text.replace(" ", "T");
  if (s.length === 10) s += "T00:00:00Z";
  else if (!/(Z|[+-]\d{2}:?\d{2})$/.test(s)) s += "Z";
  const ms = Date.parse(s);
  return ms >= MIN_TIME && ms <= MAX_TIME ? ms : Number.NaN;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s|d)/y;

/** Parses a Go/CEL-style duration ("1h30m", "-15m", "2d") into milliseconds, or null. */
export function parseDuration(text: string): number | null {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith("-")) {
    sign = -1;
    s = s.slice(1);
  }
  if (s === "" || s.length > 64) return null;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let pos = 0;
  while (pos < s.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(s);
    if (!m) return null;
    total += Number(m[1]) * unit[m[2]!]!;
    pos = DURATION_PART.lastIndex;
  }
  return sign * total;
}
