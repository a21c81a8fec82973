"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { AccountFields } from "../../../components/console/account-fields";
import { AuthCard, AuthForm, AuthNotice } from "../../../components/console/auth-card";
import { errorInfo } from "../../../components/console/errors";
import { useZodForm } from "../../../components/console/form";
import { PublicPage } from "../../../components/console/gates";
import { useEnterConsole } from "../../../components/console/session";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Button } from "../../../components/ui/button";
import { signUpInput } from "../../../server/modules/accounts/schema";

function SignInLink() {
  const { t } = useI18n();
  return (
    <>
      {t("signUp.haveAccount")}{" "}
      <Link href="/sign-in" className="font-medium text-primary hover:underline">
        {t("signUp.signIn")}
      </Link>
    </>
  );
}

function SignUpForm() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const form = useZodForm(signUpInput.omit({ invitation: true }), { name: "", email: "", password: "" });
  const signUp = useMutation(
    trpc.accounts.signUp.mutationOptions({ onSuccess: () => enter("/projects"), onError: (e) => form.serverError(e) }),
  );
  // With email verification required, the account exists but may not sign in until the mailed link is opened.
  if (signUp.isError && errorInfo(signUp.error).code === "email_not_verified")
    return <AuthNotice title={t("signUp.checkMail")} message={signUp.error.message} footer={<SignInLink />} />;
  return (
    <AuthForm
      title={t("signUp.title")}
      description={t("signUp.description")}
      footer={<SignInLink />}
      form={form}
      error={signUp.error}
      submitLabel={t("signUp.submit")}
      submitDisabled={signUp.isPending || signUp.isSuccess}
      onSubmit={(data) => signUp.mutate(data)}
    >
      <AccountFields form={form} />
    </AuthForm>
  );
}

export default function SignUpPage() {
  const { t } = useI18n();
  return (
    <PublicPage mode="guest">
      {(state) =>
        state.signupOpen ? (
          <SignUpForm />
        ) : (
          <AuthCard title={t("signUp.closedTitle")} description={t("signUp.closedBody")} footer={<SignInLink />}>
            <Button asChild variant="outline">
              <Link href="/sign-in">{t("signUp.signIn")}</Link>
            </Button>
          </AuthCard>
        )
      }
    </PublicPage>
  );
}
