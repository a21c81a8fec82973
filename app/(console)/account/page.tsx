"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Laptop, LogOut, MailCheck, ShieldCheck, ShieldOff } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { NewPasswordField } from "../../../components/console/account-fields";
import { FormAlert } from "../../../components/console/auth-card";
import { Field, useZodForm } from "../../../components/console/form";
import { FormDialog } from "../../../components/console/form-dialog";
import { describeUserAgent, formatDateTime, formatRelative } from "../../../components/console/format";
import { useAccount } from "../../../components/console/session";
import { LoadingRows, PageHeader, QueryError } from "../../../components/console/states";
import { TotpEnrollment } from "../../../components/console/totp-enrollment";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Badge } from "../../../components/ui/badge";
import { Button } from "../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../components/ui/card";
import { Input } from "../../../components/ui/input";
import { changePasswordInput, disableTotpInput, updateProfileInput } from "../../../server/modules/accounts/schema";

function useRefreshState() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.accounts.state.queryKey() });
}

function Profile() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const account = useAccount();
  const refresh = useRefreshState();
  const form = useZodForm(updateProfileInput, { name: account.name });
  const update = useMutation(
    trpc.accounts.updateProfile.mutationOptions({
      onSuccess: async () => {
        toast.success(t("account.profileSaved"));
        await refresh();
      },
      onError: (e) => form.showError(e),
    }),
  );
  const verify = useMutation(
    trpc.accounts.requestEmailVerification.mutationOptions({
      onSuccess: () => toast.success(t("account.verificationSent", { email: account.email })),
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("account.profile")}</CardTitle>
        <CardDescription>{t("account.profileDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form ref={form.formRef} noValidate className="flex max-w-lg flex-col gap-4" onSubmit={form.submit((d) => update.mutate(d))}>
          <Field id="field-name" label={t("fields.name")} error={form.errors.name}>
            <Input {...form.text("name")} autoComplete="name" />
          </Field>
          <div className="grid gap-1.5">
            <span className="text-sm font-medium">{t("fields.email")}</span>
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span>{account.email}</span>
              {account.emailVerified ? (
                <Badge variant="success">{t("account.verified")}</Badge>
              ) : (
                <>
                  <Badge variant="outline">{t("account.unverified")}</Badge>
                  <Button
                    type="button"
                    variant="link"
                    size="sm"
                    className="h-auto p-0"
                    onClick={() => verify.mutate()}
                    disabled={verify.isPending}
                  >
                    <MailCheck />
                    {t("account.sendVerification")}
                  </Button>
                </>
              )}
            </div>
          </div>
          <Button type="submit" className="self-start" disabled={update.isPending || form.values.name.trim() === account.name}>
            {t("common.save")}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}

const passwordForm = changePasswordInput
  .extend({ confirm: z.string() })
  .refine((v) => v.next === v.confirm, { path: ["confirm"], message: "mismatch" });

function Password() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(passwordForm, { current: "", next: "", confirm: "" }, { hints: { confirm: "fields.passwordMismatch" } });
  const change = useMutation(
    trpc.accounts.changePassword.mutationOptions({
      onSuccess: async () => {
        toast.success(t("account.passwordChanged"));
        form.reset({ current: "", next: "", confirm: "" });
        await queryClient.invalidateQueries({ queryKey: trpc.accounts.sessions.queryKey() });
      },
      onError: (e) => form.showError(e, { codes: { invalid_credentials: "current" } }),
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("account.password")}</CardTitle>
        <CardDescription>{t("account.passwordDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          ref={form.formRef}
          noValidate
          className="flex max-w-lg flex-col gap-4"
          onSubmit={form.submit((d) => change.mutate({ current: d.current, next: d.next }))}
        >
          <Field id="field-current" label={t("fields.currentPassword")} error={form.errors.current}>
            <Input {...form.text("current")} type="password" autoComplete="current-password" />
          </Field>
          <NewPasswordField form={form} name="next" label={t("fields.newPassword")} />
          <Field id="field-confirm" label={t("fields.confirmPassword")} error={form.errors.confirm}>
            <Input {...form.text("confirm")} type="password" autoComplete="new-password" />
          </Field>
          <Button type="submit" className="self-start" disabled={change.isPending}>
            {t("account.changePassword")}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}

function DisableTotpDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const refresh = useRefreshState();
  const form = useZodForm(disableTotpInput, { password: "", code: "" }, { hints: { code: "signIn.codeHint" } });
  const disable = useMutation(
    trpc.accounts.totp.disable.mutationOptions({
      onSuccess: async () => {
        toast.success(t("account.totpDisabled"));
        await refresh();
      },
    }),
  );
  return (
    <FormDialog
      form={form}
      title={t("account.disableTotpTitle")}
      description={t("account.disableTotpBody")}
      submitLabel={t("account.disableTotp")}
      submitVariant="destructive"
      before={<FormAlert message={disable.isError ? disable.error.message : null} />}
      // A wrong password or code is said above the form, not in a toast.
      onError={() => {}}
      onSubmit={(d) => disable.mutateAsync(d)}
      onClose={onClose}
    >
      <Field id="field-password" label={t("fields.password")} error={form.errors.password}>
        <Input {...form.text("password")} type="password" autoComplete="current-password" autoFocus />
      </Field>
      <Field id="field-code" label={t("signIn.code")} error={form.errors.code}>
        <Input
          {...form.text("code")}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          className="font-mono tracking-[0.3em]"
        />
      </Field>
    </FormDialog>
  );
}

function TwoFactor() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const account = useAccount();
  const refresh = useRefreshState();
  const [enrolling, setEnrolling] = useState(false);
  const [disabling, setDisabling] = useState(false);
  const left = useQuery({ ...trpc.accounts.totp.recoveryCodesLeft.queryOptions(), enabled: account.totpEnabled });
  return (
    <Card data-testid="two-factor">
      <CardHeader>
        <div className="flex items-center justify-between gap-2">
          <CardTitle>{t("account.twoFactor")}</CardTitle>
          {account.totpEnabled ? <Badge variant="success">{t("account.on")}</Badge> : <Badge variant="outline">{t("account.off")}</Badge>}
        </div>
        <CardDescription>{t("account.twoFactorDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {enrolling ? (
          <TotpEnrollment
            onCancel={() => setEnrolling(false)}
            onDone={() => {
              setEnrolling(false);
              void refresh();
              toast.success(t("account.totpEnabled"));
            }}
          />
        ) : account.totpEnabled ? (
          <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
            <p className="text-sm text-muted-foreground">
              {left.data === undefined ? "\u00a0" : t("account.codesLeft", { count: left.data })}
            </p>
            <Button variant="outline" onClick={() => setDisabling(true)}>
              <ShieldOff />
              {t("account.disableTotp")}
            </Button>
          </div>
        ) : (
          <Button onClick={() => setEnrolling(true)} data-testid="enable-totp">
            <ShieldCheck />
            {t("account.enableTotp")}
          </Button>
        )}
      </CardContent>
      {disabling && <DisableTotpDialog onClose={() => setDisabling(false)} />}
    </Card>
  );
}

function Sessions() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.accounts.sessions.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.accounts.sessions.queryKey() });
  const revoke = useMutation(
    trpc.accounts.revokeSession.mutationOptions({
      onSuccess: async () => {
        toast.success(t("account.sessionRevoked"));
        await refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const everywhere = useMutation(
    trpc.accounts.signOutEverywhere.mutationOptions({
      onSuccess: async (r) => {
        toast.success(t("account.signedOutOthers", { count: r.ended }));
        await refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const others = (sessions.data ?? []).filter((s) => !s.current).length;
  const method = (m: string) => {
    const known: Record<string, Parameters<typeof t>[0]> = {
      password: "account.methodPassword",
      "password+totp": "account.methodTotp",
      "password+recovery_code": "account.methodRecovery",
      sso: "account.methodSso",
      setup: "account.methodSetup",
    };
    return known[m] ? t(known[m]) : m;
  };
  return (
    <Card>
      <CardHeader>
        <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
          <div className="flex flex-col gap-1">
            <CardTitle>{t("account.sessions")}</CardTitle>
            <CardDescription>{t("account.sessionsDescription")}</CardDescription>
          </div>
          <Button
            variant="outline"
            size="sm"
            onClick={() => everywhere.mutate({ keepCurrent: true })}
            disabled={everywhere.isPending || others === 0}
          >
            <LogOut />
            {t("account.signOutOthers")}
          </Button>
        </div>
      </CardHeader>
      <CardContent>
        {sessions.isPending ? (
          <LoadingRows count={2} />
        ) : sessions.isError ? (
          <QueryError error={sessions.error} onRetry={() => sessions.refetch()} />
        ) : (
          <ul className="divide-y" data-testid="sessions">
            {sessions.data.map((s) => {
              const ua = describeUserAgent(s.userAgent);
              return (
                <li key={s.id} className="flex items-center gap-3 py-3">
                  <Laptop className="size-5 shrink-0 text-muted-foreground" />
                  <div className="min-w-0 flex-1">
                    <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
                      {ua ? (ua.os ? t("account.browserOn", { browser: ua.browser, os: ua.os }) : ua.browser) : t("account.unknownDevice")}
                      {s.current && <Badge variant="success">{t("account.thisSession")}</Badge>}
                    </p>
                    <p className="text-xs text-muted-foreground" title={formatDateTime(s.createdAt, locale)}>
                      {[s.ip ?? "—", method(s.authMethod), t("account.lastSeen", { when: formatRelative(s.lastSeenAt, locale) })].join(
                        " · ",
                      )}
                    </p>
                  </div>
                  {!s.current && (
                    <Button variant="ghost" size="sm" onClick={() => revoke.mutate({ sessionId: s.id })} disabled={revoke.isPending}>
                      {t("account.revoke")}
                    </Button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

export default function AccountPage() {
  const { t } = useI18n();
  const account = useAccount();
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      <PageHeader title={t("account.title")} description={t("account.subtitle")} />
      <Profile />
      {account.hasPassword && <Password />}
      <TwoFactor />
      <Sessions />
    </div>
  );
}
