"use client";

import { useQuery } from "@tanstack/react-query";
import { Boxes, Check, ChevronsUpDown, LayoutGrid, Plus } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useI18n } from "../i18n/i18n-provider";
import { useTRPC } from "../trpc/trpc-provider";
import { Button } from "../ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "../ui/dropdown-menu";
import { Skeleton } from "../ui/skeleton";
import { projectSlugOf } from "./nav";

/** The header's project switcher: the current project, the others, all projects, a new one. */
export function ProjectSwitcher() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const slug = projectSlugOf(usePathname());
  const projects = useQuery(trpc.projects.list.queryOptions());
  const current = slug ? projects.data?.find((p) => p.slug === slug) : undefined;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button
          variant="ghost"
          className="max-w-[16rem] justify-start gap-2 px-2"
          data-testid="project-switcher"
          aria-label={t("switcher.label")}
        >
          <Boxes className="text-muted-foreground" />
          <span className="truncate">{current ? current.name : t("switcher.allProjects")}</span>
          <ChevronsUpDown className="size-3.5 text-muted-foreground" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="w-64">
        <DropdownMenuLabel>{t("switcher.projects")}</DropdownMenuLabel>
        {projects.isPending ? (
          <div className="flex flex-col gap-1.5 p-2">
            <Skeleton className="h-5" />
            <Skeleton className="h-5" />
          </div>
        ) : projects.isError ? (
          <p className="px-2 py-1.5 text-xs text-destructive">{projects.error.message}</p>
        ) : projects.data.length === 0 ? (
          <p className="px-2 py-1.5 text-xs text-muted-foreground">{t("switcher.none")}</p>
        ) : (
          <div className="max-h-72 overflow-y-auto">
            {projects.data.map((p) => (
              <DropdownMenuItem key={p.id} asChild>
                <Link href={`/projects/${encodeURIComponent(p.slug)}`}>
                  <span className="flex size-5 items-center justify-center rounded bg-muted text-[10px] font-semibold uppercase">
                    {p.name.slice(0, 1)}
                  </span>
                  <span className="flex-1 truncate">{p.name}</span>
                  {p.slug === slug && <Check className="text-muted-foreground" />}
                </Link>
              </DropdownMenuItem>
            ))}
          </div>
        )}
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/projects">
            <LayoutGrid />
            {t("switcher.allProjects")}
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem asChild>
          <Link href="/projects?create=1">
            <Plus />
            {t("switcher.create")}
          </Link>
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
