"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { UserPlus, UsersRound } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { AccountFields } from "../../../../components/console/account-fields";
import { useZodForm } from "../../../../components/console/form";
import { FormDialog } from "../../../../components/console/form-dialog";
import { formatDate, formatRelative } from "../../../../components/console/format";
import { ActionsHead } from "../../../../components/console/row-actions";
import { useAccount } from "../../../../components/console/session";
import { EmptyState, PageHeader, QueryCard } from "../../../../components/console/states";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { Avatar } from "../../../../components/shell/account-menu";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../components/ui/badge";
import { Button } from "../../../../components/ui/button";
import { Label } from "../../../../components/ui/label";
import { Switch } from "../../../../components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../components/ui/table";
import { setupInput } from "../../../../server/modules/accounts/schema";
import type { AccountView } from "../../../../server/modules/accounts/service";

const createForm = setupInput.extend({ instanceAdmin: z.boolean() });

function CreateAccountDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(createForm, { name: "", email: "", password: "", instanceAdmin: false });
  const create = useMutation(
    trpc.instance.createAccount.mutationOptions({
      onSuccess: async (a) => {
        toast.success(t("accounts.created", { email: a.email }));
        await queryClient.invalidateQueries({ queryKey: trpc.instance.accounts.queryKey() });
      },
    }),
  );
  return (
    <FormDialog
      form={form}
      title={t("accounts.createTitle")}
      description={t("accounts.createDescription")}
      submitLabel={t("accounts.create")}
      serverErrors={{ codes: { email_taken: "email" } }}
      onSubmit={(d) => create.mutateAsync(d)}
      onClose={onClose}
    >
      <AccountFields form={form} forSomeoneElse />
      <div className="flex items-center gap-3">
        <Switch id="field-instanceAdmin" checked={form.values.instanceAdmin} onCheckedChange={(v) => form.set("instanceAdmin", v)} />
        <Label htmlFor="field-instanceAdmin" className="font-normal">
          {t("accounts.makeAdmin")}
        </Label>
      </div>
    </FormDialog>
  );
}

function DisableToggle({ account }: { account: AccountView }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toggle = useMutation(
    trpc.instance.setAccountDisabled.mutationOptions({
      onSuccess: async (_r, input) => {
        toast.success(
          input.disabled ? t("accounts.disabledToast", { email: account.email }) : t("accounts.enabledToast", { email: account.email }),
        );
        await queryClient.invalidateQueries({ queryKey: trpc.instance.accounts.queryKey() });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Button
      variant="ghost"
      size="sm"
      className={account.disabled ? undefined : "text-destructive"}
      disabled={toggle.isPending}
      onClick={() => toggle.mutate({ accountId: account.id, disabled: !account.disabled })}
    >
      {account.disabled ? t("accounts.enable") : t("accounts.disable")}
    </Button>
  );
}

export default function AccountsPage() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const me = useAccount();
  const accounts = useQuery(trpc.instance.accounts.queryOptions());
  const [creating, setCreating] = useState(false);
  const createButton = (
    <Button onClick={() => setCreating(true)} data-testid="create-account">
      <UserPlus />
      {t("accounts.new")}
    </Button>
  );
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader title={t("accounts.title")} description={t("accounts.subtitle")} actions={createButton} />
      <QueryCard
        query={accounts}
        loadingRows={4}
        empty={accounts.data?.length === 0 && <EmptyState icon={UsersRound} title={t("accounts.empty")} action={createButton} />}
      >
        {(data) => (
          <Table data-testid="accounts-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("accounts.account")}</TableHead>
                <TableHead>{t("accounts.status")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("accounts.createdAt")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("accounts.lastSignIn")}</TableHead>
                <ActionsHead className="w-24" />
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.map((a) => (
                <TableRow key={a.id} data-testid={`account-${a.email}`}>
                  <TableCell className="pl-5">
                    <div className="flex items-center gap-3">
                      <Avatar name={a.name} />
                      <div className="min-w-0">
                        <p className="truncate font-medium">{a.name}</p>
                        <p className="truncate text-xs text-muted-foreground">{a.email}</p>
                      </div>
                    </div>
                  </TableCell>
                  <TableCell>
                    <div className="flex flex-wrap gap-1">
                      {a.disabled ? (
                        <Badge variant="destructive">{t("accounts.disabled")}</Badge>
                      ) : (
                        <Badge variant="success">{t("accounts.active")}</Badge>
                      )}
                      {a.instanceAdmin && <Badge variant="secondary">{t("accounts.admin")}</Badge>}
                      {a.totpEnabled && <Badge variant="outline">{t("accounts.twoFactor")}</Badge>}
                      {!a.emailVerified && <Badge variant="outline">{t("account.unverified")}</Badge>}
                    </div>
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell">{formatDate(a.createdAt, locale)}</TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell">
                    {a.lastSignInAt ? formatRelative(a.lastSignInAt, locale) : t("accounts.never")}
                  </TableCell>
                  <TableCell>{a.id !== me.id && <DisableToggle account={a} />}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      {creating && <CreateAccountDialog onClose={() => setCreating(false)} />}
    </div>
  );
}
