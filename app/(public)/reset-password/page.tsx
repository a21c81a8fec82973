"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { z } from "zod";
import { NewPasswordField } from "../../../components/console/account-fields";
import { AuthCard, AuthForm, FormAlert } from "../../../components/console/auth-card";
import { Field, useZodForm } from "../../../components/console/form";
import { PublicPage } from "../../../components/console/gates";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Button } from "../../../components/ui/button";
import { Input } from "../../../components/ui/input";
import { passwordSchema } from "../../../server/modules/accounts/schema";

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
    <AuthForm
      title={t("reset.title")}
      description={t("reset.description")}
      after={
        reset.isError && (
          <Link href="/forgot-password" className="text-center text-sm text-primary hover:underline">
            {t("reset.requestNew")}
          </Link>
        )
      }
      form={form}
      error={reset.error}
      submitLabel={t("reset.submit")}
      submitDisabled={reset.isPending}
      onSubmit={(d) => reset.mutate({ token, password: d.password })}
    >
      <NewPasswordField form={form} label={t("fields.newPassword")} autoFocus />
      <Field id="field-confirm" label={t("fields.confirmPassword")} error={form.errors.confirm}>
        <Input {...form.text("confirm")} type="password" autoComplete="new-password" />
      </Field>
    </AuthForm>
  );
}

export default function ResetPasswordPage() {
  return <PublicPage mode="open">{() => <ResetForm />}</PublicPage>;
}
