"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { z } from "zod";
import { ConfirmDelete } from "../../../../../components/console/confirm-dialog";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { useRoleLabel } from "../../../../../components/console/role-name";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
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
  const done = async (message: string) => {
    toast.success(message);
    await queryClient.invalidateQueries({ queryKey: trpc.projects.roles.queryKey({ project: ref }) });
  };
  const create = useMutation(trpc.projects.createRole.mutationOptions({ onSuccess: (r) => done(t("roles.created", { name: r.name })) }));
  const update = useMutation(trpc.projects.updateRole.mutationOptions({ onSuccess: () => done(t("roles.saved")) }));
  return (
    <FormDialog
      form={form}
      title={role ? t("roles.editTitle", { name: role.name }) : t("roles.createTitle")}
      description={role ? t("roles.editDescription") : t("roles.createDescription")}
      submitLabel={role ? t("common.save") : t("roles.create")}
      serverErrors={{ codes: { role_name_taken: "name", role_name_reserved: "name" } }}
      onSubmit={(d) =>
        role
          ? update.mutateAsync({ project: ref, roleId: role.id, name: d.name, description: d.description })
          : create.mutateAsync({
              project: ref,
              name: d.name,
              description: d.description,
              permissions: roles.find((r) => r.id === d.copyFrom)?.permissions ?? [],
            })
      }
      onClose={onClose}
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
    </FormDialog>
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
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("roles.deleteTitle", { name: role.name })}
      description={t("roles.deleteBody")}
      onConfirm={() => remove.mutateAsync({ project: ref, roleId: role.id })}
      onClose={onClose}
    />
  );
}
