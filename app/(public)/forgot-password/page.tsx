"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { AuthForm, AuthNotice } from "../../../components/console/auth-card";
import { Field, useZodForm } from "../../../components/console/form";
import { PublicPage } from "../../../components/console/gates";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Input } from "../../../components/ui/input";
import { resetRequestInput } from "../../../server/modules/accounts/schema";

function ForgotForm() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const form = useZodForm(resetRequestInput, { email: "" });
  const request = useMutation(trpc.accounts.requestPasswordReset.mutationOptions({ onError: (e) => form.serverError(e) }));
  const back = (
    <Link href="/sign-in" className="font-medium text-primary hover:underline">
      {t("forgot.back")}
    </Link>
  );
  if (request.isSuccess)
    return <AuthNotice title={t("forgot.sentTitle")} message={t("forgot.sentBody", { email: form.values.email.trim() })} footer={back} />;
  return (
    <AuthForm
      title={t("forgot.title")}
      description={t("forgot.description")}
      footer={back}
      form={form}
      error={request.error}
      submitLabel={t("forgot.submit")}
      submitDisabled={request.isPending}
      onSubmit={(data) => request.mutate(data)}
    >
      <Field id="field-email" label={t("fields.email")} error={form.errors.email}>
        <Input {...form.text("email")} type="email" autoComplete="email" autoFocus />
      </Field>
    </AuthForm>
  );
}

export default function ForgotPasswordPage() {
  return <PublicPage mode="guest">{() => <ForgotForm />}</PublicPage>;
}
