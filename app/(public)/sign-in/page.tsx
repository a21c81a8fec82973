"use client";

import { useMutation } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { z } from "zod";
import { AuthCard, AuthForm, FormAlert } from "../../../components/console/auth-card";
import { errorInfo } from "../../../components/console/errors";
import { Field, useZodForm } from "../../../components/console/form";
import { safeNext } from "../../../components/console/format";
import { PublicPage } from "../../../components/console/gates";
import { useEnterConsole } from "../../../components/console/session";
import { ssoErrorKey } from "../../../components/console/sso-errors";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Button } from "../../../components/ui/button";
import { Input } from "../../../components/ui/input";
import { signInInput } from "../../../server/modules/accounts/schema";

const codeInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/),
});
const recoveryInput = z.object({ recoveryCode: z.string().trim().min(1).max(20) });

function MfaStep({ challenge, next, onCancel }: { challenge: string; next: string; onCancel: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const [useRecovery, setUseRecovery] = useState(false);
  const codeForm = useZodForm(codeInput, { code: "" }, { hints: { code: "signIn.codeHint" } });
  const recoveryForm = useZodForm(recoveryInput, { recoveryCode: "" });
  const verify = useMutation(trpc.accounts.verifyMfa.mutationOptions({ onSuccess: () => enter(next) }));
  const tokenExpired = verify.isError && errorInfo(verify.error).code === "token_invalid";
  return (
    <AuthCard title={t("signIn.mfaTitle")} description={useRecovery ? t("signIn.recoveryDescription") : t("signIn.mfaDescription")}>
      <FormAlert message={verify.isError ? verify.error.message : null} />
      {tokenExpired ? (
        <Button onClick={onCancel}>{t("signIn.startOver")}</Button>
      ) : useRecovery ? (
        <form
          ref={recoveryForm.formRef}
          onSubmit={recoveryForm.submit((d) => verify.mutate({ challenge, recoveryCode: d.recoveryCode }))}
          className="flex flex-col gap-4"
          noValidate
        >
          <Field id="field-recoveryCode" label={t("signIn.recoveryCode")} error={recoveryForm.errors.recoveryCode}>
            <Input {...recoveryForm.text("recoveryCode")} autoComplete="off" autoFocus className="font-mono" />
          </Field>
          <Button type="submit" disabled={verify.isPending || verify.isSuccess}>
            {t("signIn.verify")}
          </Button>
        </form>
      ) : (
        <form
          ref={codeForm.formRef}
          onSubmit={codeForm.submit((d) => verify.mutate({ challenge, code: d.code }))}
          className="flex flex-col gap-4"
          noValidate
        >
          <Field id="field-code" label={t("signIn.code")} error={codeForm.errors.code}>
            <Input
              {...codeForm.text("code")}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              autoFocus
              className="font-mono tracking-[0.3em]"
            />
          </Field>
          <Button type="submit" disabled={verify.isPending || verify.isSuccess}>
            {t("signIn.verify")}
          </Button>
        </form>
      )}
      <div className="flex items-center justify-between text-sm">
        <Button variant="link" className="h-auto p-0" onClick={() => setUseRecovery((r) => !r)}>
          {useRecovery ? t("signIn.useCode") : t("signIn.useRecovery")}
        </Button>
        <Button variant="link" className="h-auto p-0 text-muted-foreground" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
      </div>
    </AuthCard>
  );
}

function SignInForm({ signupOpen, providers }: { signupOpen: boolean; providers: Array<{ id: string; name: string }> }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const ssoError = params.get("error");
  const [challenge, setChallenge] = useState<string | null>(null);
  const form = useZodForm(signInInput, { email: "", password: "" });
  const signIn = useMutation(
    trpc.accounts.signIn.mutationOptions({
      onSuccess: (result) => {
        if (result.status === "mfa_required") setChallenge(result.challenge);
        else void enter(next);
      },
      onError: (e) => form.serverError(e),
    }),
  );

  if (challenge)
    return (
      <MfaStep
        challenge={challenge}
        next={next}
        onCancel={() => {
          setChallenge(null);
          signIn.reset();
        }}
      />
    );

  return (
    <AuthForm
      title={t("signIn.title")}
      description={t("signIn.description")}
      footer={
        signupOpen ? (
          <>
            {t("signIn.noAccount")}{" "}
            <Link href="/sign-up" className="font-medium text-primary hover:underline">
              {t("signIn.signUp")}
            </Link>
          </>
        ) : undefined
      }
      before={ssoError && !signIn.isError && <FormAlert message={t(ssoErrorKey(ssoError))} />}
      after={providers.length > 0 && <SsoButtons providers={providers} next={next} />}
      form={form}
      error={signIn.error}
      submitLabel={t("signIn.submit")}
      submitDisabled={signIn.isPending || signIn.isSuccess}
      onSubmit={(data) => signIn.mutate(data)}
    >
      <Field id="field-email" label={t("fields.email")} error={form.errors.email}>
        <Input {...form.text("email")} type="email" autoComplete="username" autoFocus />
      </Field>
      <Field id="field-password" label={t("fields.password")} error={form.errors.password}>
        <Input {...form.text("password")} type="password" autoComplete="current-password" />
      </Field>
      <div className="-mt-2 text-right text-sm">
        <Link href="/forgot-password" className="text-muted-foreground hover:text-foreground hover:underline">
          {t("signIn.forgot")}
        </Link>
      </div>
    </AuthForm>
  );
}

/** Single sign-on: a button per enabled provider, coming back to where the visitor was going. */
function SsoButtons({ providers, next }: { providers: Array<{ id: string; name: string }>; next: string }) {
  const { t } = useI18n();
  return (
    <>
      <div className="flex items-center gap-3 text-xs text-muted-foreground uppercase">
        <span className="h-px flex-1 bg-border" />
        {t("signIn.or")}
        <span className="h-px flex-1 bg-border" />
      </div>
      <div className="flex flex-col gap-2" data-testid="sso-providers">
        {providers.map((p) => (
          <Button key={p.id} variant="outline" asChild>
            <a href={`/api/v1/admin/sso/${encodeURIComponent(p.id)}/start?redirect=${encodeURIComponent(next)}`}>
              <KeyRound />
              {t("signIn.withProvider", { name: p.name })}
            </a>
          </Button>
        ))}
      </div>
    </>
  );
}

export default function SignInPage() {
  return <PublicPage mode="guest">{(state) => <SignInForm signupOpen={state.signupOpen} providers={state.ssoProviders} />}</PublicPage>;
}
