import type { Collection, Field } from "../../server/modules/data/schema";

// What the data browser and the rule editor know of a model, on the browser side (no server code).

export type { Collection, Field };
export type RecordRow = Record<string, unknown> & { id: string; created?: string; updated?: string; expand?: Record<string, unknown> };

export const OPERATIONS = ["list", "view", "create", "update", "delete"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** A problem in an expression, positioned in its source text (UTF-16 offsets). */
export interface ExpressionIssue {
  code: string;
  reason: string;
  start: number;
  end: number;
  field?: string;
}

/** Fields a user edits (autodate fields are set by the system). */
export const editableFields = (c: Collection): Field[] => c.fields.filter((f) => f.type !== "autodate");

/** Whether a column can be sorted on: not json, not a to-many relation, not a multi-select. */
export function sortable(f: Field): boolean {
  if (f.type === "json") return false;
  if ((f.type === "relation" || f.type === "select") && f.multiple) return false;
  return true;
}

/** The field that names a record of a collection in pickers: the first text-like field, else the id. */
export function labelField(c: Collection | undefined): string | null {
  return c?.fields.find((f) => f.type === "text" || f.type === "email")?.name ?? null;
}

/** A value shown in a table cell. */
export function formatValue(f: Field | undefined, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return f?.type === "json" ? JSON.stringify(value) : value.join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A cell's text: relations by the related record's label when expanded. */
export function cellText(f: Field, row: RecordRow, collections: readonly Collection[]): string {
  const value = row[f.name];
  if (f.type === "relation") {
    const label = labelField(collections.find((c) => c.name === f.collection));
    const expanded = row.expand?.[f.name];
    const name = (r: unknown) =>
      r && typeof r === "object" && label ? String((r as Record<string, unknown>)[label] ?? (r as { id: string }).id) : null;
    if (Array.isArray(expanded)) return expanded.map(name).filter(Boolean).join(", ");
    if (expanded) return name(expanded) ?? formatValue(f, value);
  }
  return formatValue(f, value);
}

/** `<input type="datetime-local">` value of an ISO date-time (local time). */
export function toLocalInput(iso: unknown): string {
  if (typeof iso !== "string" || !iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An ISO date-time (UTC) from a `datetime-local` value; "" stays empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The form text of a stored value, for the editors that work on text. */
export function toText(f: Field, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (f.type === "json") return JSON.stringify(value, null, 2);
  if (f.type === "datetime") return toLocalInput(value);
  return String(value);
}

/**
 * The API value of an edited text: numbers parsed, empty → null; json parsed (throws on bad JSON).
 * Values the server validates further (ranges, patterns) pass as they are.
 */
export function fromText(f: Field, text: string): unknown {
  const trimmed = text.trim();
  switch (f.type) {
    case "integer":
    case "number":
      return trimmed === "" ? null : Number(trimmed);
    case "decimal":
      return trimmed === "" ? null : trimmed;
    case "json":
      return trimmed === "" ? null : JSON.parse(trimmed);
    case "datetime":
      return fromLocalInput(trimmed);
    case "date":
    case "uuid":
    case "email":
    case "url":
      return trimmed === "" ? null : trimmed;
    default:
      return text === "" ? null : text;
  }
}

export interface Suggestion {
  /** The text inserted for the token being typed. */
  insert: string;
  /** A short note: the field's type, or what a name means. */
  detail: string;
}

const TIME_VALUES = ["@now", "@todayStart", "@todayEnd", "@monthStart", "@monthEnd", "@yearStart", "@yearEnd"];

/**
 * Completions for the token ending at the cursor: field names, relation paths (`author.name`),
 * and in rules `auth.id/roles/type` and (create/update) `body.<field>`.
 */
export function suggestionsFor(
  collections: readonly Collection[],
  collection: string,
  token: string,
  scope: { auth: boolean; body: boolean },
): Suggestion[] {
  const byName = new Map(collections.map((c) => [c.name, c]));
  const root = byName.get(collection);
  if (!root) return [];
  if (token.startsWith("@"))
    return TIME_VALUES.filter((v) => v.startsWith(token) && v !== token).map((v) => ({ insert: v, detail: "time" }));
  const parts = token.split(".");
  const prefix = parts.pop() ?? "";
  const fieldsOf = (c: Collection): Suggestion[] => [
    { insert: "id", detail: "id" },
    ...c.fields.map((f) => ({ insert: f.name, detail: f.type === "relation" ? `→ ${f.collection}` : f.type })),
    { insert: "created", detail: "datetime" },
    { insert: "updated", detail: "datetime" },
  ];
  let options: Suggestion[];
  if (parts.length === 0) {
    options = [
      ...fieldsOf(root),
      ...(scope.auth ? [{ insert: "auth", detail: "caller" }] : []),
      ...(scope.body ? [{ insert: "body", detail: "request body" }] : []),
    ];
  } else if (parts[0] === "auth" && parts.length === 1 && scope.auth) {
    options = [
      { insert: "id", detail: "string" },
      { insert: "roles", detail: "list" },
      { insert: "type", detail: "user | admin | apiKey | anonymous" },
    ];
  } else {
    // Walk relation paths (body.<field> starts at the collection itself).
    let current: Collection | undefined = root;
    const path = parts[0] === "body" && scope.body ? parts.slice(1) : parts;
    for (const name of path) {
      const f: Field | undefined = current?.fields.find((x) => x.name === name);
      current = f && f.type === "relation" ? byName.get(f.collection) : undefined;
    }
    options = current ? fieldsOf(current) : [];
  }
  return options.filter((o) => o.insert.startsWith(prefix) && o.insert !== prefix).slice(0, 12);
}

/** The identifier-path token (`author.na`) that ends at `cursor` in `text`. */
export function tokenAt(text: string, cursor: number): { token: string; start: number } {
  let start = cursor;
  while (start > 0 && /[A-Za-z0-9_.@]/.test(text[start - 1]!)) start--;
  return { token: text.slice(start, cursor), start };
}

/** A CEL string literal. */
export const celString = (s: string) => JSON.stringify(s);
