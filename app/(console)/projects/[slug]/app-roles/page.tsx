"use client";

import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { BadgeCheck, Plus } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ConfirmDelete } from "../../../../../components/console/confirm-dialog";
import { Field, useZodForm } from "../../../../../components/console/form";
import { FormDialog } from "../../../../../components/console/form-dialog";
import { formatDate } from "../../../../../components/console/format";
import { ActionsHead, EditDeleteMenu } from "../../../../../components/console/row-actions";
import { EmptyState, PageHeader, QueryCard } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription } from "../../../../../components/ui/alert";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Input } from "../../../../../components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import { Textarea } from "../../../../../components/ui/textarea";
import type { AppRoleView } from "../../../../../server/modules/auth/admin";
import { createAppRoleInput } from "../../../../../server/modules/auth/schema";
import { RequirePermission, useProject } from "../project-context";

const roleForm = z.object({ name: createAppRoleInput.shape.name, description: z.string().trim().max(300) });

/** How access rules name a role (CEL). */
const ruleFor = (name: string) => `"${name}" in auth.roles`;

function AppRoleDialog({ role, onClose }: { role: AppRoleView | null; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const form = useZodForm(
    roleForm,
    { name: role?.name ?? "", description: role?.description ?? "" },
    { hints: { name: "appRoles.nameRules" } },
  );
  const done = async (message: string) => {
    toast.success(message);
    await invalidateRoles(queryClient, trpc, ref);
  };
  const create = useMutation(
    trpc.auth.roles.create.mutationOptions({ onSuccess: (r) => done(t("appRoles.createdToast", { name: r.name })) }),
  );
  const update = useMutation(
    trpc.auth.roles.update.mutationOptions({
      onSuccess: (_r, input) => done(t("appRoles.saved", { name: input.name ?? role?.name ?? "" })),
    }),
  );
  const renaming = role !== null && form.values.name.trim() !== role.name;
  return (
    <FormDialog
      form={form}
      title={role ? t("appRoles.editTitle", { name: role.name }) : t("appRoles.createTitle")}
      description={role ? t("appRoles.editDescription") : t("appRoles.createDescription")}
      submitLabel={role ? t("common.save") : t("appRoles.create")}
      serverErrors={{ codes: { app_role_name_taken: "name" } }}
      onSubmit={(d) =>
        role
          ? update.mutateAsync({
              project: ref,
              roleId: role.id,
              ...(d.name !== role.name ? { name: d.name } : {}),
              description: d.description,
            })
          : create.mutateAsync({ project: ref, name: d.name, description: d.description })
      }
      onClose={onClose}
    >
      <Field
        id="field-name"
        label={t("appRoles.name")}
        error={form.errors.name}
        hint={form.values.name.trim() ? <code className="font-mono">{ruleFor(form.values.name.trim())}</code> : t("appRoles.nameHint")}
      >
        <Input {...form.text("name")} autoFocus className="font-mono" spellCheck={false} autoComplete="off" placeholder="editor" />
      </Field>
      <Field id="field-description" label={t("appRoles.description")} error={form.errors.description}>
        <Textarea {...form.text("description")} rows={2} placeholder={t("appRoles.descriptionPlaceholder")} />
      </Field>
      {renaming && role.users > 0 && (
        <Alert data-testid="rename-warning">
          <AlertDescription>{t("appRoles.renameWarning", { name: role.name, count: role.users })}</AlertDescription>
        </Alert>
      )}
    </FormDialog>
  );
}

/** App roles show in the user list and detail too (each user's roles). */
function invalidateRoles(queryClient: QueryClient, trpc: ReturnType<typeof useTRPC>, ref: string) {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: trpc.auth.roles.list.queryKey({ project: ref }) }),
    queryClient.invalidateQueries({ queryKey: trpc.auth.users.pathKey() }),
  ]);
}

function DeleteAppRole({ role, onClose }: { role: AppRoleView; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const remove = useMutation(
    trpc.auth.roles.delete.mutationOptions({
      onSuccess: async () => {
        toast.success(t("appRoles.deleted", { name: role.name }));
        await invalidateRoles(queryClient, trpc, ref);
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("appRoles.deleteTitle", { name: role.name })}
      description={
        role.users > 0
          ? t("appRoles.deleteBodyHeld", { count: role.users, name: role.name })
          : t("appRoles.deleteBody", { name: role.name })
      }
      onConfirm={() => remove.mutateAsync({ project: ref, roleId: role.id })}
      onClose={onClose}
    />
  );
}

function AppRoles() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  const roles = useQuery(trpc.auth.roles.list.queryOptions({ project: ref }));
  const [editing, setEditing] = useState<AppRoleView | "new" | null>(null);
  const [deleting, setDeleting] = useState<AppRoleView | null>(null);
  const manage = can("auth:configure") && !project.archived;
  const createButton = manage ? (
    <Button onClick={() => setEditing("new")} data-testid="create-app-role">
      <Plus />
      {t("appRoles.new")}
    </Button>
  ) : undefined;
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader
        title={t("appRoles.title")}
        description={
          <>
            {t("appRoles.subtitle")} <code className="rounded bg-muted px-1 py-0.5 font-mono text-xs">{ruleFor("editor")}</code>
          </>
        }
        actions={roles.data && roles.data.length > 0 ? createButton : undefined}
      />
      <QueryCard
        query={roles}
        empty={
          roles.data?.length === 0 && (
            <EmptyState
              icon={BadgeCheck}
              title={t("appRoles.emptyTitle")}
              body={manage ? t("appRoles.emptyBody") : t("appRoles.emptyBodyReadOnly")}
              action={createButton}
            />
          )
        }
      >
        {(data) => (
          <Table data-testid="app-roles-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("appRoles.name")}</TableHead>
                <TableHead>{t("appRoles.description")}</TableHead>
                <TableHead>{t("appRoles.users")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("appRoles.created")}</TableHead>
                {manage && <ActionsHead />}
              </TableRow>
            </TableHeader>
            <TableBody>
              {data.map((r) => (
                <TableRow key={r.id} data-testid={`app-role-${r.name}`}>
                  <TableCell className="pl-5">
                    <Badge variant="outline" className="font-mono text-sm">
                      {r.name}
                    </Badge>
                  </TableCell>
                  <TableCell className="max-w-80 truncate text-muted-foreground" title={r.description}>
                    {r.description || "—"}
                  </TableCell>
                  <TableCell>{r.users}</TableCell>
                  <TableCell className="hidden text-muted-foreground md:table-cell">{formatDate(r.createdAt, locale)}</TableCell>
                  {manage && (
                    <TableCell>
                      <EditDeleteMenu
                        label={t("appRoles.actionsFor", { name: r.name })}
                        onEdit={() => setEditing(r)}
                        onDelete={() => setDeleting(r)}
                      />
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      <p className="text-sm text-muted-foreground">{t("appRoles.tokenNote")}</p>
      {editing && <AppRoleDialog role={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && <DeleteAppRole role={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

export default function AppRolesPage() {
  return (
    <RequirePermission permission="users:read">
      <AppRoles />
    </RequirePermission>
  );
}
