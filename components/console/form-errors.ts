import type { FieldErrors, FieldValues, Resolver } from "react-hook-form";
import type { z } from "zod";
import type { MessageKey } from "../i18n/catalog";
import { errorInfo, withIssuePaths, type ErrorInfo } from "./errors";

/** Translates a message key, as `useI18n().t` does. */
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** What the console reads from a zod issue (client side) or a server `invalid_input` issue. */
export interface FormIssue {
  code: string;
  message: string;
  origin?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  format?: unknown;
  input?: unknown;
}

/** A zod issue (client side) or a server `invalid_input` issue, in the user's language. */
export function issueMessage(issue: FormIssue, t: Translate, hint?: MessageKey): string {
  switch (issue.code) {
    case "too_small":
      if (issue.origin === "string")
        return Number(issue.minimum) <= 1 ? t("forms.required") : t("forms.minLength", { min: Number(issue.minimum) });
      if (issue.origin === "number") return t("forms.minValue", { min: Number(issue.minimum) });
      return t("forms.tooSmall");
    case "too_big":
      if (issue.origin === "string") return t("forms.maxLength", { max: Number(issue.maximum) });
      if (issue.origin === "number") return t("forms.maxValue", { max: Number(issue.maximum) });
      return t("forms.tooBig");
    case "invalid_format":
      if (hint) return t(hint);
      if (issue.format === "email") return t("forms.email");
      if (issue.format === "url") return t("forms.url");
      return t("forms.invalidFormat");
    case "invalid_type":
      return issue.input === undefined ? t("forms.required") : t("forms.invalid");
    case "invalid_value":
    case "invalid_union":
      return t("forms.invalid");
    default:
      return hint ? t(hint) : issue.message;
  }
}

/** The form field an issue belongs to: its full path when the form has it, else the first segment (`domains.2` → `domains`). */
export function fieldOf(path: readonly PropertyKey[], fields: object): string {
  const segments = path.map(String);
  const full = segments.join(".");
  return full in fields ? full : (segments[0] ?? "");
}

/** One message per field (its first issue), keyed by field name in the order the issues came. */
export function fieldMessages(
  issues: ReadonlyArray<FormIssue & { path: readonly PropertyKey[] }>,
  fields: object,
  message: (issue: FormIssue, field: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path, fields);
    out[field] ??= message(issue, field);
  }
  return out;
}

/** The messages as react-hook-form errors (flat: every field of a console form is a top-level value). */
export function asFieldErrors(messages: Record<string, string>, type: string): FieldErrors {
  return Object.fromEntries(Object.entries(messages).map(([field, message]) => [field, { type, message }]));
}

/**
 * A react-hook-form resolver over a zod schema (the server's, or one built from its parts): the
 * parsed output on success, else each field's first issue in the user's language. Written here
 * rather than taken from @hookform/resolvers, whose zod resolver keeps only an issue's message
 * and code: in zod 4 a schema's own message (the server's English regex texts) outranks any
 * error map given at parse time, so a localized message needs the issue's details (min, max, format).
 */
export function zodFormResolver<S extends z.ZodType<FieldValues, FieldValues>>(
  schema: S,
  message: (issue: FormIssue, field: string) => string,
): Resolver<FieldValues, unknown, z.output<S>> {
  return async (values) => {
    const result = await schema.safeParseAsync(values);
    if (result.success) return { values: result.data, errors: {} };
    return { values: {}, errors: asFieldErrors(fieldMessages(result.error.issues as never, values, message), "validate") };
  };
}

/** How a form reads a failed call: which server codes name one of its fields, how its issue paths map to its fields. */
export interface ServerErrorOptions {
  /** Error codes that name one field: `{ slug_taken: "slug" }`. */
  codes?: Record<string, string>;
  /** The field a coded error belongs to when its details decide it, or undefined to leave it to the issues or a toast. */
  fieldFor?: (info: ErrorInfo) => string | undefined;
  /** The form field of a server issue path when the procedure's input is shaped differently (`provider.issuer` → `issuer`). */
  issuePath?: (path: string) => string | undefined;
}

/**
 * The messages a failed call puts next to the form's fields, or null when none of them belongs to
 * a field of this form (the caller shows the error another way).
 */
export function serverFieldMessages(
  error: unknown,
  fields: object,
  message: (issue: FormIssue, field: string) => string,
  options: ServerErrorOptions = {},
): Record<string, string> | null {
  const info = errorInfo(error);
  const field = (Object.hasOwn(options.codes ?? {}, info.code) ? options.codes![info.code] : undefined) ?? options.fieldFor?.(info);
  if (field !== undefined) return { [field]: info.message };
  const issues = errorInfo(options.issuePath ? withIssuePaths(error, options.issuePath) : error).issues;
  if (info.code !== "invalid_input" || issues.length === 0) return null;
  const messages = fieldMessages(
    issues.map((i) => ({ ...i, path: i.path.split(".") })),
    fields,
    message,
  );
  return Object.keys(messages).some((f) => f in fields) ? messages : null;
}
