"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Ban, CircleCheck, KeyRound, Laptop, Link2, LogOut, MoreHorizontal, SearchX, Trash2 } from "lucide-react";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { ConfirmDelete } from "../../../../../../components/console/confirm-dialog";
import { CopyButton } from "../../../../../../components/console/copy-button";
import { errorInfo } from "../../../../../../components/console/errors";
import { describeUserAgent, formatDateTime, formatRelative } from "../../../../../../components/console/format";
import { EmptyState, LoadingRows, QueryError } from "../../../../../../components/console/states";
import { formatDuration } from "../../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { Avatar } from "../../../../../../components/shell/account-menu";
import { useTRPC } from "../../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../../components/ui/badge";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../../components/ui/card";
import { Checkbox } from "../../../../../../components/ui/checkbox";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "../../../../../../components/ui/dropdown-menu";
import { Label } from "../../../../../../components/ui/label";
import { Skeleton } from "../../../../../../components/ui/skeleton";
import type { AppUserDetail } from "../../../../../../server/modules/auth/admin";
import { RequirePermission, useProject } from "../../project-context";
import { useAuthSettings, useSessionMethod } from "../../use-auth";
import { UserStatus } from "../user-status";

type Confirming = "disable" | "revoke" | "delete" | null;
/** The user as the page shows it: identities carry their provider's display name. */
type UserView = Omit<AppUserDetail, "identities"> & { identities: Array<AppUserDetail["identities"][number] & { providerName: string }> };

function useUserKeys(userId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  return {
    detail: trpc.auth.users.get.queryKey({ project: ref, userId }),
    async refresh() {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.auth.users.get.queryKey({ project: ref, userId }) }),
        queryClient.invalidateQueries({ queryKey: trpc.auth.users.list.queryKey() }),
      ]);
    },
  };
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex items-center justify-between gap-4 py-2">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 text-right">{children}</dd>
    </div>
  );
}

function Details({ user }: { user: UserView }) {
  const { t, locale } = useI18n();
  const methods = [
    user.hasPassword ? t("appUsers.methodPassword") : null,
    ...user.identities.map((i) => t("appUsers.methodOauth", { provider: i.providerName })),
  ].filter(Boolean);
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("appUsers.details")}</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="divide-y text-sm">
          <Row label={t("appUsers.id")}>
            <span className="flex items-center justify-end gap-1 font-mono text-xs">
              {user.id}
              <CopyButton value={user.id} size="icon" variant="ghost" />
            </span>
          </Row>
          <Row label={t("appUsers.emailVerified")}>
            {user.emailVerified ? (
              <Badge variant="success">{t("appUsers.verified")}</Badge>
            ) : (
              <Badge variant="outline">{t("appUsers.unverified")}</Badge>
            )}
          </Row>
          <Row label={t("appUsers.twoFactor")}>
            {user.totpEnabled ? <Badge variant="secondary">{t("appUsers.on")}</Badge> : t("appUsers.off")}
          </Row>
          <Row label={t("appUsers.signInWith")}>
            <span className="inline-block first-letter:uppercase">{methods.length ? methods.join(", ") : t("appUsers.emailOnly")}</span>
          </Row>
          <Row label={t("appUsers.created")}>{formatDateTime(user.createdAt, locale)}</Row>
          <Row label={t("appUsers.lastSignIn")}>
            {user.lastSignInAt ? (
              <span title={formatDateTime(user.lastSignInAt, locale)}>{formatRelative(user.lastSignInAt, locale)}</span>
            ) : (
              t("appUsers.never")
            )}
          </Row>
        </dl>
      </CardContent>
    </Card>
  );
}

/** The user's app roles as checkboxes; saving replaces them all (`users.setRoles`). */
function Roles({ user }: { user: UserView }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref, project, can } = useProject();
  const keys = useUserKeys(user.id);
  const roles = useQuery(trpc.auth.roles.list.queryOptions({ project: ref }));
  const [chosen, setChosen] = useState<string[]>(user.roles);
  const manage = can("users:manage") && !project.archived;
  const dirty = [...chosen].sort().join("\n") !== [...user.roles].sort().join("\n");
  const save = useMutation(
    trpc.auth.users.setRoles.mutationOptions({
      onSuccess: async (u) => {
        toast.success(t("appUsers.rolesSaved", { email: u.email }));
        setChosen(u.roles);
        await keys.refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Card data-testid="user-roles">
      <CardHeader>
        <CardTitle>{t("appUsers.roles")}</CardTitle>
        <CardDescription>{t("appUsers.rolesDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {roles.isPending ? (
          <LoadingRows count={2} />
        ) : roles.isError ? (
          <QueryError error={roles.error} onRetry={() => roles.refetch()} />
        ) : roles.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            {t("appUsers.noRolesYet")}{" "}
            <Link
              href={`/projects/${encodeURIComponent(project.slug)}/app-roles`}
              className="font-medium text-foreground underline underline-offset-4"
            >
              {t("nav.appRoles")}
            </Link>
          </p>
        ) : (
          <ul className="grid gap-2 sm:grid-cols-2">
            {roles.data.map((r) => {
              const id = `role-${r.id}`;
              return (
                <li key={r.id} className="flex items-start gap-3 rounded-md border px-3 py-2">
                  <Checkbox
                    id={id}
                    checked={chosen.includes(r.name)}
                    disabled={!manage || save.isPending}
                    onCheckedChange={(v) => setChosen((c) => (v === true ? [...c, r.name] : c.filter((n) => n !== r.name)))}
                    className="mt-0.5"
                  />
                  <div className="grid min-w-0 gap-0.5">
                    <Label htmlFor={id} className="font-mono text-sm">
                      {r.name}
                    </Label>
                    {r.description && <p className="truncate text-xs text-muted-foreground">{r.description}</p>}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        {manage && roles.data && roles.data.length > 0 && (
          <div className="flex items-center gap-2">
            <Button
              onClick={() => save.mutate({ project: ref, userId: user.id, roles: chosen })}
              disabled={!dirty || save.isPending}
              data-testid="save-roles"
            >
              {t("appUsers.saveRoles")}
            </Button>
            {dirty && (
              <Button variant="ghost" onClick={() => setChosen(user.roles)} disabled={save.isPending}>
                {t("common.discard")}
              </Button>
            )}
            <p className="text-xs text-muted-foreground">{t("appUsers.rolesNextRefresh")}</p>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

function Sessions({ user, onRevokeAll }: { user: UserView; onRevokeAll: () => void }) {
  const { t, locale } = useI18n();
  const { can, project } = useProject();
  const method = useSessionMethod();
  return (
    <Card>
      <CardHeader>
        <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
          <div className="flex flex-col gap-1">
            <CardTitle>{t("appUsers.sessions")}</CardTitle>
            <CardDescription>{t("appUsers.sessionsDescription")}</CardDescription>
          </div>
          {can("users:manage") && !project.archived && (
            <Button variant="outline" size="sm" onClick={onRevokeAll} disabled={user.sessions.length === 0} data-testid="revoke-sessions">
              <LogOut />
              {t("appUsers.revokeAll")}
            </Button>
          )}
        </div>
      </CardHeader>
      <CardContent>
        {user.sessions.length === 0 ? (
          <p className="py-4 text-center text-sm text-muted-foreground" data-testid="no-sessions">
            {t("appUsers.noSessions")}
          </p>
        ) : (
          <ul className="divide-y" data-testid="user-sessions">
            {user.sessions.map((s) => {
              const ua = describeUserAgent(s.userAgent);
              return (
                <li key={s.id} className="flex items-center gap-3 py-3">
                  <Laptop className="size-5 shrink-0 text-muted-foreground" />
                  <div className="min-w-0 flex-1">
                    <p className="text-sm font-medium">
                      {ua ? (ua.os ? t("account.browserOn", { browser: ua.browser, os: ua.os }) : ua.browser) : t("account.unknownDevice")}
                    </p>
                    <p className="text-xs text-muted-foreground" title={formatDateTime(s.createdAt, locale)}>
                      {[
                        s.ip ?? "—",
                        method(s.authMethod),
                        t("account.lastSeen", { when: formatRelative(s.refreshedAt, locale) }),
                        t("appUsers.sessionExpires", { when: formatRelative(s.expiresAt, locale) }),
                      ].join(" · ")}
                    </p>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function Identities({ user }: { user: UserView }) {
  const { t, locale } = useI18n();
  if (user.identities.length === 0) return null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("appUsers.identities")}</CardTitle>
        <CardDescription>{t("appUsers.identitiesDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <ul className="divide-y">
          {user.identities.map((i) => (
            <li key={i.providerId} className="flex items-center gap-3 py-2 text-sm">
              <Link2 className="size-4 text-muted-foreground" />
              <span className="font-medium">{i.providerName}</span>
              <span className="min-w-0 flex-1 truncate text-muted-foreground">{i.email ?? "—"}</span>
              <span className="text-xs text-muted-foreground">{formatDateTime(i.createdAt, locale)}</span>
            </li>
          ))}
        </ul>
      </CardContent>
    </Card>
  );
}

function ConfirmDialogs({ user, confirming, onClose }: { user: UserView; confirming: Confirming; onClose: () => void }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { ref, project } = useProject();
  const keys = useUserKeys(user.id);
  const settings = useAuthSettings();
  const ttl = settings.data ? formatDuration(settings.data.accessTokenTtlSeconds, locale) : "…";
  const disable = useMutation(
    trpc.auth.users.setDisabled.mutationOptions({
      onSuccess: async (u) => {
        toast.success(u.disabled ? t("appUsers.disabledToast", { email: u.email }) : t("appUsers.enabledToast", { email: u.email }));
        await keys.refresh();
      },
    }),
  );
  const revoke = useMutation(
    trpc.auth.users.revokeSessions.mutationOptions({
      onSuccess: async (r) => {
        toast.success(t("appUsers.sessionsRevoked", { email: user.email, count: r.revoked }));
        await keys.refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.auth.users.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(t("appUsers.deleted", { email: user.email }));
        router.push(`/projects/${encodeURIComponent(project.slug)}/users`);
        await queryClient.invalidateQueries({ queryKey: trpc.auth.users.list.queryKey() });
      },
    }),
  );
  if (!confirming) return null;
  const spec = {
    disable: {
      title: t("appUsers.disableTitle", { email: user.email }),
      body: t("appUsers.disableBody", { ttl }),
      action: t("appUsers.disable"),
      run: () => disable.mutateAsync({ project: ref, userId: user.id, disabled: true }),
    },
    revoke: {
      title: t("appUsers.revokeTitle", { email: user.email }),
      body: t("appUsers.revokeBody", { ttl }),
      action: t("appUsers.revokeAll"),
      run: () => revoke.mutateAsync({ project: ref, userId: user.id }),
    },
    delete: {
      title: t("appUsers.deleteTitle", { email: user.email }),
      body: t("appUsers.deleteBody"),
      action: t("appUsers.delete"),
      run: () => remove.mutateAsync({ project: ref, userId: user.id }),
    },
  }[confirming];
  return <ConfirmDelete title={spec.title} description={spec.body} confirmLabel={spec.action} onConfirm={spec.run} onClose={onClose} />;
}

function UserActions({ user, onConfirm }: { user: UserView; onConfirm: (c: Confirming) => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref } = useProject();
  const keys = useUserKeys(user.id);
  const enable = useMutation(
    trpc.auth.users.setDisabled.mutationOptions({
      onSuccess: async (u) => {
        toast.success(t("appUsers.enabledToast", { email: u.email }));
        await keys.refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const reset = useMutation(
    trpc.auth.users.sendPasswordReset.mutationOptions({
      onSuccess: () => toast.success(t("appUsers.resetSent", { email: user.email })),
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button
        variant="outline"
        onClick={() => reset.mutate({ project: ref, userId: user.id })}
        disabled={reset.isPending || user.disabled}
        data-testid="send-reset"
      >
        <KeyRound />
        {t("appUsers.sendReset")}
      </Button>
      {user.disabled ? (
        <Button
          variant="outline"
          onClick={() => enable.mutate({ project: ref, userId: user.id, disabled: false })}
          disabled={enable.isPending}
          data-testid="enable-user"
        >
          <CircleCheck />
          {t("appUsers.enable")}
        </Button>
      ) : (
        <Button variant="outline" onClick={() => onConfirm("disable")} data-testid="disable-user">
          <Ban />
          {t("appUsers.disable")}
        </Button>
      )}
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button variant="ghost" size="icon" aria-label={t("appUsers.moreActions")}>
            <MoreHorizontal />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="end">
          <DropdownMenuItem onSelect={() => onConfirm("delete")} className="text-destructive focus:text-destructive">
            <Trash2 />
            {t("appUsers.delete")}
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
    </div>
  );
}

function AppUser() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref, project, can } = useProject();
  const params = useParams<{ userId: string }>();
  const userId = decodeURIComponent(params.userId);
  const user = useQuery(trpc.auth.users.get.queryOptions({ project: ref, userId }));
  const providers = useQuery(trpc.auth.providers.list.queryOptions({ project: ref }));
  const [confirming, setConfirming] = useState<Confirming>(null);
  const back = `/projects/${encodeURIComponent(project.slug)}/users`;

  if (user.isError && errorInfo(user.error).code === "app_user_not_found")
    return (
      <div className="mx-auto max-w-xl py-12">
        <EmptyState
          icon={SearchX}
          title={t("appUsers.notFoundTitle")}
          body={t("appUsers.notFoundBody")}
          action={
            <Button asChild variant="outline">
              <Link href={back}>{t("appUsers.backToUsers")}</Link>
            </Button>
          }
        />
      </div>
    );
  // Identities name their provider by id; the console shows its display name.
  const named: UserView | undefined = user.data && {
    ...user.data,
    identities: user.data.identities.map((i) => ({
      ...i,
      providerName: providers.data?.find((p) => p.id === i.providerId)?.displayName ?? i.providerId,
    })),
  };
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <Link href={back} className="flex w-fit items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" />
        {t("appUsers.backToUsers")}
      </Link>
      {user.isPending ? (
        <div className="flex flex-col gap-4" data-testid="loading">
          <Skeleton className="h-10 w-72" />
          <Skeleton className="h-48 w-full" />
        </div>
      ) : user.isError ? (
        <QueryError error={user.error} onRetry={() => user.refetch()} />
      ) : (
        <>
          <div className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
            <div className="flex min-w-0 items-center gap-4">
              <Avatar name={user.data.name || user.data.email} className="size-12 text-base" />
              <div className="min-w-0">
                <h1 className="flex flex-wrap items-center gap-2 text-2xl font-semibold tracking-tight">
                  <span className="truncate">{user.data.name || user.data.email}</span>
                  <UserStatus user={user.data} />
                </h1>
                <p className="truncate text-sm text-muted-foreground">{user.data.email}</p>
              </div>
            </div>
            {can("users:manage") && !project.archived && <UserActions user={named!} onConfirm={setConfirming} />}
          </div>
          <div className="grid gap-6 lg:grid-cols-2">
            <Details user={named!} />
            <Roles key={user.data.roles.join("\n")} user={named!} />
          </div>
          <Sessions user={named!} onRevokeAll={() => setConfirming("revoke")} />
          <Identities user={named!} />
          <ConfirmDialogs user={named!} confirming={confirming} onClose={() => setConfirming(null)} />
        </>
      )}
    </div>
  );
}

export default function AppUserPage() {
  return (
    <RequirePermission permission="users:read">
      <AppUser />
    </RequirePermission>
  );
}
