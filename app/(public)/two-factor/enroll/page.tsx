"use client";

import { useMutation } from "@tanstack/react-query";
import { AuthCard } from "../../../../components/console/auth-card";
import { PublicPage } from "../../../../components/console/gates";
import { useEnterConsole } from "../../../../components/console/session";
import { TotpEnrollment } from "../../../../components/console/totp-enrollment";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { Button } from "../../../../components/ui/button";

function Enroll({ email }: { email: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const signOut = useMutation(trpc.accounts.signOut.mutationOptions({ onSuccess: () => window.location.assign("/sign-in") }));
  return (
    <AuthCard
      wide
      title={t("enroll.title")}
      description={t("enroll.description", { email })}
      footer={
        <Button variant="link" className="h-auto p-0 text-muted-foreground" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          {t("shell.signOut")}
        </Button>
      }
    >
      <TotpEnrollment onDone={() => enter("/")} />
    </AuthCard>
  );
}

export default function EnrollPage() {
  return <PublicPage mode="enrolment">{(state) => <Enroll email={state.account?.email ?? ""} />}</PublicPage>;
}
