"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Globe, Send } from "lucide-react";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { CopyButton } from "../../../../components/console/copy-button";
import { Field, useZodForm } from "../../../../components/console/form";
import { useAccount } from "../../../../components/console/session";
import { LoadingRows, PageHeader, QueryError } from "../../../../components/console/states";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../components/ui/badge";
import { Button } from "../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../components/ui/card";
import { Input } from "../../../../components/ui/input";
import { Label } from "../../../../components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../components/ui/select";
import { Switch } from "../../../../components/ui/switch";
import { smtpSettingsInput, type SecuritySettings, type SignupSettings } from "../../../../server/modules/instance/schema";
import type { SmtpSettingsView } from "../../../../server/modules/instance/service";

type Settings = { signup: SignupSettings; security: SecuritySettings; smtp: SmtpSettingsView | null; publicUrl: string };

// The form holds text; the port becomes a number on the way out, as the server's schema wants it.
const smtpForm = smtpSettingsInput.extend({
  port: z.coerce.number<string>().int().min(1).max(65535),
  username: z.string().max(255),
  password: z.string().max(1024),
});

function useInvalidateSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.instance.settings.queryKey() });
}

function PublicUrl({ url }: { url: string }) {
  const { t } = useI18n();
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("instance.publicUrl")}</CardTitle>
        <CardDescription>{t("instance.publicUrlDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="flex items-center gap-2">
        <Globe className="size-4 text-muted-foreground" />
        <code className="font-mono text-sm" data-testid="public-url">
          {url}
        </code>
        <CopyButton value={url} size="icon" variant="ghost" />
      </CardContent>
    </Card>
  );
}

function Smtp({ smtp }: { smtp: SmtpSettingsView | null }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const invalidate = useInvalidateSettings();
  const initial = {
    host: smtp?.host ?? "",
    port: String(smtp?.port ?? 587),
    secure: smtp?.secure ?? false,
    username: smtp?.username ?? "",
    password: "",
    fromAddress: smtp?.fromAddress ?? "",
    fromName: smtp?.fromName ?? "apprun",
  };
  const form = useZodForm(smtpForm, initial);
  const [saved, setSaved] = useState(smtp !== null);
  const save = useMutation(
    trpc.instance.updateSmtp.mutationOptions({
      onSuccess: async (_r, input) => {
        toast.success(input ? t("instance.smtpSaved") : t("instance.smtpRemoved"));
        setSaved(input !== null);
        form.set("password", "");
        await invalidate();
      },
      onError: (e) => form.showError(e),
    }),
  );
  const test = useMutation(
    trpc.instance.testSmtp.mutationOptions({
      onSuccess: (r) => toast.success(t("instance.testSent", { email: r.to })),
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Card data-testid="smtp-card">
      <CardHeader>
        <div className="flex items-center justify-between gap-2">
          <CardTitle>{t("instance.smtp")}</CardTitle>
          {smtp ? (
            <Badge variant="success">{t("instance.configured")}</Badge>
          ) : (
            <Badge variant="outline">{t("instance.notConfigured")}</Badge>
          )}
        </div>
        <CardDescription>{t("instance.smtpDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          ref={form.formRef}
          noValidate
          className="flex flex-col gap-4"
          onSubmit={form.submit((d) =>
            save.mutate({
              host: d.host,
              port: d.port,
              secure: d.secure,
              username: d.username || undefined,
              password: d.password === "" ? undefined : d.password,
              fromAddress: d.fromAddress,
              fromName: d.fromName,
            }),
          )}
        >
          <div className="grid gap-4 sm:grid-cols-[1fr_8rem]">
            <Field id="field-host" label={t("instance.host")} error={form.errors.host}>
              <Input {...form.text("host")} placeholder="smtp.example.com" spellCheck={false} />
            </Field>
            <Field id="field-port" label={t("instance.port")} error={form.errors.port}>
              <Input {...form.text("port")} inputMode="numeric" />
            </Field>
          </div>
          <div className="flex items-center gap-3">
            <Switch id="field-secure" checked={form.values.secure} onCheckedChange={(v) => form.set("secure", v)} />
            <Label htmlFor="field-secure" className="font-normal">
              {t("instance.secure")}
            </Label>
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field id="field-username" label={t("instance.username")} error={form.errors.username}>
              <Input {...form.text("username")} autoComplete="off" />
            </Field>
            <Field
              id="field-password"
              label={t("fields.password")}
              error={form.errors.password}
              hint={smtp?.hasPassword ? t("instance.keepPassword") : undefined}
            >
              <Input
                {...form.text("password")}
                type="password"
                autoComplete="new-password"
                placeholder={smtp?.hasPassword ? "••••••••" : undefined}
              />
            </Field>
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field id="field-fromAddress" label={t("instance.fromAddress")} error={form.errors.fromAddress}>
              <Input {...form.text("fromAddress")} type="email" placeholder="apprun@example.com" />
            </Field>
            <Field id="field-fromName" label={t("instance.fromName")} error={form.errors.fromName}>
              <Input {...form.text("fromName")} />
            </Field>
          </div>
          <div className="flex flex-wrap gap-2">
            <Button type="submit" disabled={save.isPending}>
              {t("common.save")}
            </Button>
            <Button
              type="button"
              variant="outline"
              onClick={() => test.mutate()}
              disabled={!saved || test.isPending}
              data-testid="smtp-test"
            >
              <Send />
              {t("instance.sendTest")}
            </Button>
            {smtp && (
              <Button
                type="button"
                variant="ghost"
                className="text-destructive"
                onClick={() => save.mutate(null)}
                disabled={save.isPending}
              >
                {t("instance.removeSmtp")}
              </Button>
            )}
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

function Policies({ settings }: { settings: Settings }) {
  const { t } = useI18n();
  const account = useAccount();
  const trpc = useTRPC();
  const invalidate = useInvalidateSettings();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState(settings.signup.mode);
  const [security, setSecurity] = useState(settings.security);
  useEffect(() => setMode(settings.signup.mode), [settings.signup.mode]);
  useEffect(() => setSecurity(settings.security), [settings.security]);
  // Both policies change what the sign-in pages offer (accounts.state), so both refresh it.
  const saved = {
    onSuccess: async () => {
      toast.success(t("instance.policySaved"));
      await Promise.all([invalidate(), queryClient.invalidateQueries({ queryKey: trpc.accounts.state.queryKey() })]);
    },
    onError: (e: { message: string }) => toast.error(e.message),
  };
  const signup = useMutation(trpc.instance.updateSignup.mutationOptions(saved));
  const secure = useMutation(trpc.instance.updateSecurity.mutationOptions(saved));
  const securityDirty =
    security.require2fa !== settings.security.require2fa ||
    security.requireEmailVerification !== settings.security.requireEmailVerification;
  return (
    <>
      <Card>
        <CardHeader>
          <CardTitle>{t("instance.signup")}</CardTitle>
          <CardDescription>{t("instance.signupDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="grid flex-1 gap-1.5">
            <Label htmlFor="signup-mode">{t("instance.signupMode")}</Label>
            <Select value={mode} onValueChange={(v) => setMode(v as SignupSettings["mode"])}>
              <SelectTrigger id="signup-mode" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="invite_only">{t("instance.inviteOnly")}</SelectItem>
                <SelectItem value="open">{t("instance.open")}</SelectItem>
              </SelectContent>
            </Select>
          </div>
          <Button onClick={() => signup.mutate({ mode })} disabled={signup.isPending || mode === settings.signup.mode}>
            {t("common.save")}
          </Button>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t("instance.security")}</CardTitle>
          <CardDescription>{t("instance.securityDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <div className="flex items-start gap-3">
            <Switch id="require-2fa" checked={security.require2fa} onCheckedChange={(v) => setSecurity((s) => ({ ...s, require2fa: v }))} />
            <div className="grid gap-1">
              <Label htmlFor="require-2fa">{t("instance.require2fa")}</Label>
              <p className="text-xs text-muted-foreground">{t("instance.require2faHint")}</p>
              {security.require2fa && !account.totpEnabled && (
                <p className="text-xs font-medium text-amber-700 dark:text-amber-400" role="status" data-testid="require-2fa-self">
                  {t("instance.require2faSelf")}
                </p>
              )}
            </div>
          </div>
          <div className="flex items-start gap-3">
            <Switch
              id="require-verification"
              checked={security.requireEmailVerification}
              onCheckedChange={(v) => setSecurity((s) => ({ ...s, requireEmailVerification: v }))}
            />
            <div className="grid gap-1">
              <Label htmlFor="require-verification">{t("instance.requireVerification")}</Label>
              <p className="text-xs text-muted-foreground">{t("instance.requireVerificationHint")}</p>
            </div>
          </div>
          <Button className="self-start" onClick={() => secure.mutate(security)} disabled={secure.isPending || !securityDirty}>
            {t("common.save")}
          </Button>
        </CardContent>
      </Card>
    </>
  );
}

export default function InstanceSettingsPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const settings = useQuery(trpc.instance.settings.queryOptions());
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      <PageHeader title={t("instance.title")} description={t("instance.subtitle")} />
      {settings.isPending ? (
        <LoadingRows count={6} />
      ) : settings.isError ? (
        <QueryError error={settings.error} onRetry={() => settings.refetch()} />
      ) : (
        <>
          <PublicUrl url={settings.data.publicUrl} />
          <Smtp smtp={settings.data.smtp} />
          <Policies settings={settings.data} />
        </>
      )}
    </div>
  );
}
