"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, Link2 } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { CopyButton } from "../../../../../components/console/copy-button";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { useRoleLabel } from "../../../../../components/console/role-name";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription, AlertTitle } from "../../../../../components/ui/alert";
import { Button } from "../../../../../components/ui/button";
import { DialogFooter } from "../../../../../components/ui/dialog";
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
export function InviteDialog({ onClose }: { onClose: () => void }) {
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
          onClose();
        } else {
          setUnmailedLink({ email: result.invitation.email, link: result.link });
        }
      },
    }),
  );
  const assignable = (roles.data ?? []).filter((r) => r.id !== "owner" || can("project:transfer"));
  return (
    <FormDialog
      form={form}
      title={t("members.inviteTitle")}
      description={t("members.inviteDescription")}
      submitLabel={t("members.sendInvite")}
      serverErrors={{ codes: { already_member: "email" } }}
      onSubmit={(d) => invite.mutateAsync({ project: ref, ...d })}
      closeOnSuccess={false}
      onClose={onClose}
      done={
        unmailedLink && (
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
              <Button onClick={onClose}>
                <CheckCircle2 />
                {t("common.done")}
              </Button>
            </DialogFooter>
          </>
        )
      }
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
    </FormDialog>
  );
}
