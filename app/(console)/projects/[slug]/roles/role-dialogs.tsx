"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { z } from "zod";
import { errorInfo } from "../../../../../components/console/errors";
import { Field, useZodForm } from "../../../../../components/console/form";
import { useRoleLabel } from "../../../../../components/console/role-name";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "../../../../../components/ui/alert-dialog";
import { Button } from "../../../../../components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../../../../../components/ui/dialog";
import { Input } from "../../../../../components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { Textarea } from "../../../../../components/ui/textarea";
import { roleNameSchema } from "../../../../../server/modules/projects/schema";
import type { RoleView } from "../../../../../server/modules/projects/service";
import { useProject } from "../project-context";

const roleForm = z.object({ name: roleNameSchema, description: z.string().trim().max(300), copyFrom: z.string() });
const NONE = "__none__";

/** Creates a custom role, or renames one and edits its description. */
export function RoleDialog({ role, roles, onClose }: { role: RoleView | null; roles: RoleView[]; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const roleLabel = useRoleLabel();
  const form = useZodForm(
    roleForm,
    { name: role?.name ?? "", description: role?.description ?? "", copyFrom: NONE },
    { hints: { name: "roles.nameRules" } },
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.projects.roles.queryKey({ project: ref }) });
  const onError = (e: unknown) => {
    const info = errorInfo(e);
    if (info.code === "role_name_taken" || info.code === "role_name_reserved") form.fieldError("name", info.message);
    else if (!form.serverError(e)) toast.error(info.message);
  };
  const create = useMutation(
    trpc.projects.createRole.mutationOptions({
      onSuccess: async (r) => {
        toast.success(t("roles.created", { name: r.name }));
        await refresh();
        onClose();
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.projects.updateRole.mutationOptions({
      onSuccess: async () => {
        toast.success(t("roles.saved"));
        await refresh();
        onClose();
      },
      onError,
    }),
  );
  const pending = create.isPending || update.isPending;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent closeLabel={t("common.close")}>
        <DialogHeader>
          <DialogTitle>{role ? t("roles.editTitle", { name: role.name }) : t("roles.createTitle")}</DialogTitle>
          <DialogDescription>{role ? t("roles.editDescription") : t("roles.createDescription")}</DialogDescription>
        </DialogHeader>
        <form
          ref={form.formRef}
          id="role-form"
          noValidate
          className="flex flex-col gap-4"
          onSubmit={form.submit((d) => {
            if (role) update.mutate({ project: ref, roleId: role.id, name: d.name, description: d.description });
            else
              create.mutate({
                project: ref,
                name: d.name,
                description: d.description,
                permissions: roles.find((r) => r.id === d.copyFrom)?.permissions ?? [],
              });
          })}
        >
          <Field id="field-name" label={t("roles.name")} error={form.errors.name}>
            <Input {...form.text("name")} autoFocus />
          </Field>
          <Field id="field-description" label={t("roles.description")} error={form.errors.description}>
            <Textarea {...form.text("description")} rows={2} />
          </Field>
          {!role && (
            <Field id="field-copyFrom" label={t("roles.copyFrom")}>
              <Select value={form.values.copyFrom} onValueChange={(v) => form.set("copyFrom", v)} name="copyFrom">
                <SelectTrigger id="field-copyFrom" className="w-full">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value={NONE}>{t("roles.startEmpty")}</SelectItem>
                  {roles.map((r) => (
                    <SelectItem key={r.id} value={r.id}>
                      {roleLabel(r.id, new Map([[r.id, r.name]]))}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </Field>
          )}
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" form="role-form" disabled={pending}>
            {role ? t("common.save") : t("roles.create")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function DeleteRoleDialog({ role, onClose }: { role: RoleView; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const remove = useMutation(
    trpc.projects.deleteRole.mutationOptions({
      onSuccess: async () => {
        toast.success(t("roles.deleted", { name: role.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.projects.roles.queryKey({ project: ref }) });
        onClose();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <AlertDialog open onOpenChange={(o) => !o && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{t("roles.deleteTitle", { name: role.name })}</AlertDialogTitle>
          <AlertDialogDescription>{t("roles.deleteBody")}</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>{t("common.cancel")}</AlertDialogCancel>
          <AlertDialogAction
            variant="destructive"
            disabled={remove.isPending}
            onClick={(e) => {
              e.preventDefault();
              remove.mutate({ project: ref, roleId: role.id });
            }}
          >
            {t("common.delete")}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
