"use client";

import type { ReactNode } from "react";
import { useI18n } from "../i18n/i18n-provider";
import { cn } from "../ui/cn";
import { CopyButton } from "./copy-button";

/** A value to copy (a URL, an id): its label, the value in monospace, a copy button. */
export function CopyField({
  label,
  value,
  hint,
  testId,
  className,
}: {
  label: ReactNode;
  value: string;
  hint?: ReactNode;
  testId?: string;
  className?: string;
}) {
  const { t } = useI18n();
  return (
    <div className={cn("grid min-w-0 gap-1.5", className)}>
      <p className="text-sm font-medium">{label}</p>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 rounded-md border bg-muted/50 px-3 py-2 font-mono text-xs break-all" data-testid={testId}>
          {value}
        </code>
        <CopyButton value={value} size="icon" label={typeof label === "string" ? t("common.copyThing", { thing: label }) : undefined} />
      </div>
      {hint && <p className="text-xs text-muted-foreground">{hint}</p>}
    </div>
  );
}

/** A snippet to paste into a terminal, with a copy button in its corner. */
export function CodeBlock({ code, label, testId }: { code: string; label?: string; testId?: string }) {
  return (
    <div className="relative min-w-0">
      <pre className="overflow-x-auto rounded-md border bg-muted/50 py-3 pr-12 pl-3 font-mono text-xs leading-relaxed" data-testid={testId}>
        {code}
      </pre>
      <div className="absolute top-1.5 right-1.5">
        <CopyButton value={code} size="icon" variant="ghost" label={label} />
      </div>
    </div>
  );
}
