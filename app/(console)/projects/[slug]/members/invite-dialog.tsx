"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, Link2 } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { errorInfo } from "../../../../../components/console/errors";
import { Field, useZodForm } from "../../../../../components/console/form";
import { useRoleLabel } from "../../../../../components/console/role-name";
import { CopyButton } from "../../../../../components/console/copy-button";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription, AlertTitle } from "../../../../../components/ui/alert";
import { Button } from "../../../../../components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../../../../../components/ui/dialog";
import { Input } from "../../../../../components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { inviteInput } from "../../../../../server/modules/projects/schema";
import { useProject } from "../project-context";
import { useRoles } from "../use-roles";

const inviteForm = inviteInput.omit({ project: true });

/**
 * Invites an email with a role. When the instance has no mail, the server says `mailed: false`
 * and the dialog shows the link to pass on another way.
 */
export function InviteDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can } = useProject();
  const { roles, customNames } = useRoles();
  const roleLabel = useRoleLabel();
  const form = useZodForm(inviteForm, { email: "", role: "developer" });
  const [unmailedLink, setUnmailedLink] = useState<{ email: string; link: string } | null>(null);
  const invite = useMutation(
    trpc.projects.invite.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries({ queryKey: trpc.projects.invitations.queryKey({ project: ref }) });
        if (result.mailed) {
          toast.success(t("members.invited", { email: result.invitation.email }));
          close();
        } else {
          setUnmailedLink({ email: result.invitation.email, link: result.link });
        }
      },
      onError: (e) => {
        const code = errorInfo(e).code;
        if (code === "already_member") form.fieldError("email", e.message);
        else if (!form.serverError(e)) toast.error(e.message);
      },
    }),
  );
  function close() {
    onOpenChange(false);
    form.reset({ email: "", role: "developer" });
    setUnmailedLink(null);
    invite.reset();
  }
  const assignable = (roles.data ?? []).filter((r) => r.id !== "owner" || can("project:transfer"));
  return (
    <Dialog open={open} onOpenChange={(o) => (o ? onOpenChange(true) : close())}>
      <DialogContent closeLabel={t("common.close")}>
        <DialogHeader>
          <DialogTitle>{t("members.inviteTitle")}</DialogTitle>
          <DialogDescription>{t("members.inviteDescription")}</DialogDescription>
        </DialogHeader>
        {unmailedLink ? (
          <>
            <Alert data-testid="invitation-link">
              <Link2 />
              <AlertTitle>{t("members.linkTitle", { email: unmailedLink.email })}</AlertTitle>
              <AlertDescription>
                <p>{t("members.linkBody")}</p>
                <div className="mt-2 flex w-full items-center gap-2">
                  <Input
                    readOnly
                    value={unmailedLink.link}
                    className="font-mono text-xs"
                    aria-label={t("members.link")}
                    onFocus={(e) => e.currentTarget.select()}
                  />
                  <CopyButton value={unmailedLink.link} />
                </div>
              </AlertDescription>
            </Alert>
            <DialogFooter>
              <Button onClick={close}>
                <CheckCircle2 />
                {t("common.done")}
              </Button>
            </DialogFooter>
          </>
        ) : (
          <>
            <form
              ref={form.formRef}
              onSubmit={form.submit((d) => invite.mutate({ project: ref, ...d }))}
              className="flex flex-col gap-4"
              noValidate
              id="invite-form"
            >
              <Field id="field-email" label={t("fields.email")} error={form.errors.email}>
                <Input {...form.text("email")} type="email" autoComplete="off" autoFocus />
              </Field>
              <Field id="field-role" label={t("members.role")} error={form.errors.role}>
                <Select value={form.values.role} onValueChange={(v) => form.set("role", v)} name="role">
                  <SelectTrigger id="field-role" className="w-full">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {assignable.map((r) => (
                      <SelectItem key={r.id} value={r.id}>
                        {roleLabel(r.id, customNames)}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </Field>
            </form>
            <DialogFooter>
              <Button variant="outline" onClick={close}>
                {t("common.cancel")}
              </Button>
              <Button type="submit" form="invite-form" disabled={invite.isPending}>
                {t("members.sendInvite")}
              </Button>
            </DialogFooter>
          </>
        )}
      </DialogContent>
    </Dialog>
  );
}
