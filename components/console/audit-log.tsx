"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { FileClock, Filter } from "lucide-react";
import { Fragment, useState } from "react";
import type { AuditRecord } from "../../server/modules/audit/service";
import type { MessageKey } from "../i18n/catalog";
import { useI18n } from "../i18n/i18n-provider";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "../ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../ui/table";
import { formatDateTime, formatRelative } from "./format";
import { EmptyState, QueryCard } from "./states";

/** Every action the server writes to the audit log, by where it is written. */
export const PROJECT_ACTIONS = [
  "project.create",
  "project.update",
  "project.archive",
  "project.unarchive",
  "project.transfer",
  "member.invite",
  "member.invitation.revoke",
  "member.join",
  "member.role.change",
  "member.remove",
  "member.leave",
  "role.create",
  "role.update",
  "role.delete",
  "grant.create",
  "grant.revoke",
  "auth.settings.update",
  "auth.provider.create",
  "auth.provider.update",
  "auth.provider.delete",
  "auth.signing_key.rotate",
  "app_user.disable",
  "app_user.enable",
  "app_user.sessions.revoke",
  "app_user.password_reset.send",
  "app_user.roles.set",
  "app_user.delete",
  "app_role.create",
  "app_role.update",
  "app_role.delete",
  "api_key.create",
  "api_key.revoke",
  "data.schema.apply",
  "data.schema.rollback",
  "data.retained.purge",
] as const;

export const INSTANCE_ACTIONS = [
  "instance.setup",
  "account.sign_in",
  "account.sign_up",
  "account.create",
  "account.provision",
  "account.disable",
  "account.enable",
  "account.password.change",
  "account.password.reset",
  "account.totp.enable",
  "account.totp.disable",
  "settings.signup.update",
  "settings.security.update",
  "settings.smtp.update",
  "sso.provider.create",
  "sso.provider.update",
  "sso.provider.delete",
  "project.delete",
] as const;

const PAGE = 50;
const ALL = "__all__";

export function actionKey(action: string): MessageKey {
  return `audit.${action.replace(/\./g, "_")}` as MessageKey;
}

/**
 * The audit log as a table: newest first, filtered by action, 50 at a time with "load more".
 * `load` fetches one page; `scope` keeps the cache of different logs apart.
 */
export function AuditLog({
  scope,
  actions,
  load,
}: {
  scope: readonly unknown[];
  actions: readonly string[];
  load: (query: { limit: number; before?: string; action?: string }) => Promise<AuditRecord[]>;
}) {
  const { t, locale } = useI18n();
  const [action, setAction] = useState<string>(ALL);
  const [open, setOpen] = useState<string | null>(null);
  const entries = useInfiniteQuery({
    queryKey: ["audit", ...scope, action],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => load({ limit: PAGE, before: pageParam, action: action === ALL ? undefined : action }),
    getNextPageParam: (last) => (last.length === PAGE ? last[last.length - 1]!.id : undefined),
  });
  const rows = entries.data?.pages.flat() ?? [];
  const label = (a: string) => {
    const text = t(actionKey(a));
    return text === actionKey(a) ? a : text;
  };
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center gap-2">
        <Filter className="size-4 text-muted-foreground" />
        <Select value={action} onValueChange={setAction}>
          <SelectTrigger className="w-64" aria-label={t("audit.filter")} data-testid="audit-filter">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ALL}>{t("audit.allActions")}</SelectItem>
            {actions.map((a) => (
              <SelectItem key={a} value={a}>
                {label(a)}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <QueryCard
        query={entries}
        loadingRows={5}
        empty={
          rows.length === 0 && (
            <EmptyState
              icon={FileClock}
              title={action === ALL ? t("audit.emptyTitle") : t("audit.emptyFiltered")}
              body={t("audit.emptyBody")}
            />
          )
        }
      >
        {() => (
          <Table data-testid="audit-table">
            <TableHeader>
              <TableRow>
                <TableHead className="pl-5">{t("audit.when")}</TableHead>
                <TableHead>{t("audit.actor")}</TableHead>
                <TableHead>{t("audit.action")}</TableHead>
                <TableHead className="hidden lg:table-cell">{t("audit.target")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("audit.ip")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((e) => (
                <Fragment key={e.id}>
                  <TableRow className="cursor-pointer" onClick={() => setOpen(open === e.id ? null : e.id)} aria-expanded={open === e.id}>
                    <TableCell className="pl-5 whitespace-nowrap" title={formatDateTime(e.createdAt, locale)}>
                      {formatRelative(e.createdAt, locale)}
                    </TableCell>
                    <TableCell className="max-w-48 truncate">{e.actor.label}</TableCell>
                    <TableCell>
                      <Badge variant="secondary" data-testid="audit-action">
                        {label(e.action)}
                      </Badge>
                    </TableCell>
                    <TableCell className="hidden font-mono text-xs text-muted-foreground lg:table-cell">
                      {e.target.kind}
                      {e.target.id ? `:${e.target.id}` : ""}
                    </TableCell>
                    <TableCell className="hidden font-mono text-xs text-muted-foreground md:table-cell">{e.ip ?? "—"}</TableCell>
                  </TableRow>
                  {open === e.id && (
                    <TableRow className="bg-muted/30 hover:bg-muted/30">
                      <TableCell colSpan={5} className="pl-5">
                        <dl className="grid gap-1 text-xs sm:grid-cols-[8rem_1fr]">
                          <dt className="text-muted-foreground">{t("audit.time")}</dt>
                          <dd>{formatDateTime(e.createdAt, locale)}</dd>
                          <dt className="text-muted-foreground">{t("audit.action")}</dt>
                          <dd className="font-mono">{e.action}</dd>
                          <dt className="text-muted-foreground">{t("audit.details")}</dt>
                          <dd>
                            <pre className="overflow-x-auto rounded bg-muted p-2 font-mono">{JSON.stringify(e.data, null, 2)}</pre>
                          </dd>
                        </dl>
                      </TableCell>
                    </TableRow>
                  )}
                </Fragment>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryCard>
      {entries.hasNextPage && (
        <Button
          variant="outline"
          className="self-center"
          onClick={() => entries.fetchNextPage()}
          disabled={entries.isFetchingNextPage}
          data-testid="load-more"
        >
          {t("audit.loadMore")}
        </Button>
      )}
    </div>
  );
}
