/** What a database error was about, read from PostgreSQL error codes or SQLite's constraint codes. */
export interface DbErrorInfo {
  kind: "unique" | "not_null" | "foreign_key" | "conversion" | "other";
  /** PostgreSQL: the violated constraint or index name. */
  constraint?: string;
  /** SQLite: the columns named in the message (`table.column`, unqualified here). */
  columns?: string[];
}

export function classifyDbError(err: unknown): DbErrorInfo {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  const constraint = typeof e?.constraint === "string" ? e.constraint : undefined;
  if (code === "23505") return { kind: "unique", ...(constraint ? { constraint } : {}) };
  if (code === "23502") return { kind: "not_null" };
  if (code === "23503" || code === "23001") return { kind: "foreign_key", ...(constraint ? { constraint } : {}) };
  if (/^22/.test(code)) return { kind: "conversion" };
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    const list = message.split("failed:")[1] ?? "";
    return {
      kind: "unique",
      columns: list
        .split(",")
        .map((s) => s.trim().split(".").pop()!)
        .filter(Boolean),
    };
  }
  if (code === "SQLITE_CONSTRAINT_NOTNULL") return { kind: "not_null" };
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "SQLITE_CONSTRAINT_TRIGGER") return { kind: "foreign_key" };
  return { kind: "other" };
}

/** A short, stable reason for a failed migration step (no database text, which can name internals). */
export function applyFailureReason(err: unknown): string {
  switch (classifyDbError(err).kind) {
    case "unique":
      return "duplicate_values";
    case "not_null":
      return "null_values";
    case "foreign_key":
      return "invalid_references";
    case "conversion":
      return "conversion_failed";
    default:
      return "database_error";
  }
}
