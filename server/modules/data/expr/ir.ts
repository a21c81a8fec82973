import type { Field } from "../schema";
import type { ValueType } from "./value-type";

/**
 * The typed tree an expression compiles to, once per (collection version, expression). Rows:
 * binding 0 is the record the expression is about; `exists`/`all` bind more (the related
 * records). Nodes with `dep: false` depend only on the caller context (auth, body, time) and are
 * evaluated in JS before SQL is built, so SQL only ever sees columns and bound values.
 */
export type { ValueType };

export interface Span {
  start: number;
  end: number;
}

/** A to-one relation followed from one record to its target. */
export interface Hop {
  field: Field;
  /** The target collection's name. */
  target: string;
}

export type TimeName = "now" | "todayStart" | "todayEnd" | "monthStart" | "monthEnd" | "yearStart" | "yearEnd";

export type ContextRef = { kind: "auth"; key: "id" | "roles" | "type" } | { kind: "body"; field: Field } | { kind: "time"; name: TimeName };

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";
export type ArithOp = "+" | "-" | "*" | "/" | "%";

interface Base {
  t: ValueType;
  /** Whether the node reads record data (columns, related records). */
  dep: boolean;
  at: Span;
}

export type IrNode =
  | (Base & { k: "lit"; v: unknown; elem?: ValueType })
  | (Base & { k: "ctx"; ref: ContextRef; elem?: ValueType })
  | (Base & { k: "list"; items: IrNode[]; elem: ValueType })
  | (Base & { k: "col"; row: number; hops: Hop[]; field: Field; collection: string })
  | (Base & { k: "cmp"; op: CompareOp; l: IrNode; r: IrNode })
  | (Base & { k: "and" | "or"; l: IrNode; r: IrNode })
  | (Base & { k: "not"; e: IrNode })
  | (Base & { k: "in"; mode: "list" | "jsonArray" | "junction"; needle: IrNode; hay: IrNode })
  | (Base & { k: "str"; fn: "contains" | "startsWith" | "endsWith"; target: IrNode; arg: IrNode })
  | (Base & { k: "lower"; e: IrNode })
  | (Base & { k: "quant"; q: "exists" | "all"; row: number; source: IrNode & { k: "col" }; target: string; body: IrNode })
  | (Base & { k: "arith"; op: ArithOp; l: IrNode; r: IrNode })
  | (Base & { k: "neg"; e: IrNode })
  | (Base & { k: "fn"; fn: "timestamp" | "duration" | "dateOf"; arg: IrNode });

export type ColNode = Extract<IrNode, { k: "col" }>;
export type LitNode = Extract<IrNode, { k: "lit" }>;

/** A compiled filter or rule: what the SQL builder and the in-memory evaluator both run. */
export interface CompiledExpression {
  source: string;
  /** The collection binding 0 belongs to. */
  collection: string;
  root: IrNode;
  /** The collection of each row binding. */
  rows: string[];
  usesBody: boolean;
  usesAuth: boolean;
  /**
   * Relation paths (`author`, `author.org`, `tags`) the in-memory evaluator reads from
   * `record.expand`; fetch the record with these expanded before `evaluateExpression`.
   */
  expand: string[];
}
