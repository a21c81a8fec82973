"use client";

import { useQuery } from "@tanstack/react-query";
import { Archive, Lock, SearchX } from "lucide-react";
import Link from "next/link";
import { useParams, usePathname, useRouter } from "next/navigation";
import { createContext, useContext, useEffect, type ReactNode } from "react";
import { errorInfo } from "../../../../components/console/errors";
import { EmptyState, QueryError } from "../../../../components/console/states";
import type { MessageKey } from "../../../../components/i18n/catalog";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { Alert, AlertDescription } from "../../../../components/ui/alert";
import { Button } from "../../../../components/ui/button";
import { Skeleton } from "../../../../components/ui/skeleton";
import type { Permission } from "../../../../server/modules/projects/permissions";
import type { ProjectView } from "../../../../server/modules/projects/service";

interface ProjectContextValue {
  project: ProjectView & { permissions: Permission[] };
  /** The project reference used in API calls (its slug). */
  ref: string;
  can(permission: Permission): boolean;
}

const ProjectContext = createContext<ProjectContextValue | null>(null);

export function useProject(): ProjectContextValue {
  const value = useContext(ProjectContext);
  if (!value) throw new Error("useProject outside a project page");
  return value;
}

export function useProjectQueryKeys() {
  const trpc = useTRPC();
  const { ref } = useProject();
  return { project: trpc.projects.get.queryKey({ project: ref }), list: trpc.projects.list.queryKey() };
}

export function useSlugParam(): string {
  const params = useParams<{ slug: string }>();
  return decodeURIComponent(params.slug);
}

/**
 * A page that needs a permission the member lacks (reached by a typed or old link): says so
 * instead of letting its queries fail.
 */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { t } = useI18n();
  const { can, project } = useProject();
  if (can(permission)) return <>{children}</>;
  return (
    <div className="mx-auto max-w-xl py-12" data-testid="no-access">
      <EmptyState
        icon={Lock}
        title={t("access.deniedTitle")}
        body={t("access.deniedBody", { permission: t(`permissions.${permission.replace(":", "_")}` as MessageKey) })}
        action={
          <Button asChild variant="outline">
            <Link href={`/projects/${encodeURIComponent(project.slug)}`}>{t("access.backToProject")}</Link>
          </Button>
        }
      />
    </div>
  );
}

/** A project the account cannot see (or that does not exist): the same answer for both. */
function ProjectNotFound() {
  const { t } = useI18n();
  return (
    <div className="mx-auto max-w-xl py-12" data-testid="project-not-found">
      <EmptyState
        icon={SearchX}
        title={t("project.notFoundTitle")}
        body={t("project.notFoundBody")}
        action={
          <Button asChild variant="outline">
            <Link href="/projects">{t("switcher.allProjects")}</Link>
          </Button>
        }
      />
    </div>
  );
}

/** Loads the project of the URL once for every page under it and shares it with them. */
export function ProjectBoundary({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const slug = useSlugParam();
  const router = useRouter();
  const pathname = usePathname();
  const project = useQuery(trpc.projects.get.queryOptions({ project: slug }));
  // A link by id (after accepting an invitation) becomes the readable slug URL.
  const canonical =
    project.data && project.data.slug !== slug
      ? pathname.replace(/^\/projects\/[^/]+/, `/projects/${encodeURIComponent(project.data.slug)}`)
      : null;
  useEffect(() => {
    if (canonical) router.replace(canonical);
  }, [canonical, router]);

  if (project.isPending || canonical)
    return (
      <div className="mx-auto flex max-w-5xl flex-col gap-4" data-testid="loading">
        <Skeleton className="h-8 w-56" />
        <Skeleton className="h-4 w-80" />
        <Skeleton className="mt-4 h-48 w-full" />
      </div>
    );
  if (project.isError) {
    if (errorInfo(project.error).code === "project_not_found") return <ProjectNotFound />;
    return (
      <div className="mx-auto max-w-5xl">
        <QueryError error={project.error} onRetry={() => project.refetch()} />
      </div>
    );
  }
  const value: ProjectContextValue = { project: project.data, ref: project.data.slug, can: (p) => project.data.permissions.includes(p) };
  return (
    <ProjectContext.Provider value={value}>
      {project.data.archived && (
        <Alert className="mx-auto mb-6 max-w-5xl" data-testid="archived-banner">
          <Archive />
          <AlertDescription className="text-foreground">{t("project.archivedBanner")}</AlertDescription>
        </Alert>
      )}
      {children}
    </ProjectContext.Provider>
  );
}
