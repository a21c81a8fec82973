"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { TriangleAlert } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { CopyField } from "../../../../../components/console/copy-field";
import { Field, useZodForm } from "../../../../../components/console/form";
import { LoadingRows, QueryError } from "../../../../../components/console/states";
import { formatDuration } from "../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription, AlertTitle } from "../../../../../components/ui/alert";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { cn } from "../../../../../components/ui/cn";
import { Input } from "../../../../../components/ui/input";
import { Label } from "../../../../../components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { Switch } from "../../../../../components/ui/switch";
import { Textarea } from "../../../../../components/ui/textarea";
import { authSettingsSchema, type AuthSettings } from "../../../../../server/modules/auth/schema";
import { useProject } from "../project-context";
import { useAuthEndpoints, useAuthSettings } from "../use-auth";

const UNITS = { minutes: 60, hours: 3600, days: 86_400 } as const;
type Unit = keyof typeof UNITS;
const shape = authSettingsSchema.shape;
const BOOLEANS = ["signUpEnabled", "requireEmailVerification", "passwordSignIn", "emailOtp", "magicLink"] as const;

/** A lifetime in seconds as an amount of the largest unit that divides it: 900 → 15 minutes. */
function splitDuration(seconds: number): { amount: string; unit: Unit } {
  for (const unit of ["days", "hours", "minutes"] as const)
    if (seconds % UNITS[unit] === 0) return { amount: String(seconds / UNITS[unit]), unit };
  return { amount: String(Math.max(1, Math.round(seconds / 60))), unit: "minutes" };
}

function formValues(s: AuthSettings) {
  const access = splitDuration(s.accessTokenTtlSeconds);
  const refresh = splitDuration(s.refreshTokenTtlSeconds);
  return {
    signUpEnabled: s.signUpEnabled,
    requireEmailVerification: s.requireEmailVerification,
    passwordSignIn: s.passwordSignIn,
    emailOtp: s.emailOtp,
    magicLink: s.magicLink,
    accessTtl: access.amount,
    accessUnit: access.unit as Unit,
    refreshTtl: refresh.amount,
    refreshUnit: refresh.unit as Unit,
    siteUrl: s.siteUrl ?? "",
    redirectUrls: s.redirectUrls.join("\n"),
  };
}

/**
 * The form holds text: lifetimes as an amount and a unit, redirect URLs one per line. On the way
 * out they become what the server's schema checks, with the server's own field rules.
 */
function settingsForm(messages: { accessRange: string; refreshRange: string }) {
  const seconds = (amount: string, unit: Unit) => (/^\d+$/.test(amount.trim()) ? Number(amount) * UNITS[unit] : Number.NaN);
  return z
    .object({
      ...(Object.fromEntries(BOOLEANS.map((k) => [k, z.boolean()])) as Record<(typeof BOOLEANS)[number], z.ZodBoolean>),
      accessTtl: z.string(),
      accessUnit: z.enum(["minutes", "hours", "days"]),
      refreshTtl: z.string(),
      refreshUnit: z.enum(["minutes", "hours", "days"]),
      siteUrl: z
        .string()
        .trim()
        .transform((v) => (v === "" ? null : v))
        .pipe(shape.siteUrl),
      redirectUrls: z
        .string()
        .transform((v) => v.split(/\s+/).filter(Boolean))
        .pipe(shape.redirectUrls),
    })
    .superRefine((v, ctx) => {
      if (!shape.accessTokenTtlSeconds.safeParse(seconds(v.accessTtl, v.accessUnit)).success)
        ctx.addIssue({ code: "custom", path: ["accessTtl"], message: messages.accessRange });
      if (!shape.refreshTokenTtlSeconds.safeParse(seconds(v.refreshTtl, v.refreshUnit)).success)
        ctx.addIssue({ code: "custom", path: ["refreshTtl"], message: messages.refreshRange });
    })
    .transform((v): AuthSettings => ({
      signUpEnabled: v.signUpEnabled,
      requireEmailVerification: v.requireEmailVerification,
      passwordSignIn: v.passwordSignIn,
      emailOtp: v.emailOtp,
      magicLink: v.magicLink,
      accessTokenTtlSeconds: seconds(v.accessTtl, v.accessUnit),
      refreshTokenTtlSeconds: seconds(v.refreshTtl, v.refreshUnit),
      siteUrl: v.siteUrl,
      redirectUrls: v.redirectUrls,
    }));
}

/** Server issue paths → the form's fields. */
const FIELD_OF: Record<string, string> = { accessTokenTtlSeconds: "accessTtl", refreshTokenTtlSeconds: "refreshTtl" };

function SwitchRow({
  id,
  label,
  hint,
  checked,
  onChange,
  disabled,
}: {
  id: string;
  label: string;
  hint: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled: boolean;
}) {
  return (
    <div className="flex items-start justify-between gap-6 py-3">
      <div className="grid gap-1">
        <Label htmlFor={id}>{label}</Label>
        <p className="text-xs text-muted-foreground">{hint}</p>
      </div>
      <Switch id={id} name={id} checked={checked} onCheckedChange={onChange} disabled={disabled} />
    </div>
  );
}

function Duration({
  id,
  label,
  hint,
  error,
  amount,
  unit,
  onAmount,
  onUnit,
  disabled,
  units,
}: {
  id: string;
  label: string;
  hint: string;
  error?: string;
  amount: string;
  unit: Unit;
  onAmount: (v: string) => void;
  onUnit: (u: Unit) => void;
  disabled: boolean;
  units: Unit[];
}) {
  const { t } = useI18n();
  return (
    <Field id={`field-${id}`} label={label} error={error} hint={hint}>
      <div className="flex gap-2">
        <Input
          id={`field-${id}`}
          name={id}
          value={amount}
          onChange={(e) => onAmount(e.target.value)}
          inputMode="numeric"
          className="w-28"
          disabled={disabled}
          aria-invalid={error ? true : undefined}
        />
        <Select value={unit} onValueChange={(u) => onUnit(u as Unit)} disabled={disabled}>
          <SelectTrigger className="w-36" aria-label={t("authSettings.unitOf", { field: label })}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {units.map((u) => (
              <SelectItem key={u} value={u}>
                {t(`authSettings.unit_${u}`)}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
    </Field>
  );
}

function SettingsForm({ settings }: { settings: AuthSettings }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, project, can } = useProject();
  const providers = useQuery(trpc.auth.providers.list.queryOptions({ project: ref }));
  const editable = can("auth:configure") && !project.archived;
  const schema = useMemo(
    () => settingsForm({ accessRange: t("authSettings.accessTtlRange"), refreshRange: t("authSettings.refreshTtlRange") }),
    [t],
  );
  const initial = useMemo(() => formValues(settings), [settings]);
  const form = useZodForm(schema, initial, { hints: { redirectUrls: "authSettings.redirectUrlsRules" } });
  const v = form.values;
  const dirty = JSON.stringify(v) !== JSON.stringify(initial);
  const save = useMutation(
    trpc.auth.settings.update.mutationOptions({
      onSuccess: (saved) => {
        toast.success(t("authSettings.saved"));
        // The form remounts on the new values (its key is the settings).
        queryClient.setQueryData(trpc.auth.settings.get.queryKey({ project: ref }), saved);
      },
      onError: (e) => form.showError(e, { issuePath: (p) => FIELD_OF[p] ?? p }),
    }),
  );
  const enabledProviders = (providers.data ?? []).filter((p) => p.enabled).length;
  const noWayIn = !v.passwordSignIn && !v.emailOtp && !v.magicLink && providers.data !== undefined && enabledProviders === 0;
  const base = `/projects/${encodeURIComponent(project.slug)}/auth`;
  return (
    <form
      ref={form.formRef}
      noValidate
      className="flex flex-col gap-6"
      data-testid="auth-settings-form"
      onSubmit={form.submit((d) => {
        const changes = Object.fromEntries(
          Object.entries(d).filter(([k, value]) => JSON.stringify(value) !== JSON.stringify(settings[k as keyof AuthSettings])),
        );
        save.mutate({ project: ref, ...changes });
      })}
    >
      <Card>
        <CardHeader>
          <CardTitle>{t("authSettings.signUp")}</CardTitle>
          <CardDescription>{t("authSettings.signUpDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="divide-y">
          <SwitchRow
            id="signUpEnabled"
            label={t("authSettings.signUpEnabled")}
            hint={t("authSettings.signUpEnabledHint")}
            checked={v.signUpEnabled}
            onChange={(c) => form.set("signUpEnabled", c)}
            disabled={!editable}
          />
          <SwitchRow
            id="requireEmailVerification"
            label={t("authSettings.requireVerification")}
            hint={t("authSettings.requireVerificationHint")}
            checked={v.requireEmailVerification}
            onChange={(c) => form.set("requireEmailVerification", c)}
            disabled={!editable}
          />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("authSettings.methods")}</CardTitle>
          <CardDescription>{t("authSettings.methodsDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="divide-y">
          <SwitchRow
            id="passwordSignIn"
            label={t("authSettings.password")}
            hint={t("authSettings.passwordHint")}
            checked={v.passwordSignIn}
            onChange={(c) => form.set("passwordSignIn", c)}
            disabled={!editable}
          />
          <SwitchRow
            id="emailOtp"
            label={t("authSettings.emailOtp")}
            hint={t("authSettings.emailOtpHint")}
            checked={v.emailOtp}
            onChange={(c) => form.set("emailOtp", c)}
            disabled={!editable}
          />
          <SwitchRow
            id="magicLink"
            label={t("authSettings.magicLink")}
            hint={t("authSettings.magicLinkHint")}
            checked={v.magicLink}
            onChange={(c) => form.set("magicLink", c)}
            disabled={!editable}
          />
          <div className="flex items-center justify-between gap-6 py-3 text-sm">
            <div className="grid gap-1">
              <span className="font-medium">{t("authSettings.oauth")}</span>
              <p className="text-xs text-muted-foreground">
                {providers.data ? t("authSettings.oauthCount", { count: enabledProviders }) : "…"}
              </p>
            </div>
            <Button asChild variant="outline" size="sm">
              <Link href={`${base}/providers`}>{t("authSettings.manageProviders")}</Link>
            </Button>
          </div>
          {noWayIn && (
            <Alert variant="destructive" className="mt-3" data-testid="no-way-in">
              <TriangleAlert />
              <AlertTitle>{t("authSettings.noWayInTitle")}</AlertTitle>
              <AlertDescription>{t("authSettings.noWayInBody")}</AlertDescription>
            </Alert>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("authSettings.tokens")}</CardTitle>
          <CardDescription>{t("authSettings.tokensDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4 sm:grid-cols-2">
          <Duration
            id="accessTtl"
            label={t("authSettings.accessTtl")}
            hint={t("authSettings.accessTtlHint")}
            error={form.errors.accessTtl}
            amount={v.accessTtl}
            unit={v.accessUnit}
            onAmount={(a) => form.set("accessTtl", a)}
            onUnit={(u) => form.set("accessUnit", u)}
            disabled={!editable}
            units={["minutes", "hours"]}
          />
          <Duration
            id="refreshTtl"
            label={t("authSettings.refreshTtl")}
            hint={t("authSettings.refreshTtlHint")}
            error={form.errors.refreshTtl}
            amount={v.refreshTtl}
            unit={v.refreshUnit}
            onAmount={(a) => form.set("refreshTtl", a)}
            onUnit={(u) => form.set("refreshUnit", u)}
            disabled={!editable}
            units={["hours", "days"]}
          />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("authSettings.urls")}</CardTitle>
          <CardDescription>{t("authSettings.urlsDescription")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <Field id="field-siteUrl" label={t("authSettings.siteUrl")} error={form.errors.siteUrl} hint={t("authSettings.siteUrlHint")}>
            <Input {...form.text("siteUrl")} placeholder="https://app.example.com" spellCheck={false} disabled={!editable} />
          </Field>
          <Field
            id="field-redirectUrls"
            label={t("authSettings.redirectUrls")}
            error={form.errors.redirectUrls}
            hint={t("authSettings.redirectUrlsHint")}
          >
            <Textarea
              {...form.text("redirectUrls")}
              rows={3}
              placeholder={"https://app.example.com/callback\nhttp://localhost:3000"}
              className="font-mono text-xs"
              spellCheck={false}
              disabled={!editable}
            />
          </Field>
        </CardContent>
      </Card>

      {editable && (
        // While there are changes, the bar stays in view at the bottom of the window.
        <div
          className={cn(
            "flex items-center justify-end gap-2 border-t py-3",
            dirty && "sticky bottom-0 z-10 -mx-1 bg-background/90 px-1 backdrop-blur",
          )}
          data-testid="auth-settings-bar"
        >
          <p className="mr-auto text-sm text-muted-foreground">
            {dirty
              ? t("authSettings.unsaved")
              : t("authSettings.accessSummary", { ttl: formatDuration(settings.accessTokenTtlSeconds, locale) })}
          </p>
          <Button type="button" variant="ghost" onClick={() => form.reset(initial)} disabled={!dirty || save.isPending}>
            {t("common.discard")}
          </Button>
          <Button type="submit" disabled={!dirty || save.isPending} data-testid="save-auth-settings">
            {t("authSettings.save")}
          </Button>
        </div>
      )}
    </form>
  );
}

function Endpoints() {
  const { t } = useI18n();
  const endpoints = useAuthEndpoints();
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("authSettings.endpoints")}</CardTitle>
        <CardDescription>{t("authSettings.endpointsDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {endpoints.isPending ? (
          <LoadingRows count={2} />
        ) : endpoints.isError ? (
          <QueryError error={endpoints.error} onRetry={() => endpoints.refetch()} />
        ) : (
          <div className="grid gap-4">
            <CopyField label={t("appUsers.restBase")} value={endpoints.data.restBase} testId="auth-rest-base" />
            <div className="grid gap-4 md:grid-cols-2">
              <CopyField label={t("authSettings.issuer")} value={endpoints.data.issuer} testId="auth-issuer" />
              <CopyField label={t("authSettings.jwksUrl")} value={endpoints.data.jwksUri} testId="auth-jwks-url" />
            </div>
          </div>
        )}
      </CardContent>
    </Card>
  );
}

export default function AuthSettingsPage() {
  const settings = useAuthSettings();
  return (
    <>
      <Endpoints />
      {settings.isPending ? (
        <LoadingRows count={6} />
      ) : settings.isError ? (
        <QueryError error={settings.error} onRetry={() => settings.refetch()} />
      ) : (
        <SettingsForm key={JSON.stringify(settings.data)} settings={settings.data} />
      )}
    </>
  );
}
