"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { z } from "zod";
import { AuthCard, FormAlert } from "../../../components/console/auth-card";
import { Field, useZodForm } from "../../../components/console/form";
import { PublicPage } from "../../../components/console/gates";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Button } from "../../../components/ui/button";
import { Input } from "../../../components/ui/input";
import { passwordSchema } from "../../../server/modules/accounts/schema";
import { PASSWORD_MIN_LENGTH } from "../../../server/platform/crypto/password-policy";

const resetForm = z
  .object({ password: passwordSchema, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "mismatch" });

function ResetForm() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const token = useSearchParams().get("token") ?? "";
  const form = useZodForm(resetForm, { password: "", confirm: "" }, { hints: { confirm: "fields.passwordMismatch" } });
  const reset = useMutation(trpc.accounts.resetPassword.mutationOptions({ onError: (e) => form.serverError(e) }));
  const signIn = (
    <Button asChild>
      <Link href="/sign-in">{t("reset.signIn")}</Link>
    </Button>
  );
  if (!token)
    return (
      <AuthCard title={t("reset.title")}>
        <FormAlert message={t("reset.noToken")} />
        <Button asChild variant="outline">
          <Link href="/forgot-password">{t("reset.requestNew")}</Link>
        </Button>
      </AuthCard>
    );
  if (reset.isSuccess)
    return (
      <AuthCard title={t("reset.doneTitle")} description={t("reset.doneBody")}>
        {signIn}
      </AuthCard>
    );
  return (
    <AuthCard title={t("reset.title")} description={t("reset.description")}>
      <FormAlert message={reset.isError && Object.keys(form.errors).length === 0 ? reset.error.message : null} />
      <form
        ref={form.formRef}
        onSubmit={form.submit((d) => reset.mutate({ token, password: d.password }))}
        className="flex flex-col gap-4"
        noValidate
      >
        <Field
          id="field-password"
          label={t("fields.newPassword")}
          error={form.errors.password}
          hint={t("fields.passwordHint", { min: PASSWORD_MIN_LENGTH })}
        >
          <Input {...form.text("password")} type="password" autoComplete="new-password" autoFocus />
        </Field>
        <Field id="field-confirm" label={t("fields.confirmPassword")} error={form.errors.confirm}>
          <Input {...form.text("confirm")} type="password" autoComplete="new-password" />
        </Field>
        <Button type="submit" disabled={reset.isPending}>
          {t("reset.submit")}
        </Button>
      </form>
      {reset.isError && (
        <Link href="/forgot-password" className="text-center text-sm text-primary hover:underline">
          {t("reset.requestNew")}
        </Link>
      )}
    </AuthCard>
  );
}

export default function ResetPasswordPage() {
  return <PublicPage mode="open">{() => <ResetForm />}</PublicPage>;
}
