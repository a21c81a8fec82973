"use client";

import { Globe, Lock, Code2 } from "lucide-react";
import { useEffect, useState } from "react";
import type { MessageKey } from "../i18n/catalog";
import { useI18n } from "../i18n/i18n-provider";
import { cn } from "../ui/cn";
import { ExpressionInput, ExpressionIssueView, useExpressionCheck } from "./expression-input";
import { OPERATIONS, type Collection, type Operation } from "./model";

export type RuleSet = Record<Operation, string | null>;
export type RuleMode = "locked" | "public" | "custom";

/** How a rule reads: null locks it to admins, "" opens it to everyone, anything else must hold. */
export const modeOf = (rule: string | null): RuleMode => (rule === null ? "locked" : rule.trim() === "" ? "public" : "custom");

const MODES: Array<{ mode: RuleMode; icon: typeof Lock }> = [
  { mode: "locked", icon: Lock },
  { mode: "public", icon: Globe },
  { mode: "custom", icon: Code2 },
];

const DEFAULT_EXPRESSION: Record<Operation, string> = {
  list: "auth.id != null",
  view: "auth.id != null",
  create: "auth.id != null",
  update: "auth.id != null",
  delete: "auth.id != null",
};

/** One operation's rule: its mode and, for a custom rule, the expression checked as it is typed. */
function RuleRow({
  project,
  collection,
  collections,
  operation,
  rule,
  readOnly,
  onChange,
  onValidity,
}: {
  project: string;
  collection: Collection;
  collections: readonly Collection[];
  operation: Operation;
  rule: string | null;
  readOnly?: boolean;
  onChange: (rule: string | null) => void;
  onValidity: (operation: Operation, ok: boolean) => void;
}) {
  const { t } = useI18n();
  const mode = modeOf(rule);
  // The custom text survives switching to another mode and back.
  const [custom, setCustom] = useState(mode === "custom" ? rule! : DEFAULT_EXPRESSION[operation]);
  const text = mode === "custom" ? rule! : custom;
  const check = useExpressionCheck(project, collection.name, mode === "custom" ? text : "", "rule", operation);
  const ok = mode !== "custom" || (check.valid && !check.checking);
  useEffect(() => onValidity(operation, ok), [operation, ok, onValidity]);
  const setMode = (next: RuleMode) => onChange(next === "locked" ? null : next === "public" ? "" : custom);
  return (
    <section className="flex flex-col gap-3 border-b px-5 py-4 last:border-b-0" data-testid={`rule-${operation}`}>
      <div className="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
        <div>
          <h3 className="font-medium">{t(`rules.op_${operation}` as MessageKey)}</h3>
          <p className="text-sm text-muted-foreground">{t(`rules.opHint_${operation}` as MessageKey)}</p>
        </div>
        <div
          role="radiogroup"
          aria-label={t("rules.modeFor", { operation: t(`rules.op_${operation}` as MessageKey) })}
          className="inline-flex shrink-0 rounded-md border p-0.5"
        >
          {MODES.map(({ mode: m, icon: Icon }) => (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={mode === m}
              disabled={readOnly}
              onClick={() => setMode(m)}
              data-testid={`rule-${operation}-${m}`}
              className={cn(
                "flex items-center gap-1.5 rounded px-2.5 py-1 text-sm transition-colors disabled:cursor-not-allowed",
                mode === m
                  ? "bg-primary text-primary-foreground"
                  : "text-muted-foreground hover:bg-muted hover:text-foreground disabled:hover:bg-transparent",
              )}
            >
              <Icon className="size-3.5" />
              {t(`rules.mode_${m}` as MessageKey)}
            </button>
          ))}
        </div>
      </div>
      {mode === "custom" ? (
        <div className="flex flex-col gap-2">
          <ExpressionInput
            value={text}
            onChange={(v) => {
              setCustom(v);
              onChange(v);
            }}
            collections={collections}
            collection={collection.name}
            scope={{ auth: true, body: operation === "create" || operation === "update" }}
            multiline
            disabled={readOnly}
            invalid={check.issue !== null}
            valid={check.valid}
            ariaLabel={t("rules.expressionFor", { operation: t(`rules.op_${operation}` as MessageKey) })}
            testId={`rule-input-${operation}`}
          />
          {check.issue ? (
            <ExpressionIssueView source={text} issue={check.issue} testId={`rule-error-${operation}`} />
          ) : text.trim() === "" ? (
            <p className="text-xs text-muted-foreground">{t("rules.emptyCustom")}</p>
          ) : (
            <p className="text-xs text-muted-foreground">
              {operation === "create" || operation === "update" ? t("rules.customHintBody") : t("rules.customHint")}
            </p>
          )}
        </div>
      ) : (
        <p className="text-sm text-muted-foreground" data-testid={`rule-summary-${operation}`}>
          {t(mode === "locked" ? "rules.lockedHint" : "rules.publicHint")}
        </p>
      )}
    </section>
  );
}

/**
 * A collection's access rules, one row per operation (list, view, create, update, delete): locked
 * (project admins and API keys with the permission only), public (everyone), or a custom CEL
 * expression over the record's fields, `auth.*` and (create/update) `body.*`, validated as it is
 * typed. `onValidityChange` says whether every custom rule currently checks out.
 */
export function RuleEditor({
  project,
  collection,
  collections,
  value,
  onChange,
  readOnly,
  onValidityChange,
}: {
  project: string;
  collection: Collection;
  collections: readonly Collection[];
  value: RuleSet;
  onChange: (rules: RuleSet) => void;
  readOnly?: boolean;
  onValidityChange?: (valid: boolean) => void;
}) {
  const [validity, setValidity] = useState<Partial<Record<Operation, boolean>>>({});
  const onValidity = useState(
    () => (operation: Operation, ok: boolean) => setValidity((v) => (v[operation] === ok ? v : { ...v, [operation]: ok })),
  )[0];
  const allValid = OPERATIONS.every((op) => validity[op] !== false);
  useEffect(() => onValidityChange?.(allValid), [allValid, onValidityChange]);
  return (
    <div className="flex flex-col" data-testid="rule-editor">
      {OPERATIONS.map((op) => (
        <RuleRow
          key={op}
          project={project}
          collection={collection}
          collections={collections}
          operation={op}
          rule={value[op]}
          readOnly={readOnly}
          onChange={(rule) => onChange({ ...value, [op]: rule })}
          onValidity={onValidity}
        />
      ))}
    </div>
  );
}
