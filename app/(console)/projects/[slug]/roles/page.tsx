"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Lock, MoreHorizontal, Pencil, Plus, Trash2 } from "lucide-react";
import { Fragment, useState } from "react";
import { toast } from "sonner";
import { useRoleLabel } from "../../../../../components/console/role-name";
import { PageHeader, QueryCard } from "../../../../../components/console/states";
import type { MessageKey } from "../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Button } from "../../../../../components/ui/button";
import { Checkbox } from "../../../../../components/ui/checkbox";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "../../../../../components/ui/dropdown-menu";
import { Tooltip, TooltipContent, TooltipTrigger } from "../../../../../components/ui/tooltip";
import { usePermissionGroups } from "../../../../../components/console/permissions";
import type { Permission } from "../../../../../server/modules/projects/permissions";
import type { RoleView } from "../../../../../server/modules/projects/service";
import { useProject } from "../project-context";
import { DeleteRoleDialog, RoleDialog } from "./role-dialogs";

const permissionKey = (p: Permission) => `permissions.${p.replace(":", "_")}` as MessageKey;
const moduleKey = (m: string) => `permissions.module_${m}` as MessageKey;

/** One custom role's column: ticking saves at once; the column waits while a save is in flight. */
function useTogglePermission(role: RoleView) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const { t } = useI18n();
  const key = trpc.projects.roles.queryKey({ project: ref });
  return useMutation(
    trpc.projects.updateRole.mutationOptions({
      onMutate: async (input) => {
        await queryClient.cancelQueries({ queryKey: key });
        const previous = queryClient.getQueryData(key);
        queryClient.setQueryData(key, (roles) =>
          roles?.map((r) => (r.id === role.id ? { ...r, permissions: input.permissions ?? r.permissions } : r)),
        );
        return { previous };
      },
      onError: (e, _input, context) => {
        if (context?.previous) queryClient.setQueryData(key, context.previous);
        toast.error(e.message);
      },
      onSuccess: () => toast.success(t("roles.saved"), { id: `role-${role.id}` }),
      onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
    }),
  );
}

function PermissionCell({ role, permission, editable }: { role: RoleView; permission: Permission; editable: boolean }) {
  const { t } = useI18n();
  const roleLabel = useRoleLabel();
  const { ref } = useProject();
  const toggle = useTogglePermission(role);
  const checked = role.permissions.includes(permission);
  const label = `${roleLabel(role.id, new Map([[role.id, role.name]]))}: ${t(permissionKey(permission))}`;
  return (
    <td className="px-3 py-2 text-center">
      <Checkbox
        checked={checked}
        disabled={!editable || toggle.isPending}
        aria-label={label}
        data-testid={`perm-${role.name}-${permission}`}
        onCheckedChange={(value) => {
          const next = value === true ? [...role.permissions, permission] : role.permissions.filter((p) => p !== permission);
          toggle.mutate({ project: ref, roleId: role.id, permissions: next });
        }}
      />
    </td>
  );
}

export default function RolesPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const { ref, can } = useProject();
  const roleLabel = useRoleLabel();
  const roles = useQuery(trpc.projects.roles.queryOptions({ project: ref }));
  const groups = usePermissionGroups();
  const [editing, setEditing] = useState<RoleView | "new" | null>(null);
  const [deleting, setDeleting] = useState<RoleView | null>(null);
  const manage = can("roles:manage");
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6">
      <PageHeader
        title={t("roles.title")}
        description={t("roles.subtitle")}
        actions={
          manage ? (
            <Button onClick={() => setEditing("new")} data-testid="create-role">
              <Plus />
              {t("roles.new")}
            </Button>
          ) : undefined
        }
      />
      <QueryCard query={roles} loadingRows={6}>
        {(data) => (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="roles-matrix">
              <thead>
                <tr className="border-b">
                  <th
                    scope="col"
                    className="sticky left-0 z-10 min-w-56 bg-card px-4 py-3 text-left text-xs font-medium text-muted-foreground"
                  >
                    {t("roles.permission")}
                  </th>
                  {data.map((r) => (
                    <th key={r.id} scope="col" className="min-w-28 px-3 py-3 text-center align-bottom">
                      <div className="flex flex-col items-center gap-1">
                        <span className="flex items-center gap-1 font-medium">
                          {r.builtIn && (
                            <Tooltip>
                              <TooltipTrigger asChild>
                                <Lock className="size-3 text-muted-foreground" aria-label={t("roles.builtIn")} />
                              </TooltipTrigger>
                              <TooltipContent>{t("roles.builtInHint")}</TooltipContent>
                            </Tooltip>
                          )}
                          {roleLabel(r.id, new Map([[r.id, r.name]]))}
                        </span>
                        {!r.builtIn && manage && (
                          <DropdownMenu>
                            <DropdownMenuTrigger asChild>
                              <Button variant="ghost" size="sm" className="h-6 px-1" aria-label={t("roles.actionsFor", { name: r.name })}>
                                <MoreHorizontal />
                              </Button>
                            </DropdownMenuTrigger>
                            <DropdownMenuContent align="center">
                              <DropdownMenuItem onSelect={() => setEditing(r)}>
                                <Pencil />
                                {t("roles.rename")}
                              </DropdownMenuItem>
                              <DropdownMenuItem onSelect={() => setDeleting(r)} className="text-destructive focus:text-destructive">
                                <Trash2 />
                                {t("common.delete")}
                              </DropdownMenuItem>
                            </DropdownMenuContent>
                          </DropdownMenu>
                        )}
                        {r.description && (
                          <span className="max-w-40 truncate text-xs font-normal text-muted-foreground" title={r.description}>
                            {r.description}
                          </span>
                        )}
                      </div>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {groups.map((group) => (
                  <Fragment key={group.module}>
                    <tr className="border-b bg-muted/40">
                      <th
                        scope="rowgroup"
                        colSpan={data.length + 1}
                        className="sticky left-0 px-4 py-1.5 text-left text-xs font-semibold tracking-wide text-muted-foreground uppercase"
                      >
                        {t(moduleKey(group.module))}
                      </th>
                    </tr>
                    {group.permissions.map((p) => (
                      <tr key={p} className="border-b last:border-0 hover:bg-muted/30">
                        <th scope="row" className="sticky left-0 z-10 bg-card px-4 py-2 text-left font-normal">
                          <span className="block">{t(permissionKey(p))}</span>
                          <code className="text-xs text-muted-foreground">{p}</code>
                        </th>
                        {data.map((r) => (
                          <PermissionCell key={r.id} role={r} permission={p} editable={manage && !r.builtIn} />
                        ))}
                      </tr>
                    ))}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryCard>
      {roles.data && roles.data.every((r) => r.builtIn) && (
        <p className="text-sm text-muted-foreground">{manage ? t("roles.noCustom") : t("roles.noCustomReadOnly")}</p>
      )}
      {editing && roles.data && (
        <RoleDialog role={editing === "new" ? null : editing} roles={roles.data} onClose={() => setEditing(null)} />
      )}
      {deleting && <DeleteRoleDialog role={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}
