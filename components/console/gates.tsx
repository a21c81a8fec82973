"use client";

import type { ReactNode } from "react";
import { useI18n } from "../i18n/i18n-provider";
import { AppShell, Logo } from "../shell/app-shell";
import { LanguageSwitch, ThemeSwitch } from "../shell/preferences";
import { Card, CardContent } from "../ui/card";
import { Skeleton } from "../ui/skeleton";
import { AccountProvider, useGate } from "./session";
import { QueryError } from "./states";

type ConsoleState = NonNullable<ReturnType<typeof useGate>["state"]["data"]>;

/** The whole console while the session is being read: the shape of the shell, no content. */
export function ShellSkeleton() {
  const { t } = useI18n();
  return (
    <div className="flex min-h-svh" role="status" aria-label={t("common.loading")} data-testid="shell-loading">
      <div className="hidden w-60 border-r bg-sidebar p-4 md:flex md:flex-col md:gap-3">
        <Skeleton className="h-7 w-28" />
        <Skeleton className="mt-6 h-8" />
        <Skeleton className="h-8" />
      </div>
      <div className="flex flex-1 flex-col">
        <div className="h-14 border-b" />
        <div className="flex flex-col gap-4 p-8">
          <Skeleton className="h-8 w-64" />
          <Skeleton className="h-40 w-full max-w-4xl" />
        </div>
      </div>
    </div>
  );
}

/** Pages behind sign-in: redirects to setup, sign-in or 2FA enrolment as the state says, else the shell. */
export function ConsoleGate({ children }: { children: ReactNode }) {
  const { state, redirecting } = useGate("console");
  if (state.isError)
    return (
      <div className="mx-auto max-w-md p-8">
        <QueryError error={state.error} onRetry={() => state.refetch()} />
      </div>
    );
  if (!state.data?.account || redirecting) return <ShellSkeleton />;
  return (
    <AccountProvider account={state.data.account}>
      <AppShell>{children}</AppShell>
    </AccountProvider>
  );
}

/** The frame of pages outside the shell: sign-in, setup, invitations. */
export function PublicFrame({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-svh flex-col bg-muted/40">
      <header className="flex h-14 items-center justify-between px-4 md:px-6">
        <Logo />
        <div className="flex items-center gap-1">
          <LanguageSwitch />
          <ThemeSwitch />
        </div>
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pt-[6vh] pb-16">{children}</main>
    </div>
  );
}

export function PublicCardSkeleton() {
  const { t } = useI18n();
  return (
    <Card className="w-full max-w-sm" role="status" aria-label={t("common.loading")}>
      <CardContent className="flex flex-col gap-4">
        <Skeleton className="h-6 w-40" />
        <Skeleton className="h-4 w-56" />
        <Skeleton className="h-9" />
        <Skeleton className="h-9" />
        <Skeleton className="h-9" />
      </CardContent>
    </Card>
  );
}

/**
 * A page outside the shell. `mode` says who may see it: guests only (sign-in), a fresh instance
 * (setup), an account that must enrol in 2FA, or anyone (links from mails).
 */
export function PublicPage({
  mode,
  children,
}: {
  mode: "guest" | "setup" | "enrolment" | "open";
  children: (state: ConsoleState) => ReactNode;
}) {
  const { state, redirecting } = useGate(mode);
  if (state.isError)
    return (
      <div className="w-full max-w-sm">
        <QueryError error={state.error} onRetry={() => state.refetch()} />
      </div>
    );
  if (!state.data || redirecting) return <PublicCardSkeleton />;
  return <>{children(state.data)}</>;
}
