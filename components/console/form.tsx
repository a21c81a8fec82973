"use client";

import { useCallback, useRef, type FormEvent, type ReactNode, type RefObject } from "react";
import { useForm, useWatch, type FieldValues } from "react-hook-form";
import { toast } from "sonner";
import type { z } from "zod";
import type { MessageKey } from "../i18n/catalog";
import { useI18n } from "../i18n/i18n-provider";
import { cn } from "../ui/cn";
import { Label } from "../ui/label";
import { errorInfo } from "./errors";
import { issueMessage, serverFieldMessages, zodFormResolver, type FormIssue, type ServerErrorOptions } from "./form-errors";

export { issueMessage, type ServerErrorOptions } from "./form-errors";

/** A zod schema over a form's flat values: the server's, or one built from its parts. */
export type FormSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/** A form's state and handlers: `In` is what its inputs hold, `Out` what the schema parses that to. */
export interface ZodForm<In, Out> {
  values: In;
  /** Each field's message, in the user's language. */
  errors: Record<string, string>;
  /** True while an async submit handler runs. */
  pending: boolean;
  formRef: RefObject<HTMLFormElement | null>;
  /** Sets a field's value and clears its error. */
  set<K extends keyof In & string>(name: K, value: In[K]): void;
  reset(next: In): void;
  /** Props for an input bound to a string field. */
  text<K extends keyof In & string>(name: K): TextInputProps;
  /** Validates, then calls `onValid` with the parsed values (awaited: `pending` holds meanwhile). */
  submit(onValid: (data: Out) => unknown): (event: FormEvent) => void;
  /**
   * Puts the server's `invalid_input` issues (or the field a coded error names) next to their
   * fields. Returns true when it did, so the caller can skip the toast.
   */
  serverError(error: unknown, options?: ServerErrorOptions): boolean;
  /** A failed call's message: by its fields when it names some, else in a toast. */
  showError(error: unknown, options?: ServerErrorOptions): void;
  /** Sets one field's error by hand, e.g. for a check only the page makes. */
  fieldError(name: keyof In & string, message: string): void;
}

export interface TextInputProps {
  id: string;
  name: string;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

export interface FormOptions {
  /** A message to show instead of the generic "invalid format" for a field, e.g. the slug rules. */
  hints?: Record<string, MessageKey>;
}

/**
 * Form state (react-hook-form) validated by the same zod schema the server uses. Field errors come
 * from the schema on submit and from the server's `invalid_input` issues (or a code that names a
 * field) after it answers; editing a field clears its error.
 */
export function useZodForm<S extends FormSchema>(
  schema: S,
  initial: z.input<S>,
  options: FormOptions = {},
): ZodForm<z.input<S>, z.output<S>> {
  type Values = z.input<S>;
  const { t } = useI18n();
  const message = (issue: FormIssue, field: string) => issueMessage(issue, t, options.hints?.[field]);
  // Typed loosely inside (react-hook-form's paths do not resolve over a generic schema); the methods below are typed by the schema.
  const form = useForm<FieldValues, unknown, z.output<S>>({
    resolver: zodFormResolver(schema, message),
    defaultValues: initial,
    mode: "onSubmit",
    reValidateMode: "onSubmit",
    // The inputs are controlled, not registered: the first field in error is focused by name below.
    shouldFocusError: false,
  });
  const values = useWatch({ control: form.control }) as Values;
  const errors: Record<string, string> = {};
  for (const [field, error] of Object.entries(form.formState.errors)) if (error?.message) errors[field] = String(error.message);
  const formRef = useRef<HTMLFormElement>(null);

  const focusFirstError = useCallback((fields: string[]) => {
    const first = fields[0];
    if (!first) return;
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(first)}"]`)?.focus());
  }, []);

  function set<K extends keyof Values & string>(name: K, value: Values[K]) {
    form.setValue(name as string, value as unknown);
    if (form.getFieldState(name).error) form.clearErrors(name);
  }

  function serverError(error: unknown, errorOptions?: ServerErrorOptions): boolean {
    const fields = serverFieldMessages(error, form.getValues(), message, errorOptions);
    if (!fields) return false;
    form.clearErrors();
    for (const [field, text] of Object.entries(fields)) form.setError(field, { type: "server", message: text });
    focusFirstError(Object.keys(fields));
    return true;
  }

  return {
    values,
    errors,
    pending: form.formState.isSubmitting,
    set,
    formRef,
    reset(next: Values) {
      form.reset(next);
    },
    text<K extends keyof Values & string>(name: K) {
      return {
        id: `field-${name}`,
        name,
        value: (values[name] as string | undefined) ?? "",
        onChange: (e: { target: { value: string } }) => set(name, e.target.value as Values[K]),
        "aria-invalid": errors[name] ? true : undefined,
        "aria-describedby": errors[name] ? `field-${name}-error` : undefined,
      };
    },
    submit(onValid: (data: z.output<S>) => unknown) {
      return (event: FormEvent) =>
        form.handleSubmit(
          async (data) => {
            await onValid(data);
          },
          (invalid) => focusFirstError(Object.keys(invalid)),
        )(event);
    },
    serverError,
    showError(error: unknown, errorOptions?: ServerErrorOptions) {
      if (!serverError(error, errorOptions)) toast.error(errorInfo(error).message);
    },
    fieldError(name: keyof Values & string, text: string) {
      form.setError(name, { type: "server", message: text });
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
