"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { MailOpen } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { z } from "zod";
import { NewPasswordField } from "../../../../components/console/account-fields";
import { AuthCard, FormAlert } from "../../../../components/console/auth-card";
import { Field, useZodForm } from "../../../../components/console/form";
import { PublicPage } from "../../../../components/console/gates";
import { RoleName } from "../../../../components/console/role-name";
import { useEnterConsole } from "../../../../components/console/session";
import { LoadingRows } from "../../../../components/console/states";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { Button } from "../../../../components/ui/button";
import { Input } from "../../../../components/ui/input";
import { nameSchema, passwordSchema } from "../../../../server/modules/accounts/schema";
import type { AccountView } from "../../../../server/modules/accounts/service";

const createAccountInput = z.object({ name: nameSchema, password: passwordSchema });

function CreateAndAccept({ token }: { token: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const form = useZodForm(createAccountInput, { name: "", password: "" });
  const accept = useMutation(
    trpc.projects.acceptInvitation.mutationOptions({
      onSuccess: (r) => enter(`/projects/${r.projectId}`),
      onError: (e) => form.serverError(e),
    }),
  );
  return (
    <form
      ref={form.formRef}
      onSubmit={form.submit((signUp) => accept.mutate({ token, signUp }))}
      className="flex flex-col gap-4"
      noValidate
    >
      <p className="text-sm text-muted-foreground">{t("invitation.createAccount")}</p>
      <FormAlert message={accept.isError && Object.keys(form.errors).length === 0 ? accept.error.message : null} />
      <Field id="field-name" label={t("fields.name")} error={form.errors.name}>
        <Input {...form.text("name")} autoComplete="name" autoFocus />
      </Field>
      <NewPasswordField form={form} />
      <Button type="submit" disabled={accept.isPending || accept.isSuccess}>
        {t("invitation.createAndJoin")}
      </Button>
    </form>
  );
}

function AcceptAsAccount({ token, account, invitedEmail }: { token: string; account: AccountView; invitedEmail: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const enter = useEnterConsole();
  const accept = useMutation(trpc.projects.acceptInvitation.mutationOptions({ onSuccess: (r) => enter(`/projects/${r.projectId}`) }));
  const signOut = useMutation(trpc.accounts.signOut.mutationOptions({ onSuccess: () => window.location.reload() }));
  if (account.email !== invitedEmail)
    return (
      <div className="flex flex-col gap-3">
        <FormAlert message={t("invitation.otherAccount", { email: account.email, invited: invitedEmail })} />
        <Button variant="outline" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          {t("invitation.switchAccount")}
        </Button>
      </div>
    );
  return (
    <div className="flex flex-col gap-3">
      <FormAlert message={accept.isError ? accept.error.message : null} />
      <Button onClick={() => accept.mutate({ token })} disabled={accept.isPending || accept.isSuccess}>
        {t("invitation.accept")}
      </Button>
    </div>
  );
}

function Invitation({ account }: { account: AccountView | null }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const token = useSearchParams().get("token") ?? "";
  const invitation = useQuery({ ...trpc.projects.inspectInvitation.queryOptions({ token }), enabled: token !== "", retry: false });
  if (!token || invitation.isError)
    return (
      <AuthCard title={t("invitation.invalidTitle")}>
        <FormAlert message={invitation.isError ? invitation.error.message : t("invitation.noToken")} />
        <Button asChild variant="outline">
          <Link href={account ? "/" : "/sign-in"}>{account ? t("invitation.toConsole") : t("verify.signIn")}</Link>
        </Button>
      </AuthCard>
    );
  if (invitation.isPending)
    return (
      <AuthCard title={t("invitation.title")}>
        <LoadingRows count={3} />
      </AuthCard>
    );
  const inv = invitation.data;
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;
  return (
    <AuthCard title={t("invitation.title")} description={t("invitation.description", { project: inv.projectName })}>
      <dl
        className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 rounded-md border bg-muted/40 px-4 py-3 text-sm"
        data-testid="invitation-details"
      >
        <dt className="text-muted-foreground">{t("invitation.project")}</dt>
        <dd className="flex items-center gap-2 font-medium">
          <MailOpen className="size-4 text-muted-foreground" />
          {inv.projectName}
        </dd>
        <dt className="text-muted-foreground">{t("fields.email")}</dt>
        <dd className="font-medium break-all">{inv.email}</dd>
        <dt className="text-muted-foreground">{t("members.role")}</dt>
        <dd className="font-medium">
          <RoleName role={inv.role} customNames={new Map([[inv.role, inv.roleName]])} />
        </dd>
      </dl>
      {account ? (
        <AcceptAsAccount token={token} account={account} invitedEmail={inv.email} />
      ) : inv.accountExists ? (
        <Button asChild>
          <Link href={`/sign-in?next=${encodeURIComponent(here)}`}>{t("invitation.signInToAccept")}</Link>
        </Button>
      ) : (
        <CreateAndAccept token={token} />
      )}
    </AuthCard>
  );
}

export default function AcceptInvitationPage() {
  return <PublicPage mode="open">{(state) => <Invitation account={state.account} />}</PublicPage>;
}
