"use client";

import { ShieldAlert } from "lucide-react";
import type { ReactNode } from "react";
import { useAccount } from "../../../components/console/session";
import { EmptyState } from "../../../components/console/states";
import { useI18n } from "../../../components/i18n/i18n-provider";

/** Instance administration: only instance admins get past this (the server checks every call too). */
export default function AdminLayout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const account = useAccount();
  if (!account.instanceAdmin)
    return (
      <div className="mx-auto max-w-xl py-12">
        <EmptyState icon={ShieldAlert} title={t("admin.forbiddenTitle")} body={t("admin.forbiddenBody")} />
      </div>
    );
  return <>{children}</>;
}
