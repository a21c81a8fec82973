"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ChevronLeft, ChevronRight, Code2, Search, SearchX, UserRound } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { formatDate, formatDateTime, formatRelative } from "../../../../../components/console/format";
import { EmptyState, PageHeader, QueryCard } from "../../../../../components/console/states";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { Avatar } from "../../../../../components/shell/account-menu";
import { useTRPC } from "../../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../../components/ui/badge";
import { Button } from "../../../../../components/ui/button";
import { Card, CardContent } from "../../../../../components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "../../../../../components/ui/dialog";
import { Input } from "../../../../../components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../components/ui/table";
import type { AppUserView } from "../../../../../server/modules/auth/flows";
import { RequirePermission, useProject } from "../project-context";
import { useDebounced } from "../use-auth";
import { SignUpGuide } from "./sign-up-guide";
import { UserStatus } from "./user-status";

const PAGE = 25;

function UsersTable({ users }: { users: AppUserView[] }) {
  const { t, locale } = useI18n();
  const router = useRouter();
  const { project } = useProject();
  const href = (u: AppUserView) => `/projects/${encodeURIComponent(project.slug)}/users/${encodeURIComponent(u.id)}`;
  return (
    <Table data-testid="app-users-table">
      <TableHeader>
        <TableRow>
          <TableHead className="pl-5">{t("appUsers.user")}</TableHead>
          <TableHead>{t("appUsers.emailVerified")}</TableHead>
          <TableHead className="hidden sm:table-cell">{t("appUsers.twoFactor")}</TableHead>
          <TableHead className="hidden md:table-cell">{t("appUsers.roles")}</TableHead>
          <TableHead className="hidden lg:table-cell">{t("appUsers.created")}</TableHead>
          <TableHead className="hidden lg:table-cell">{t("appUsers.lastSignIn")}</TableHead>
          <TableHead>{t("appUsers.status")}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {users.map((u) => (
          <TableRow key={u.id} className="cursor-pointer" onClick={() => router.push(href(u))} data-testid={`app-user-${u.email}`}>
            <TableCell className="pl-5">
              <div className="flex items-center gap-3">
                <Avatar name={u.name || u.email} />
                <div className="min-w-0">
                  <Link href={href(u)} className="block truncate font-medium hover:underline" onClick={(e) => e.stopPropagation()}>
                    {u.name || u.email}
                  </Link>
                  {u.name && <p className="truncate text-xs text-muted-foreground">{u.email}</p>}
                </div>
              </div>
            </TableCell>
            <TableCell>
              {u.emailVerified ? (
                <Badge variant="success">{t("appUsers.verified")}</Badge>
              ) : (
                <Badge variant="outline">{t("appUsers.unverified")}</Badge>
              )}
            </TableCell>
            <TableCell className="hidden sm:table-cell">
              {u.totpEnabled ? <Badge variant="secondary">{t("appUsers.on")}</Badge> : <span className="text-muted-foreground">—</span>}
            </TableCell>
            <TableCell className="hidden md:table-cell">
              <div className="flex max-w-56 flex-wrap gap-1">
                {u.roles.length === 0 ? (
                  <span className="text-muted-foreground">—</span>
                ) : (
                  u.roles.map((r) => (
                    <Badge key={r} variant="outline" className="font-mono">
                      {r}
                    </Badge>
                  ))
                )}
              </div>
            </TableCell>
            <TableCell className="hidden whitespace-nowrap text-muted-foreground lg:table-cell" title={formatDateTime(u.createdAt, locale)}>
              {formatDate(u.createdAt, locale)}
            </TableCell>
            <TableCell
              className="hidden whitespace-nowrap text-muted-foreground lg:table-cell"
              title={u.lastSignInAt ? formatDateTime(u.lastSignInAt, locale) : undefined}
            >
              {u.lastSignInAt ? formatRelative(u.lastSignInAt, locale) : t("appUsers.never")}
            </TableCell>
            <TableCell>
              <UserStatus user={u} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function AppUsers() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { ref } = useProject();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const query = useDebounced(search.trim(), 300);
  // Keyset paging: the last id of each page before the current one; a new search starts over.
  const [paging, setPaging] = useState<{ query: string; cursors: string[] }>({ query, cursors: [] });
  const cursors = paging.query === query ? paging.cursors : [];
  const users = useQuery({
    ...trpc.auth.users.list.queryOptions({ project: ref, search: query || undefined, limit: PAGE + 1, after: cursors[cursors.length - 1] }),
    placeholderData: keepPreviousData,
  });
  const rows = users.data?.slice(0, PAGE) ?? [];
  const hasNext = (users.data?.length ?? 0) > PAGE;
  const onSearch = (value: string) => {
    setSearch(value);
    const next = new URLSearchParams(params);
    if (value.trim()) next.set("q", value.trim());
    else next.delete("q");
    router.replace(next.size ? `${pathname}?${next}` : pathname, { scroll: false });
  };
  const [guide, setGuide] = useState(false);
  const empty = users.data && rows.length === 0 && !query && cursors.length === 0;

  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6">
      <PageHeader
        title={t("appUsers.title")}
        description={t("appUsers.subtitle")}
        actions={
          empty ? undefined : (
            <Button variant="outline" onClick={() => setGuide(true)} data-testid="show-sign-up-guide">
              <Code2 />
              {t("appUsers.connect")}
            </Button>
          )
        }
      />
      {empty ? (
        <Card>
          <CardContent className="flex flex-col gap-6">
            <EmptyState icon={UserRound} title={t("appUsers.emptyTitle")} body={t("appUsers.emptyBody")} />
            <SignUpGuide />
          </CardContent>
        </Card>
      ) : (
        <>
          <div className="relative max-w-sm">
            <Search className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground" />
            <Input
              value={search}
              onChange={(e) => onSearch(e.target.value)}
              placeholder={t("appUsers.searchPlaceholder")}
              aria-label={t("appUsers.search")}
              className="pl-9"
              type="search"
              data-testid="app-users-search"
            />
          </div>
          <QueryCard
            query={users}
            loadingRows={5}
            empty={
              rows.length === 0 && (
                <EmptyState icon={SearchX} title={query ? t("appUsers.noMatch", { search: query }) : t("appUsers.noMore")} />
              )
            }
          >
            {() => (
              <div className={users.isPlaceholderData ? "opacity-60 transition-opacity" : undefined}>
                <UsersTable users={rows} />
              </div>
            )}
          </QueryCard>
          {(cursors.length > 0 || hasNext) && (
            <div className="flex items-center justify-end gap-2" data-testid="app-users-paging">
              <span className="mr-2 text-sm text-muted-foreground">{t("appUsers.page", { page: cursors.length + 1 })}</span>
              <Button
                variant="outline"
                size="sm"
                disabled={cursors.length === 0 || users.isFetching}
                onClick={() => setPaging({ query, cursors: cursors.slice(0, -1) })}
              >
                <ChevronLeft />
                {t("appUsers.previous")}
              </Button>
              <Button
                variant="outline"
                size="sm"
                disabled={!hasNext || users.isFetching}
                onClick={() => setPaging({ query, cursors: [...cursors, rows[rows.length - 1]!.id] })}
              >
                {t("appUsers.next")}
                <ChevronRight />
              </Button>
            </div>
          )}
        </>
      )}
      <Dialog open={guide} onOpenChange={setGuide}>
        <DialogContent closeLabel={t("common.close")} className="sm:max-w-2xl">
          <DialogHeader>
            <DialogTitle>{t("appUsers.connectTitle")}</DialogTitle>
            <DialogDescription>{t("appUsers.connectDescription")}</DialogDescription>
          </DialogHeader>
          <SignUpGuide />
        </DialogContent>
      </Dialog>
    </div>
  );
}

export default function AppUsersPage() {
  return (
    <RequirePermission permission="users:read">
      <Suspense>
        <AppUsers />
      </Suspense>
    </RequirePermission>
  );
}
