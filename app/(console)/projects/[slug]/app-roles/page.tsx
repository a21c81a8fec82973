"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BadgeCheck, MoreHorizontal, Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { errorInfo } from "../../../../../components/console/errors";
import { Field, useZodForm } from "../../../../../components/console/form";
import { formatDate } from "../../../../../components/console/format";
import { EmptyState, LoadingRows, PageHeader, QueryError } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription } from "../../../../../components/ui/alert";
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
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent } from "../../../../../components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../../../../../components/ui/dialog";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "../../../../../components/ui/dropdown-menu";
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
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.auth.roles.list.queryKey({ project: ref }) }),
      queryClient.invalidateQueries({ queryKey: trpc.auth.users.pathKey() }),
    ]);
    onClose();
  };
  const onError = (e: unknown) => {
    const info = errorInfo(e);
    if (info.code === "app_role_name_taken") form.fieldError("name", info.message);
    else if (!form.serverError(e)) toast.error(info.message);
  };
  const create = useMutation(
    trpc.auth.roles.create.mutationOptions({ onSuccess: (r) => done(t("appRoles.createdToast", { name: r.name })), onError }),
  );
  const update = useMutation(
    trpc.auth.roles.update.mutationOptions({
      onSuccess: (_r, input) => done(t("appRoles.saved", { name: input.name ?? role?.name ?? "" })),
      onError,
    }),
  );
  const pending = create.isPending || update.isPending;
  const renaming = role !== null && form.values.name.trim() !== role.name;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent closeLabel={t("common.close")}>
        <DialogHeader>
          <DialogTitle>{role ? t("appRoles.editTitle", { name: role.name }) : t("appRoles.createTitle")}</DialogTitle>
          <DialogDescription>{role ? t("appRoles.editDescription") : t("appRoles.createDescription")}</DialogDescription>
        </DialogHeader>
        <form
          ref={form.formRef}
          id="app-role-form"
          noValidate
          className="flex flex-col gap-4"
          onSubmit={form.submit((d) => {
            if (role)
              update.mutate({
                project: ref,
                roleId: role.id,
                ...(d.name !== role.name ? { name: d.name } : {}),
                description: d.description,
              });
            else create.mutate({ project: ref, name: d.name, description: d.description });
          })}
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
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" form="app-role-form" disabled={pending}>
            {role ? t("common.save") : t("appRoles.create")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
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
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.auth.roles.list.queryKey({ project: ref }) }),
          queryClient.invalidateQueries({ queryKey: trpc.auth.users.pathKey() }),
        ]);
        onClose();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <AlertDialog open onOpenChange={(o) => !o && onClose()}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{t("appRoles.deleteTitle", { name: role.name })}</AlertDialogTitle>
          <AlertDialogDescription>
            {role.users > 0
              ? t("appRoles.deleteBodyHeld", { count: role.users, name: role.name })
              : t("appRoles.deleteBody", { name: role.name })}
          </AlertDialogDescription>
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
      <Card className="py-0">
        <CardContent className="px-0">
          {roles.isPending ? (
            <div className="p-5">
              <LoadingRows count={3} />
            </div>
          ) : roles.isError ? (
            <div className="p-5">
              <QueryError error={roles.error} onRetry={() => roles.refetch()} />
            </div>
          ) : roles.data.length === 0 ? (
            <div className="p-5">
              <EmptyState
                icon={BadgeCheck}
                title={t("appRoles.emptyTitle")}
                body={manage ? t("appRoles.emptyBody") : t("appRoles.emptyBodyReadOnly")}
                action={createButton}
              />
            </div>
          ) : (
            <Table data-testid="app-roles-table">
              <TableHeader>
                <TableRow>
                  <TableHead className="pl-5">{t("appRoles.name")}</TableHead>
                  <TableHead>{t("appRoles.description")}</TableHead>
                  <TableHead>{t("appRoles.users")}</TableHead>
                  <TableHead className="hidden md:table-cell">{t("appRoles.created")}</TableHead>
                  {manage && (
                    <TableHead className="w-12">
                      <span className="sr-only">{t("common.actions")}</span>
                    </TableHead>
                  )}
                </TableRow>
              </TableHeader>
              <TableBody>
                {roles.data.map((r) => (
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
                        <DropdownMenu>
                          <DropdownMenuTrigger asChild>
                            <Button variant="ghost" size="icon" aria-label={t("appRoles.actionsFor", { name: r.name })}>
                              <MoreHorizontal />
                            </Button>
                          </DropdownMenuTrigger>
                          <DropdownMenuContent align="end">
                            <DropdownMenuItem onSelect={() => setEditing(r)}>
                              <Pencil />
                              {t("common.edit")}
                            </DropdownMenuItem>
                            <DropdownMenuItem onSelect={() => setDeleting(r)} className="text-destructive focus:text-destructive">
                              <Trash2 />
                              {t("common.delete")}
                            </DropdownMenuItem>
                          </DropdownMenuContent>
                        </DropdownMenu>
                      </TableCell>
                    )}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
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
