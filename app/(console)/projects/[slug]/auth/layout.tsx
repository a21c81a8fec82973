"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { PageHeader } from "../../../../../components/console/states";
import type { MessageKey } from "../../../../../components/i18n/catalog";
import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { cn } from "../../../../../components/ui/cn";
import { useProject } from "../project-context";

/** Sign-in settings: general settings, OAuth providers and signing keys, as tabs that are links. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const pathname = usePathname();
  const { project, can } = useProject();
  const base = `/projects/${encodeURIComponent(project.slug)}/auth`;
  const tabs: Array<{ href: string; label: MessageKey }> = [
    { href: base, label: "authSettings.tabGeneral" },
    { href: `${base}/providers`, label: "authSettings.tabProviders" },
    // Signing keys are listed only to those who may rotate them, which an archived project forbids.
    ...(can("auth:configure") && !project.archived
      ? [{ href: `${base}/signing-keys`, label: "authSettings.tabSigningKeys" as MessageKey }]
      : []),
  ];
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <PageHeader
        title={t("authSettings.title")}
        description={can("auth:configure") ? t("authSettings.subtitle") : t("authSettings.subtitleReadOnly")}
      />
      <nav aria-label={t("authSettings.sections")} className="-mb-2 flex gap-1 overflow-x-auto border-b" data-testid="auth-tabs">
        {tabs.map((tab) => {
          const active = pathname === tab.href;
          return (
            <Link
              key={tab.href}
              href={tab.href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap transition-colors",
                active ? "border-primary text-foreground" : "border-transparent text-muted-foreground hover:text-foreground",
              )}
            >
              {t(tab.label)}
            </Link>
          );
        })}
      </nav>
      {children}
    </div>
  );
}
