"use client";

import { useQuery } from "@tanstack/react-query";
import { Archive, Boxes, Plus } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { formatDate } from "../../../components/console/format";
import { RoleBadge } from "../../../components/console/role-name";
import { EmptyState, PageHeader, QueryError } from "../../../components/console/states";
import { useI18n } from "../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../components/trpc/trpc-provider";
import { Badge } from "../../../components/ui/badge";
import { Button } from "../../../components/ui/button";
import { Card } from "../../../components/ui/card";
import { Skeleton } from "../../../components/ui/skeleton";
import { CreateProjectDialog } from "./create-project-dialog";

function ProjectsList() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const creating = params.get("create") === "1";
  const setCreating = (open: boolean) => router.replace(open ? `${pathname}?create=1` : pathname, { scroll: false });
  const projects = useQuery(trpc.projects.list.queryOptions());
  const createButton = (
    <Button onClick={() => setCreating(true)} data-testid="create-project">
      <Plus />
      {t("projects.new")}
    </Button>
  );
  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <PageHeader
        title={t("projects.title")}
        description={t("projects.subtitle")}
        actions={projects.data && projects.data.length > 0 ? createButton : undefined}
      />
      {projects.isPending ? (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="loading">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-28" />
          ))}
        </div>
      ) : projects.isError ? (
        <QueryError error={projects.error} onRetry={() => projects.refetch()} />
      ) : projects.data.length === 0 ? (
        <EmptyState icon={Boxes} title={t("projects.emptyTitle")} body={t("projects.emptyBody")} action={createButton} />
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="project-list">
          {projects.data.map((p) => (
            <li key={p.id}>
              <Link
                href={`/projects/${encodeURIComponent(p.slug)}`}
                className="block rounded-xl focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none"
              >
                <Card className="h-full gap-3 px-5 transition-colors hover:border-primary/40 hover:bg-accent/30">
                  <div className="flex items-start justify-between gap-2">
                    <div className="flex min-w-0 items-center gap-3">
                      <span className="flex size-9 shrink-0 items-center justify-center rounded-md bg-primary/10 text-sm font-semibold text-primary uppercase">
                        {p.name.slice(0, 1)}
                      </span>
                      <div className="min-w-0">
                        <p className="truncate font-medium">{p.name}</p>
                        <p className="truncate font-mono text-xs text-muted-foreground">{p.slug}</p>
                      </div>
                    </div>
                    <RoleBadge role={p.role} />
                  </div>
                  <div className="flex items-center gap-2 text-xs text-muted-foreground">
                    {p.archived && (
                      <Badge variant="outline">
                        <Archive />
                        {t("projects.archived")}
                      </Badge>
                    )}
                    <span>{t("projects.createdOn", { date: formatDate(p.createdAt, locale) })}</span>
                  </div>
                </Card>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {creating && <CreateProjectDialog onClose={() => setCreating(false)} />}
    </div>
  );
}

export default function ProjectsPage() {
  return (
    <Suspense>
      <ProjectsList />
    </Suspense>
  );
}
