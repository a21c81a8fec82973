"use client";

import { useQuery } from "@tanstack/react-query";
import { AlertCircle, CheckCircle2 } from "lucide-react";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { MessageKey } from "../i18n/catalog";
import { useI18n } from "../i18n/i18n-provider";
import { useTRPC } from "../trpc/trpc-provider";
import { cn } from "../ui/cn";
import { Input } from "../ui/input";
import { Textarea } from "../ui/textarea";
import { suggestionsFor, tokenAt, type Collection, type ExpressionIssue, type Operation, type Suggestion } from "./model";

function useDebouncedValue<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Validate-as-you-type: the server's check of a filter or rule against the current model, a
 * moment after typing stops. `issue` is the first problem with its position; `checking` while the
 * latest text has not been checked yet.
 */
export function useExpressionCheck(
  project: string,
  collection: string,
  expression: string,
  kind: "filter" | "rule",
  operation?: Operation,
) {
  const trpc = useTRPC();
  const settled = useDebouncedValue(expression, 250);
  const check = useQuery({
    ...trpc.records.checkExpression.queryOptions({ project, collection, expression: settled, kind, ...(operation ? { operation } : {}) }),
    enabled: collection !== "" && settled.trim() !== "",
    staleTime: 60_000,
    placeholderData: (previous) => previous,
  });
  const current = settled === expression && !check.isFetching;
  const result = settled.trim() === "" ? { valid: true as const } : check.data;
  const issue: ExpressionIssue | null = result && !result.valid ? (result.errors[0] ?? null) : null;
  return { issue: current ? issue : null, valid: current && result?.valid === true, checking: !current, error: check.error };
}

const EXPRESSION_CODES = ["invalid_expression", "unknown_field", "type_mismatch", "unsupported_expression"];

/** The expression with the problem's range marked, and the problem in words. */
export function ExpressionIssueView({ source, issue, testId }: { source: string; issue: ExpressionIssue; testId?: string }) {
  const { t } = useI18n();
  const start = Math.min(issue.start, source.length);
  const end = Math.max(start, Math.min(issue.end, source.length));
  return (
    <div className="flex flex-col gap-1 text-sm" data-testid={testId ?? "expression-error"} role="alert">
      <pre className="overflow-x-auto rounded-md bg-destructive/5 px-2 py-1 font-mono text-xs whitespace-pre-wrap dark:bg-destructive/15">
        {source.slice(0, start)}
        <mark className="rounded-sm bg-destructive/25 text-foreground underline decoration-destructive decoration-wavy">
          {source.slice(start, end) || " "}
        </mark>
        {source.slice(end)}
      </pre>
      <p className="flex items-start gap-1.5 text-destructive">
        <AlertCircle className="mt-0.5 size-3.5 shrink-0" />
        <span>
          {t("browser.exprErrorAt", {
            problem: EXPRESSION_CODES.includes(issue.code) ? t(`browser.exprCode_${issue.code}` as MessageKey) : issue.code,
            position: start + 1,
            reason: issue.reason,
          })}{" "}
          <code className="font-mono text-xs opacity-70">{issue.code}</code>
        </span>
      </p>
    </div>
  );
}

/**
 * A one-line (filter) or multi-line (rule) CEL input with completion of field names, relation
 * paths, `auth.*` and `body.*`. Arrow keys move through the suggestions, Enter or Tab takes one;
 * Enter on a one-line input without suggestions submits.
 */
export function ExpressionInput({
  value,
  onChange,
  onSubmit,
  collections,
  collection,
  scope = { auth: false, body: false },
  multiline = false,
  invalid = false,
  valid = false,
  disabled,
  placeholder,
  ariaLabel,
  testId,
  className,
}: {
  value: string;
  onChange: (value: string) => void;
  onSubmit?: () => void;
  collections: readonly Collection[];
  collection: string;
  scope?: { auth: boolean; body: boolean };
  multiline?: boolean;
  invalid?: boolean;
  valid?: boolean;
  disabled?: boolean;
  placeholder?: string;
  ariaLabel: string;
  testId?: string;
  className?: string;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [open, setOpen] = useState<{ items: Suggestion[]; start: number; cursor: number } | null>(null);
  const [active, setActive] = useState(0);
  const listId = `${testId ?? "expression"}-suggestions`;

  function refresh(text: string, cursor: number | null) {
    if (cursor === null) return setOpen(null);
    const { token, start } = tokenAt(text, cursor);
    const items = token === "" ? [] : suggestionsFor(collections, collection, token, scope);
    setActive(0);
    setOpen(items.length ? { items, start: start + token.lastIndexOf(".") + 1, cursor } : null);
  }

  function accept(s: Suggestion) {
    if (!open) return;
    const next = value.slice(0, open.start) + s.insert + value.slice(open.cursor);
    const caret = open.start + s.insert.length;
    onChange(next);
    setOpen(null);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(caret, caret);
    });
  }

  function onKeyDown(e: KeyboardEvent) {
    if (open) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        return setActive((a) => (a + 1) % open.items.length);
      }
      if (e.key === "ArrowUp") {
        e.preventDefault();
        return setActive((a) => (a - 1 + open.items.length) % open.items.length);
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        return accept(open.items[active]!);
      }
      if (e.key === "Escape") {
        e.preventDefault();
        return setOpen(null);
      }
    }
    if (e.key === "Enter" && !multiline && onSubmit) {
      e.preventDefault();
      onSubmit();
    }
  }

  const shared = {
    ref,
    value,
    disabled,
    placeholder,
    "aria-label": ariaLabel,
    "aria-invalid": invalid || undefined,
    "aria-autocomplete": "list" as const,
    "aria-controls": open ? listId : undefined,
    "aria-expanded": open !== null,
    role: "combobox",
    spellCheck: false,
    autoComplete: "off",
    "data-testid": testId,
    onChange: (e: { target: { value: string; selectionStart: number | null } }) => {
      onChange(e.target.value);
      refresh(e.target.value, e.target.selectionStart);
    },
    onKeyDown,
    onBlur: () => setTimeout(() => setOpen(null), 150),
    className: cn("font-mono text-sm", valid && "border-emerald-500/60 dark:border-emerald-400/50", className),
  };

  return (
    <div className="relative w-full">
      {multiline ? <Textarea rows={2} {...shared} /> : <Input {...shared} />}
      {valid && value.trim() !== "" && (
        <CheckCircle2
          className="pointer-events-none absolute top-2.5 right-2.5 size-4 text-emerald-600 dark:text-emerald-400"
          aria-label={t("browser.exprValid")}
        />
      )}
      {open && (
        <ul
          id={listId}
          role="listbox"
          className="absolute top-full left-0 z-50 mt-1 max-h-64 min-w-56 overflow-y-auto rounded-md border bg-popover p-1 text-popover-foreground shadow-md"
          data-testid="expression-suggestions"
        >
          {open.items.map((s, i) => (
            <li
              key={s.insert}
              role="option"
              aria-selected={i === active}
              className={cn(
                "flex cursor-pointer items-center justify-between gap-4 rounded-sm px-2 py-1 font-mono text-sm",
                i === active && "bg-accent text-accent-foreground",
              )}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(s);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span>{s.insert}</span>
              <span className="text-xs text-muted-foreground">{s.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
