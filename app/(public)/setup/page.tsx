"use client";

import { useMutation } from "@tanstack/react-query";
import { AccountFields } from "../../../components/console/account-fields";
import { AuthForm } from "../../../components/console/auth-card";
import { useZodForm } from "../../../components/console/form";
import { PublicPage } from "../../../components/console/gates";
import { useEnterConsole } from "../../../components/console/session";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { setupInput } from "../../../server/modules/accounts/schema";

function SetupForm() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const form = useZodForm(setupInput, { name: "", email: "", password: "" });
  const setup = useMutation(
    trpc.accounts.setup.mutationOptions({ onSuccess: () => enter("/projects"), onError: (e) => form.serverError(e) }),
  );
  return (
    <AuthForm
      title={t("setup.title")}
      description={t("setup.description")}
      form={form}
      error={setup.error}
      submitLabel={t("setup.submit")}
      submitDisabled={setup.isPending || setup.isSuccess}
      onSubmit={(data) => setup.mutate(data)}
    >
      <AccountFields form={form} />
    </AuthForm>
  );
}

export default function SetupPage() {
  return <PublicPage mode="setup">{() => <SetupForm />}</PublicPage>;
}
