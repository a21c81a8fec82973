"use client";

import { AlertTriangle, DatabaseBackup, Info, Loader2 } from "lucide-react";
import type { ReactNode } from "react";
import type { PlanStep, PlanWarning } from "../../server/modules/data/model/plan";
import { errorInfo } from "../console/errors";
import { LoadingRows } from "../console/states";
import type { MessageKey } from "../i18n/catalog";
import { useI18n } from "../i18n/i18n-provider";
import { Alert, AlertDescription, AlertTitle } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../ui/dialog";
import { cn } from "../ui/cn";

/** Warnings that mean rows or values may be gone (or kept aside) after the change. */
const DATA_LOSS = new Set<PlanWarning["code"]>(["data_retained", "conversion_may_lose_data", "options_removed"]);

export function warningText(w: PlanWarning, t: (key: MessageKey, vars?: Record<string, string | number>) => string): string {
  const target = w.field ? `${w.collection}.${w.field}` : w.collection;
  return t(`designer.warning_${w.code}` as MessageKey, { target, rows: w.rows ?? 0 });
}

export function WarningList({ warnings }: { warnings: PlanWarning[] }) {
  const { t } = useI18n();
  if (warnings.length === 0) return null;
  return (
    <ul className="flex flex-col gap-2" data-testid="plan-warnings">
      {warnings.map((w, i) => {
        const loss = DATA_LOSS.has(w.code);
        return (
          <li
            key={i}
            className={cn(
              "flex items-start gap-2 rounded-md border px-3 py-2 text-sm",
              loss
                ? "border-destructive/40 bg-destructive/10 text-destructive"
                : w.code === "data_restored"
                  ? "border-success/40 bg-success/10 text-success"
                  : "border-warning/40 bg-warning/10",
            )}
            data-testid={`plan-warning-${w.code}`}
            data-loss={loss ? "true" : undefined}
          >
            {loss ? (
              <AlertTriangle className="mt-0.5 size-4 shrink-0" />
            ) : w.code === "data_restored" ? (
              <DatabaseBackup className="mt-0.5 size-4 shrink-0" />
            ) : (
              <Info className="mt-0.5 size-4 shrink-0" />
            )}
            <span>{warningText(w, t)}</span>
          </li>
        );
      })}
    </ul>
  );
}

/** Ordered steps, each with its description and the SQL it runs. */
export function StepList({ steps, testId = "plan-steps" }: { steps: PlanStep[]; testId?: string }) {
  const { t } = useI18n();
  if (steps.length === 0) return <p className="text-sm text-muted-foreground">{t("designer.noSteps")}</p>;
  return (
    <ol className="flex flex-col gap-3" data-testid={testId}>
      {steps.map((s, i) => (
        <li key={i} className="flex flex-col gap-1">
          <div className="flex items-baseline gap-2 text-sm">
            <span className="w-6 shrink-0 text-right font-mono text-xs text-muted-foreground">{i + 1}.</span>
            <span>{s.description}</span>
            <span className="ml-auto shrink-0 font-mono text-[10px] text-muted-foreground uppercase">{s.action}</span>
          </div>
          {s.sql && (
            <pre className="ml-8 overflow-x-auto rounded-md bg-muted px-3 py-2 font-mono text-xs leading-relaxed whitespace-pre-wrap">
              {s.sql}
            </pre>
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * A migration plan in a dialog, before it runs: loading, the server's refusal (with the model's
 * issues), or the steps and warnings with a confirm button.
 */
export function PlanDialog(props: {
  title: string;
  description: string;
  plan: { steps: PlanStep[]; warnings: PlanWarning[] } | null;
  error: unknown;
  confirmLabel: string;
  confirmVariant?: "default" | "destructive";
  pending: boolean;
  onConfirm(): void;
  onClose(): void;
  /** Shown above the steps (e.g. a message field). */
  children?: ReactNode;
  /** What to offer when the plan failed (e.g. reload on a version conflict). */
  errorAction?: ReactNode;
}) {
  const { t } = useI18n();
  const info = props.error ? errorInfo(props.error) : null;
  return (
    <Dialog open onOpenChange={(o) => !o && props.onClose()}>
      <DialogContent closeLabel={t("common.close")} className="max-h-[90vh] overflow-y-auto sm:max-w-3xl" data-testid="plan-dialog">
        <DialogHeader>
          <DialogTitle>{props.title}</DialogTitle>
          <DialogDescription>{props.description}</DialogDescription>
        </DialogHeader>
        {info ? (
          <Alert variant="destructive" data-testid="plan-error">
            <AlertTriangle />
            <AlertTitle>{t("designer.planFailed")}</AlertTitle>
            <AlertDescription>
              <p>{info.message}</p>
              {Array.isArray(info.details.issues) && info.details.issues.length > 1 && (
                <ul className="mt-1 list-disc pl-4 font-mono text-xs">
                  {(info.details.issues as Array<{ path?: string; code?: string; message?: string }>).slice(0, 10).map((i, n) => (
                    <li key={n}>
                      {i.path}: {i.message ?? i.code}
                    </li>
                  ))}
                </ul>
              )}
              {props.errorAction && <div className="mt-2">{props.errorAction}</div>}
            </AlertDescription>
          </Alert>
        ) : !props.plan ? (
          <LoadingRows count={4} />
        ) : (
          <div className="flex flex-col gap-4">
            {props.children}
            <WarningList warnings={props.plan.warnings} />
            <div>
              <h3 className="mb-2 text-sm font-medium">{t("designer.stepsTitle", { count: props.plan.steps.length })}</h3>
              <StepList steps={props.plan.steps} />
            </div>
          </div>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={props.onClose}>
            {t("common.cancel")}
          </Button>
          <Button
            variant={props.confirmVariant ?? "default"}
            disabled={!props.plan || !!info || props.pending}
            onClick={props.onConfirm}
            data-testid="plan-confirm"
            aria-busy={props.pending}
          >
            {props.pending && <Loader2 className="animate-spin" />}
            {props.confirmLabel}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
