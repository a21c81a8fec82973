"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";
import { AuthCard, FormAlert } from "../../../components/console/auth-card";
import { LoadingRows } from "../../../components/console/states";
import { PublicPage } from "../../../components/console/gates";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Button } from "../../../components/ui/button";

function VerifyEmail({ signedIn }: { signedIn: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const token = useSearchParams().get("token") ?? "";
  const verify = useMutation(trpc.accounts.verifyEmail.mutationOptions());
  // The link is single-use: confirm once per page, even if effects run twice.
  const sent = useRef(false);
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      verify.mutate({ token });
    }
  }, [token, verify]);
  const onward = (
    <Button asChild>
      <Link href={signedIn ? "/" : "/sign-in"}>{signedIn ? t("verify.continue") : t("verify.signIn")}</Link>
    </Button>
  );
  if (!token)
    return (
      <AuthCard title={t("verify.title")}>
        <FormAlert message={t("verify.noToken")} />
      </AuthCard>
    );
  if (verify.isSuccess)
    return (
      <AuthCard title={t("verify.doneTitle")} description={t("verify.doneBody")}>
        {onward}
      </AuthCard>
    );
  if (verify.isError)
    return (
      <AuthCard title={t("verify.title")}>
        <FormAlert message={verify.error.message} />
        {onward}
      </AuthCard>
    );
  return (
    <AuthCard title={t("verify.title")} description={t("verify.working")}>
      <LoadingRows count={1} />
    </AuthCard>
  );
}

export default function VerifyEmailPage() {
  return <PublicPage mode="open">{(state) => <VerifyEmail signedIn={state.account !== null} />}</PublicPage>;
}
