"use client";

import { useQuery } from "@tanstack/react-query";
import { FileClock, KeySquare, LockKeyhole, Settings, Share2, ShieldCheck, UserRound, Users, type LucideIcon } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { CopyButton } from "../../../../components/console/copy-button";
import { formatDate } from "../../../../components/console/format";
import { RoleBadge } from "../../../../components/console/role-name";
import { PageHeader } from "../../../../components/console/states";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import type { MessageKey } from "../../../../components/i18n/catalog";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { Badge } from "../../../../components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../components/ui/card";
import { Skeleton } from "../../../../components/ui/skeleton";
import { useProject } from "./project-context";

function Shortcut({
  href,
  icon: Icon,
  title,
  body,
  count,
}: {
  href: string;
  icon: LucideIcon;
  title: MessageKey;
  body: MessageKey;
  count?: number | null;
}) {
  const { t } = useI18n();
  return (
    <Link href={href} className="block rounded-xl focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none">
      <Card className="h-full gap-2 px-5 transition-colors hover:border-primary/40 hover:bg-accent/30">
        <div className="flex items-center justify-between">
          <Icon className="size-5 text-muted-foreground" />
          {count === undefined ? null : count === null ? <Skeleton className="h-5 w-8" /> : <Badge variant="secondary">{count}</Badge>}
        </div>
        <p className="font-medium">{t(title)}</p>
        <p className="text-sm text-muted-foreground">{t(body)}</p>
      </Card>
    </Link>
  );
}

export default function ProjectOverviewPage() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const { project, ref, can } = useProject();
  const members = useQuery({ ...trpc.projects.members.queryOptions({ project: ref }), enabled: can("members:read") });
  const [origin, setOrigin] = useState("");
  useEffect(() => setOrigin(window.location.origin), []);
  const base = `/projects/${encodeURIComponent(project.slug)}`;
  const apiBase = `${origin}/api/v1/projects/${project.slug}`;
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader
        title={project.name}
        description={<span className="font-mono">{project.slug}</span>}
        actions={<RoleBadge role={project.role} />}
      />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {can("members:read") && (
          <Shortcut
            href={`${base}/members`}
            icon={Users}
            title="nav.members"
            body="project.membersBody"
            count={members.data ? members.data.length : members.isError ? undefined : null}
          />
        )}
        {can("members:read") && <Shortcut href={`${base}/roles`} icon={ShieldCheck} title="nav.roles" body="project.rolesBody" />}
        <Shortcut href={`${base}/sharing`} icon={Share2} title="nav.sharing" body="project.sharingBody" />
        {can("audit:read") ? (
          <Shortcut href={`${base}/audit`} icon={FileClock} title="nav.audit" body="project.auditBody" />
        ) : can("project:update") ? (
          <Shortcut href={`${base}/settings`} icon={Settings} title="nav.settings" body="project.settingsBody" />
        ) : null}
      </div>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {can("users:read") && <Shortcut href={`${base}/users`} icon={UserRound} title="nav.appUsers" body="project.appUsersBody" />}
        <Shortcut href={`${base}/auth`} icon={LockKeyhole} title="nav.authSettings" body="project.authSettingsBody" />
        {can("keys:read") && <Shortcut href={`${base}/api-keys`} icon={KeySquare} title="nav.apiKeys" body="project.apiKeysBody" />}
      </div>
      <Card>
        <CardHeader>
          <CardTitle>{t("project.details")}</CardTitle>
          <CardDescription>{t("project.detailsDescription")}</CardDescription>
        </CardHeader>
        <CardContent>
          <dl className="divide-y text-sm">
            <div className="flex items-center justify-between gap-4 py-2">
              <dt className="text-muted-foreground">{t("project.id")}</dt>
              <dd className="flex items-center gap-1 font-mono text-xs">
                {project.id}
                <CopyButton value={project.id} size="icon" variant="ghost" />
              </dd>
            </div>
            <div className="flex items-center justify-between gap-4 py-2">
              <dt className="text-muted-foreground">{t("project.apiBase")}</dt>
              <dd className="flex min-w-0 items-center gap-1 font-mono text-xs">
                <span className="truncate">{apiBase}</span>
                <CopyButton value={apiBase} size="icon" variant="ghost" />
              </dd>
            </div>
            <div className="flex items-center justify-between gap-4 py-2">
              <dt className="text-muted-foreground">{t("project.created")}</dt>
              <dd>{formatDate(project.createdAt, locale)}</dd>
            </div>
            <div className="flex items-center justify-between gap-4 py-2">
              <dt className="text-muted-foreground">{t("project.status")}</dt>
              <dd>
                {project.archived ? (
                  <Badge variant="outline">{t("projects.archived")}</Badge>
                ) : (
                  <Badge variant="success">{t("project.active")}</Badge>
                )}
              </dd>
            </div>
          </dl>
        </CardContent>
      </Card>
    </div>
  );
}
