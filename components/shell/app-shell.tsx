"use client";

import { useQuery } from "@tanstack/react-query";
import { Menu } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState, type ReactNode } from "react";
import { useAccount } from "../console/session";
import { useI18n } from "../i18n/i18n-provider";
import { useTRPC } from "../trpc/trpc-provider";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { AccountMenu } from "./account-menu";
import { navIcon } from "./icons";
import { isActive, navSections, projectSlugOf } from "./nav";
import { LanguageSwitch, ThemeSwitch } from "./preferences";
import { ProjectSwitcher } from "./project-switcher";

export function Logo() {
  const { t } = useI18n();
  return (
    <span className="flex items-center gap-2">
      <span className="flex size-7 items-center justify-center rounded-md bg-primary text-sm font-bold text-primary-foreground">a</span>
      <span className="font-semibold tracking-tight">{t("app.name")}</span>
    </span>
  );
}

function Sidebar({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useI18n();
  const pathname = usePathname();
  const account = useAccount();
  const trpc = useTRPC();
  const slug = projectSlugOf(pathname);
  const project = useQuery({ ...trpc.projects.get.queryOptions({ project: slug ?? "" }), enabled: slug !== null });
  // The modules' navigation entries: they change only with the server's build.
  const entries = useQuery({ ...trpc.system.nav.queryOptions(), staleTime: Infinity });
  const sections = navSections({
    instanceAdmin: account.instanceAdmin,
    project: slug && project.data ? { slug: project.data.slug, name: project.data.name, permissions: project.data.permissions } : null,
    entries: entries.data ?? [],
  });
  return (
    <nav aria-label={t("nav.label")} className="flex flex-col gap-4 p-3">
      {sections.map((section) => (
        <div key={section.id} className="flex flex-col gap-1" data-testid={`nav-${section.id}`}>
          {section.title && (
            <p className="truncate px-3 pt-1 pb-1 text-xs font-medium tracking-wide text-muted-foreground uppercase">
              {"key" in section.title ? t(section.title.key) : section.title.text}
            </p>
          )}
          {section.items.map((item) => {
            const active = isActive(item, pathname);
            const Icon = navIcon(item.icon);
            return (
              <Link
                key={item.href}
                href={item.href}
                onClick={onNavigate}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors",
                  active ? "bg-accent text-accent-foreground" : "text-muted-foreground hover:bg-accent/60 hover:text-foreground",
                )}
              >
                <Icon className="size-4" />
                {t(item.label)}
              </Link>
            );
          })}
        </div>
      ))}
    </nav>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);

  return (
    <div className="flex min-h-svh">
      <aside
        className={cn(
          "fixed inset-y-0 left-0 z-40 w-60 shrink-0 overflow-y-auto border-r bg-sidebar transition-transform md:sticky md:top-0 md:h-svh md:translate-x-0",
          open ? "translate-x-0" : "-translate-x-full",
        )}
      >
        <div className="flex h-14 items-center border-b px-5">
          <Link href="/" onClick={() => setOpen(false)}>
            <Logo />
          </Link>
        </div>
        <Sidebar onNavigate={() => setOpen(false)} />
      </aside>
      {open && <div className="fixed inset-0 z-30 bg-black/40 md:hidden" onClick={() => setOpen(false)} aria-hidden />}
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-20 flex h-14 items-center gap-2 border-b bg-background/80 px-4 backdrop-blur md:px-6">
          <Button variant="ghost" size="icon" className="md:hidden" aria-label={t("shell.toggleNav")} onClick={() => setOpen((o) => !o)}>
            <Menu />
          </Button>
          <ProjectSwitcher />
          <div className="ml-auto flex items-center gap-1">
            <LanguageSwitch />
            <ThemeSwitch />
            <AccountMenu />
          </div>
        </header>
        <main className="flex-1 px-4 py-6 md:px-8">{children}</main>
      </div>
    </div>
  );
}
