"use client";

import { useCallback, useRef, useState, type FormEvent, type ReactNode } from "react";
import type { z } from "zod";
import type { MessageKey } from "../i18n/catalog";
import { useI18n } from "../i18n/i18n-provider";
import { Label } from "../ui/label";
import { cn } from "../ui/cn";
import { errorInfo } from "./errors";

type Translate = ReturnType<typeof useI18n>["t"];

/** A zod issue (client side) or a server `invalid_input` issue, in the user's language. */
export function issueMessage(
  issue: { code: string; message: string; origin?: unknown; minimum?: unknown; maximum?: unknown; format?: unknown; input?: unknown },
  t: Translate,
  hint?: MessageKey,
): string {
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

export interface FormOptions {
  /** A message to show instead of the generic "invalid format" for a field, e.g. the slug rules. */
  hints?: Record<string, MessageKey>;
}

/**
 * Form state validated by the same zod schema the server uses. Field errors come from the
 * schema on submit and from the server's `invalid_input` issues after it answers.
 */
export function useZodForm<S extends z.ZodType<Record<string, unknown>, Record<string, unknown>>>(
  schema: S,
  initial: z.input<S>,
  options: FormOptions = {},
) {
  const { t } = useI18n();
  const [values, setValues] = useState<z.input<S>>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);

  const focusFirstError = useCallback((paths: string[]) => {
    const first = paths[0];
    if (!first) return;
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(first)}"]`)?.focus());
  }, []);

  const set = useCallback(<K extends keyof z.input<S> & string>(name: K, value: z.input<S>[K]) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      if (!(name in e)) return e;
      const { [name]: _gone, ...rest } = e;
      return rest;
    });
  }, []);

  /** The form field an issue belongs to: its full path when the form has it, else the first segment (`domains.2` → `domains`). */
  function fieldOf(path: string[]): string {
    const full = path.join(".");
    return full in (values as object) ? full : (path[0] ?? "");
  }

  function validate(): z.output<S> | null {
    const result = schema.safeParse(values);
    if (result.success) {
      setErrors({});
      return result.data;
    }
    const next: Record<string, string> = {};
    for (const issue of result.error.issues) {
      const path = fieldOf(issue.path.map(String));
      next[path] ??= issueMessage(issue as never, t, options.hints?.[path]);
    }
    setErrors(next);
    focusFirstError(Object.keys(next));
    return null;
  }

  return {
    values,
    errors,
    set,
    formRef,
    reset(next: z.input<S>) {
      setValues(next);
      setErrors({});
    },
    /** Props for an input bound to a string field. */
    text<K extends keyof z.input<S> & string>(name: K) {
      return {
        id: `field-${name}`,
        name,
        value: (values[name] as string | undefined) ?? "",
        onChange: (e: { target: { value: string } }) => set(name, e.target.value as z.input<S>[K]),
        "aria-invalid": errors[name] ? true : undefined,
        "aria-describedby": errors[name] ? `field-${name}-error` : undefined,
      };
    },
    /** Validates, then calls `onValid` with the parsed values. */
    submit(onValid: (data: z.output<S>) => void) {
      return (event: FormEvent) => {
        event.preventDefault();
        const data = validate();
        if (data) onValid(data);
      };
    },
    /**
     * Puts the server's `invalid_input` issues next to their fields. Returns true when it did, so
     * the caller can skip the toast.
     */
    serverError(error: unknown): boolean {
      const info = errorInfo(error);
      if (info.code !== "invalid_input" || info.issues.length === 0) return false;
      const next: Record<string, string> = {};
      for (const issue of info.issues) {
        const path = fieldOf(issue.path.split("."));
        next[path] ??= issueMessage(issue, t, options.hints?.[path]);
      }
      if (!Object.keys(next).some((p) => p in (values as object))) return false;
      setErrors(next);
      focusFirstError(Object.keys(next));
      return true;
    },
    /** Sets one field's error by hand, e.g. for a server code that names a field (`slug_taken`). */
    fieldError(name: string, message: string) {
      setErrors((e) => ({ ...e, [name]: message }));
      focusFirstError([name]);
    },
  };
}

/** A label, a control, and the control's hint or error below it. */
export function Field({
  id,
  label,
  error,
  hint,
  children,
  className,
}: {
  id: string;
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={cn("grid content-start gap-1.5", className)}>
      <Label htmlFor={id}>{label}</Label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="text-xs text-destructive" role="alert">
          {error}
        </p>
      ) : hint ? (
        <p className="text-xs text-muted-foreground">{hint}</p>
      ) : null}
    </div>
  );
}
