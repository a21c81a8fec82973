"use client";

import { AlertCircle, RefreshCw, type LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { useI18n } from "../i18n/i18n-provider";
import { Alert, AlertDescription, AlertTitle } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardContent } from "../ui/card";
import { Skeleton } from "../ui/skeleton";
import { errorInfo } from "./errors";

/** Placeholder rows while a list loads. */
export function LoadingRows({ count = 3, className }: { count?: number; className?: string }) {
  const { t } = useI18n();
  return (
    <div className={className ?? "flex flex-col gap-3 py-1"} data-testid="loading" role="status" aria-label={t("common.loading")}>
      {Array.from({ length: count }, (_, i) => (
        <Skeleton key={i} className="h-8 w-full" />
      ))}
    </div>
  );
}

/** A failed load: the server's message (already localized) and a retry. */
export function QueryError({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const { t } = useI18n();
  return (
    <Alert variant="destructive" data-testid="load-error">
      <AlertCircle />
      <AlertTitle>{title ?? t("common.loadFailed")}</AlertTitle>
      <AlertDescription>
        <p>{errorInfo(error).message}</p>
        {onRetry && (
          <Button variant="outline" size="sm" onClick={onRetry} className="mt-2">
            <RefreshCw />
            {t("common.retry")}
          </Button>
        )}
      </AlertDescription>
    </Alert>
  );
}

/** Nothing here yet, and what to do about it. */
export function EmptyState({ icon: Icon, title, body, action }: { icon: LucideIcon; title: string; body?: string; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed px-6 py-10 text-center" data-testid="empty-state">
      <div className="mb-1 flex size-10 items-center justify-center rounded-full bg-muted">
        <Icon className="size-5 text-muted-foreground" />
      </div>
      <p className="font-medium">{title}</p>
      {body && <p className="max-w-sm text-sm text-muted-foreground">{body}</p>}
      {action && <div className="mt-2">{action}</div>}
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-1 text-sm text-muted-foreground">{description}</p>}
      </div>
      {actions && <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

/** What `QueryCard` reads of a TanStack query. */
interface ListQuery<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/**
 * A list in a card, edge to edge: placeholder rows while it loads, the error with a retry, the
 * empty state when `empty` is given (the list has nothing), else the table `children` draws.
 */
export function QueryCard<T>({
  query,
  loadingRows = 3,
  empty,
  header,
  children,
}: {
  query: ListQuery<T>;
  loadingRows?: number;
  empty?: ReactNode;
  /** A card header above the list (title, description, actions). */
  header?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const inset = (node: ReactNode) => <div className="flex flex-col gap-4 p-5">{node}</div>;
  return (
    <Card className="py-0">
      {header}
      <CardContent className="px-0">
        {query.isPending
          ? inset(<LoadingRows count={loadingRows} />)
          : query.isError
            ? inset(<QueryError error={query.error} onRetry={() => query.refetch()} />)
            : empty
              ? inset(empty)
              : children(query.data as T)}
      </CardContent>
    </Card>
  );
}
