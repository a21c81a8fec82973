"use client";

import { useMutation } from "@tanstack/react-query";
import { AuthCard, FormAlert } from "../../../components/console/auth-card";
import { Field, useZodForm } from "../../../components/console/form";
import { PublicPage } from "../../../components/console/gates";
import { useEnterConsole } from "../../../components/console/session";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Button } from "../../../components/ui/button";
import { Input } from "../../../components/ui/input";
import { setupInput } from "../../../server/modules/accounts/schema";
import { PASSWORD_MIN_LENGTH } from "../../../server/platform/crypto/password-policy";

function SetupForm() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const form = useZodForm(setupInput, { name: "", email: "", password: "" });
  const setup = useMutation(
    trpc.accounts.setup.mutationOptions({ onSuccess: () => enter("/projects"), onError: (e) => form.serverError(e) }),
  );
  return (
    <AuthCard title={t("setup.title")} description={t("setup.description")}>
      <form ref={form.formRef} onSubmit={form.submit((data) => setup.mutate(data))} className="flex flex-col gap-4" noValidate>
        <FormAlert
          message={setup.isError && !form.errors.email && !form.errors.password && !form.errors.name ? setup.error.message : null}
        />
        <Field id="field-name" label={t("fields.name")} error={form.errors.name}>
          <Input {...form.text("name")} autoComplete="name" autoFocus />
        </Field>
        <Field id="field-email" label={t("fields.email")} error={form.errors.email}>
          <Input {...form.text("email")} type="email" autoComplete="email" />
        </Field>
        <Field
          id="field-password"
          label={t("fields.password")}
          error={form.errors.password}
          hint={t("fields.passwordHint", { min: PASSWORD_MIN_LENGTH })}
        >
          <Input {...form.text("password")} type="password" autoComplete="new-password" />
        </Field>
        <Button type="submit" disabled={setup.isPending || setup.isSuccess}>
          {t("setup.submit")}
        </Button>
      </form>
    </AuthCard>
  );
}

export default function SetupPage() {
  return <PublicPage mode="setup">{() => <SetupForm />}</PublicPage>;
}
