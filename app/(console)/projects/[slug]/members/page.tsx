"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LogOut, MailPlus, MoreHorizontal, UserMinus, Users, X } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { ConfirmDelete } from "../../../../../components/console/confirm-dialog";
import { formatDate, formatRelative } from "../../../../../components/console/format";
import { RoleBadge, useRoleLabel } from "../../../../../components/console/role-name";
import { ActionsHead } from "../../../../../components/console/row-actions";
import { useAccount } from "../../../../../components/console/session";
import { EmptyState, LoadingRows, PageHeader, QueryError } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { Avatar } from "../../../../../components/shell/account-menu";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../components/ui/card";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "../../../../../components/ui/dropdown-menu";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../../../../../components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import type { MemberView } from "../../../../../server/modules/projects/service";
import { useProject } from "../project-context";
import { useRoles } from "../use-roles";
import { InviteDialog } from "./invite-dialog";

function RoleSelect({ member }: { member: MemberView }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can } = useProject();
  const { roles, customNames } = useRoles();
  const roleLabel = useRoleLabel();
  const change = useMutation(
    trpc.projects.changeRole.mutationOptions({
      onSuccess: async (_r, input) => {
        toast.success(t("members.roleChanged", { name: member.name, role: roleLabel(input.role, customNames) }));
        await queryClient.invalidateQueries({ queryKey: trpc.projects.members.queryKey({ project: ref }) });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  // Giving or taking ownership needs project:transfer (the server checks it too).
  const touchesOwner = member.role === "owner" && !can("project:transfer");
  const options = (roles.data ?? []).filter((r) => r.id !== "owner" || can("project:transfer"));
  return (
    <Select
      value={member.role}
      onValueChange={(role) => change.mutate({ project: ref, accountId: member.accountId, role })}
      disabled={change.isPending || touchesOwner || !roles.data}
    >
      <SelectTrigger size="sm" className="min-w-32" aria-label={t("members.roleOf", { name: member.name })}>
        <SelectValue>{roleLabel(member.role, customNames)}</SelectValue>
      </SelectTrigger>
      <SelectContent>
        {options.map((r) => (
          <SelectItem key={r.id} value={r.id}>
            {roleLabel(r.id, customNames)}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}

function RemoveMemberDialog({ member, self, onClose }: { member: MemberView; self: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { ref, project } = useProject();
  const remove = useMutation(
    trpc.projects.removeMember.mutationOptions({
      onSuccess: async () => {
        if (self) {
          toast.success(t("members.left", { project: project.name }));
          await queryClient.invalidateQueries({ queryKey: trpc.projects.list.queryKey() });
          queryClient.removeQueries({ queryKey: trpc.projects.get.queryKey({ project: ref }) });
          router.push("/projects");
        } else {
          toast.success(t("members.removed", { name: member.name }));
          await queryClient.invalidateQueries({ queryKey: trpc.projects.members.queryKey({ project: ref }) });
        }
      },
    }),
  );
  return (
    <ConfirmDelete
      title={self ? t("members.leaveTitle", { project: project.name }) : t("members.removeTitle", { name: member.name })}
      description={self ? t("members.leaveBody") : t("members.removeBody", { email: member.email })}
      confirmLabel={self ? t("members.leave") : t("members.remove")}
      onConfirm={() => remove.mutateAsync({ project: ref, accountId: member.accountId })}
      onClose={onClose}
    />
  );
}

function Invitations() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref, can } = useProject();
  const { customNames } = useRoles();
  const invitations = useQuery(trpc.projects.invitations.queryOptions({ project: ref }));
  const revoke = useMutation(
    trpc.projects.revokeInvitation.mutationOptions({
      onSuccess: async () => {
        toast.success(t("members.invitationRevoked"));
        await queryClient.invalidateQueries({ queryKey: trpc.projects.invitations.queryKey({ project: ref }) });
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Card data-testid="invitations">
      <CardHeader>
        <CardTitle>{t("members.invitations")}</CardTitle>
        <CardDescription>{t("members.invitationsDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {invitations.isPending ? (
          <LoadingRows count={2} />
        ) : invitations.isError ? (
          <QueryError error={invitations.error} onRetry={() => invitations.refetch()} />
        ) : invitations.data.length === 0 ? (
          <p className="py-4 text-center text-sm text-muted-foreground">{t("members.noInvitations")}</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("fields.email")}</TableHead>
                <TableHead>{t("members.role")}</TableHead>
                <TableHead className="hidden sm:table-cell">{t("members.expires")}</TableHead>
                <ActionsHead />
              </TableRow>
            </TableHeader>
            <TableBody>
              {invitations.data.map((inv) => (
                <TableRow key={inv.id}>
                  <TableCell className="font-medium break-all">{inv.email}</TableCell>
                  <TableCell>
                    <RoleBadge role={inv.role} customNames={customNames} />
                  </TableCell>
                  <TableCell className="hidden text-muted-foreground sm:table-cell">{formatRelative(inv.expiresAt, locale)}</TableCell>
                  <TableCell>
                    {can("members:manage") && (
                      <Button
                        variant="ghost"
                        size="icon"
                        aria-label={t("members.revokeInvitation", { email: inv.email })}
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate({ project: ref, invitationId: inv.id })}
                      >
                        <X />
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

export default function MembersPage() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const account = useAccount();
  const { ref, can } = useProject();
  const { customNames } = useRoles();
  const members = useQuery(trpc.projects.members.queryOptions({ project: ref }));
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<MemberView | null>(null);
  const manage = can("members:manage");
  const inviteButton = manage ? (
    <Button onClick={() => setInviting(true)} data-testid="invite-member">
      <MailPlus />
      {t("members.invite")}
    </Button>
  ) : undefined;
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader
        title={t("members.title")}
        description={manage ? t("members.subtitle") : t("members.subtitleReadOnly")}
        actions={inviteButton}
      />
      <Card>
        <CardContent>
          {members.isPending ? (
            <LoadingRows count={3} />
          ) : members.isError ? (
            <QueryError error={members.error} onRetry={() => members.refetch()} />
          ) : members.data.length === 0 ? (
            <EmptyState icon={Users} title={t("members.emptyTitle")} body={t("members.emptyBody")} action={inviteButton} />
          ) : (
            <Table data-testid="members-table">
              <TableHeader>
                <TableRow>
                  <TableHead>{t("members.member")}</TableHead>
                  <TableHead>{t("members.role")}</TableHead>
                  <TableHead className="hidden md:table-cell">{t("members.joined")}</TableHead>
                  <ActionsHead />
                </TableRow>
              </TableHeader>
              <TableBody>
                {members.data.map((m) => {
                  const self = m.accountId === account.id;
                  return (
                    <TableRow key={m.accountId} data-testid={`member-${m.email}`}>
                      <TableCell>
                        <div className="flex items-center gap-3">
                          <Avatar name={m.name} />
                          <div className="min-w-0">
                            <p className="truncate font-medium">
                              {m.name}
                              {self && (
                                <Badge variant="outline" className="ml-2">
                                  {t("members.you")}
                                </Badge>
                              )}
                            </p>
                            <p className="truncate text-xs text-muted-foreground">{m.email}</p>
                          </div>
                        </div>
                      </TableCell>
                      <TableCell>
                        {manage && !self ? <RoleSelect member={m} /> : <RoleBadge role={m.role} customNames={customNames} />}
                      </TableCell>
                      <TableCell className="hidden text-muted-foreground md:table-cell">{formatDate(m.joinedAt, locale)}</TableCell>
                      <TableCell>
                        {(self || manage) && (
                          <DropdownMenu>
                            <DropdownMenuTrigger asChild>
                              <Button variant="ghost" size="icon" aria-label={t("members.actionsFor", { name: m.name })}>
                                <MoreHorizontal />
                              </Button>
                            </DropdownMenuTrigger>
                            <DropdownMenuContent align="end">
                              {self ? (
                                <DropdownMenuItem onSelect={() => setRemoving(m)} className="text-destructive focus:text-destructive">
                                  <LogOut />
                                  {t("members.leave")}
                                </DropdownMenuItem>
                              ) : (
                                <DropdownMenuItem
                                  onSelect={() => setRemoving(m)}
                                  className="text-destructive focus:text-destructive"
                                  disabled={m.role === "owner" && !can("project:transfer")}
                                >
                                  <UserMinus />
                                  {t("members.remove")}
                                </DropdownMenuItem>
                              )}
                            </DropdownMenuContent>
                          </DropdownMenu>
                        )}
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
      <Invitations />
      {manage && inviting && <InviteDialog onClose={() => setInviting(false)} />}
      {removing && <RemoveMemberDialog member={removing} self={removing.accountId === account.id} onClose={() => setRemoving(null)} />}
    </div>
  );
}
