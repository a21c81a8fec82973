"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeySquare, Plus } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { ConfirmDelete } from "../../../../../components/console/confirm-dialog";
import { formatDate, formatDateTime, formatRelative } from "../../../../../components/console/format";
import { ActionsHead } from "../../../../../components/console/row-actions";
import { EmptyState, PageHeader, QueryCard } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import { Tooltip, TooltipContent, TooltipTrigger } from "../../../../../components/ui/tooltip";
import type { ApiKeyView } from "../../../../../server/modules/auth/api-keys";
import { RequirePermission, useProject } from "../project-context";
import { CreateKeyDialog, permissionKey } from "./create-key-dialog";

type KeyState = "active" | "expired" | "revoked";
const stateOf = (k: ApiKeyView, now: number): KeyState =>
  k.revokedAt ? "revoked" : k.expiresAt && Date.parse(k.expiresAt) <= now ? "expired" : "active";

function Permissions({ permissions }: { permissions: string[] }) {
  const { t } = useI18n();
  // Three fit; more collapse into "+n" with the rest in a tooltip.
  const shown = permissions.length <= 3 ? permissions : permissions.slice(0, 2);
  const rest = permissions.slice(shown.length);
  return (
    <div className="flex max-w-64 flex-wrap gap-1">
      {shown.map((p) => (
        <Badge key={p} variant="outline" className="font-mono" title={t(permissionKey(p))}>
          {p}
        </Badge>
      ))}
      {rest.length > 0 && (
        <Tooltip>
          <TooltipTrigger asChild>
            <Badge variant="secondary" tabIndex={0}>
              {t("apiKeys.more", { count: rest.length })}
            </Badge>
          </TooltipTrigger>
          <TooltipContent>
            <span className="font-mono">{rest.join(", ")}</span>
          </TooltipContent>
        </Tooltip>
      )}
    </div>
  );
}

function RevokeDialog({ apiKey, onClose }: { apiKey: ApiKeyView; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { ref } = useProject();
  const revoke = useMutation(
    trpc.auth.apiKeys.revoke.mutationOptions({
      onSuccess: async () => {
        toast.success(t("apiKeys.revoked", { name: apiKey.name }));
        await queryClient.invalidateQueries({ queryKey: trpc.auth.apiKeys.list.queryKey({ project: ref }) });
      },
    }),
  );
  return (
    <ConfirmDelete
      title={t("apiKeys.revokeTitle", { name: apiKey.name })}
      description={t("apiKeys.revokeBody", { prefix: `ar_${apiKey.prefix}_…` })}
      confirmLabel={t("apiKeys.revoke")}
      onConfirm={() => revoke.mutateAsync({ project: ref, keyId: apiKey.id })}
      onClose={onClose}
    />
  );
}

function ApiKeys() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { ref, can, project } = useProject();
  const keys = useQuery(trpc.auth.apiKeys.list.queryOptions({ project: ref }));
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  const manage = can("keys:manage") && !project.archived;
  const now = keys.dataUpdatedAt || Date.now();
  // Usable keys first, newest first within each group (the server sends newest first).
  const rows = [...(keys.data ?? [])].sort((a, b) => Number(stateOf(a, now) !== "active") - Number(stateOf(b, now) !== "active"));
  const createButton = manage ? (
    <Button onClick={() => setCreating(true)} data-testid="create-api-key">
      <Plus />
      {t("apiKeys.new")}
    </Button>
  ) : undefined;
  const stateBadge = (s: KeyState) =>
    s === "active" ? (
      <Badge variant="success">{t("apiKeys.active")}</Badge>
    ) : s === "expired" ? (
      <Badge variant="outline">{t("apiKeys.expired")}</Badge>
    ) : (
      <Badge variant="destructive">{t("apiKeys.revokedState")}</Badge>
    );
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6">
      <PageHeader
        title={t("apiKeys.title")}
        description={manage ? t("apiKeys.subtitle") : t("apiKeys.subtitleReadOnly")}
        actions={rows.length > 0 ? createButton : undefined}
      />
      <QueryCard
        query={keys}
        empty={
          rows.length === 0 && (
            <EmptyState
              icon={KeySquare}
              title={t("apiKeys.emptyTitle")}
              body={manage ? t("apiKeys.emptyBody") : t("apiKeys.emptyBodyReadOnly")}
              action={createButton}
            />
          )
        }
      >
        {() => (
          <Table data-testid="api-keys-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("apiKeys.name")}</TableHead>
                <TableHead>{t("apiKeys.permissions")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("apiKeys.expires")}</TableHead>
                <TableHead className="hidden lg:table-cell">{t("apiKeys.lastUsed")}</TableHead>
                <TableHead className="hidden lg:table-cell">{t("apiKeys.createdBy")}</TableHead>
                <TableHead>{t("apiKeys.status")}</TableHead>
                {manage && <ActionsHead className="w-24" />}
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((k) => {
                const state = stateOf(k, now);
                return (
                  <TableRow
                    key={k.id}
                    data-testid={`api-key-${k.name}`}
                    className={state === "active" ? undefined : "text-muted-foreground"}
                  >
                    <TableCell className="pl-5">
                      <p className="font-medium">{k.name}</p>
                      <code className="font-mono text-xs text-muted-foreground">ar_{k.prefix}_…</code>
                    </TableCell>
                    <TableCell>
                      <Permissions permissions={k.permissions} />
                    </TableCell>
                    <TableCell
                      className="hidden whitespace-nowrap md:table-cell"
                      title={k.expiresAt ? formatDateTime(k.expiresAt, locale) : undefined}
                    >
                      {k.expiresAt ? formatDate(k.expiresAt, locale) : t("apiKeys.never")}
                    </TableCell>
                    <TableCell
                      className="hidden whitespace-nowrap lg:table-cell"
                      title={k.lastUsedAt ? formatDateTime(k.lastUsedAt, locale) : undefined}
                    >
                      {k.lastUsedAt ? formatRelative(k.lastUsedAt, locale) : t("apiKeys.neverUsed")}
                    </TableCell>
                    <TableCell className="hidden lg:table-cell">
                      <p className="max-w-48 truncate">{k.createdBy}</p>
                      <p className="text-xs text-muted-foreground" title={formatDateTime(k.createdAt, locale)}>
                        {formatDate(k.createdAt, locale)}
                      </p>
                    </TableCell>
                    <TableCell>{stateBadge(state)}</TableCell>
                    {manage && (
                      <TableCell>
                        {state !== "revoked" && (
                          <Button
                            variant="ghost"
                            size="sm"
                            className="text-destructive hover:text-destructive"
                            onClick={() => setRevoking(k)}
                            aria-label={t("apiKeys.revokeNamed", { name: k.name })}
                          >
                            {t("apiKeys.revoke")}
                          </Button>
                        )}
                      </TableCell>
                    )}
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      <p className="text-sm text-muted-foreground">{t("apiKeys.note")}</p>
      {creating && <CreateKeyDialog onClose={() => setCreating(false)} />}
      {revoking && <RevokeDialog apiKey={revoking} onClose={() => setRevoking(null)} />}
    </div>
  );
}

export default function ApiKeysPage() {
  return (
    <RequirePermission permission="keys:read">
      <ApiKeys />
    </RequirePermission>
  );
}
