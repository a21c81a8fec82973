"use client";

import { Boxes, Menu } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState, type ReactNode } from "react";
import { useI18n } from "../i18n/i18n-provider";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { navItems } from "./nav";
import { LanguageSwitch, ThemeSwitch } from "./preferences";

/**
 * Where the project switcher goes. Projects arrive with the auth module; until then the console
 * works at the instance level and says so.
 */
function ProjectSwitcherSlot() {
  const { t } = useI18n();
  return (
    <div data-testid="project-switcher-slot" className="flex items-center gap-2 text-sm text-muted-foreground">
      <Boxes className="size-4" />
      <span>{t("shell.instance")}</span>
    </div>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const pathname = usePathname();
  const [open, setOpen] = useState(false);

  return (
    <div className="flex min-h-svh">
      <aside
        className={cn(
          "fixed inset-y-0 left-0 z-40 w-60 border-r bg-sidebar transition-transform md:static md:translate-x-0",
          open ? "translate-x-0" : "-translate-x-full",
        )}
      >
        <div className="flex h-14 items-center gap-2 border-b px-5">
          <span className="flex size-7 items-center justify-center rounded-md bg-primary text-sm font-bold text-primary-foreground">a</span>
          <span className="font-semibold tracking-tight">{t("app.name")}</span>
        </div>
        <nav aria-label={t("nav.label")} className="flex flex-col gap-1 p-3">
          {navItems.map((item) => {
            const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
            return (
              <Link
                key={item.href}
                href={item.href}
                onClick={() => setOpen(false)}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors",
                  active ? "bg-accent text-accent-foreground" : "text-muted-foreground hover:bg-accent/60 hover:text-foreground",
                )}
              >
                <item.icon className="size-4" />
                {t(item.label)}
              </Link>
            );
          })}
        </nav>
      </aside>
      {open && <div className="fixed inset-0 z-30 bg-black/40 md:hidden" onClick={() => setOpen(false)} aria-hidden />}
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-20 flex h-14 items-center gap-3 border-b bg-background/80 px-4 backdrop-blur md:px-6">
          <Button variant="ghost" size="icon" className="md:hidden" aria-label={t("shell.toggleNav")} onClick={() => setOpen((o) => !o)}>
            <Menu />
          </Button>
          <ProjectSwitcherSlot />
          <div className="ml-auto flex items-center gap-1">
            <LanguageSwitch />
            <ThemeSwitch />
          </div>
        </header>
        <main className="flex-1 px-4 py-6 md:px-8">{children}</main>
      </div>
    </div>
  );
}
