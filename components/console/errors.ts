/** What the console reads from a failed tRPC call: the stable code, the localized message, field issues. */
export interface ServerIssue {
  path: string;
  code: string;
  message: string;
}

export interface ErrorInfo {
  code: string;
  status: number;
  /** Already in the user's language (the server picks it from the locale cookie). */
  message: string;
  details: Record<string, unknown>;
  issues: ServerIssue[];
}

export function errorInfo(error: unknown): ErrorInfo {
  const e = error as { message?: string; data?: { code?: string; httpStatus?: number; details?: Record<string, unknown> } | null };
  const details = e?.data?.details ?? {};
  const issues = Array.isArray(details.issues) ? (details.issues as ServerIssue[]) : [];
  return {
    code: e?.data?.code ?? "network_error",
    status: e?.data?.httpStatus ?? 0,
    message: e?.message || String(error),
    details,
    issues,
  };
}

export function errorCode(error: unknown): string {
  return errorInfo(error).code;
}

/**
 * The same error with its `invalid_input` issue paths renamed, for a form whose fields are named
 * differently from the procedure's input (`provider.issuer` → `issuer`). Paths `rename` leaves
 * undefined are dropped.
 */
export function withIssuePaths(error: unknown, rename: (path: string) => string | undefined): unknown {
  const info = errorInfo(error);
  if (info.code !== "invalid_input") return error;
  const issues = info.issues.flatMap((issue) => {
    const path = rename(issue.path);
    return path === undefined ? [] : [{ ...issue, path }];
  });
  return { message: info.message, data: { code: info.code, httpStatus: info.status, details: { ...info.details, issues } } };
}
