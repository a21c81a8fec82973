"use client";

import { isBuiltInRole } from "../../server/modules/projects/permissions";
import { useI18n } from "../i18n/i18n-provider";
import { Badge } from "../ui/badge";

/** A built-in role in the user's language; a custom role by its name (or id when unknown). */
export function useRoleLabel() {
  const { t } = useI18n();
  return (role: string, customNames?: ReadonlyMap<string, string>) =>
    isBuiltInRole(role) ? t(`roles.${role}`) : (customNames?.get(role) ?? role);
}

export function RoleName({ role, customNames }: { role: string; customNames?: ReadonlyMap<string, string> }) {
  return <>{useRoleLabel()(role, customNames)}</>;
}

export function RoleBadge({ role, customNames }: { role: string | null; customNames?: ReadonlyMap<string, string> }) {
  const label = useRoleLabel();
  const { t } = useI18n();
  if (!role) return <Badge variant="outline">{t("projects.adminAccess")}</Badge>;
  return (
    <Badge variant={role === "owner" ? "default" : role === "admin" ? "secondary" : "outline"} data-testid="role-badge">
      {label(role, customNames)}
    </Badge>
  );
}
