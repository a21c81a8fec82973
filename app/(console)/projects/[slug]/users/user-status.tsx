"use client";

import { useI18n } from "../../../../../components/i18n/i18n-provider";
import { Badge } from "../../../../../components/ui/badge";
import type { AppUserView } from "../../../../../server/modules/auth/flows";

/** Active or disabled, as a badge. */
export function UserStatus({ user }: { user: Pick<AppUserView, "disabled"> }) {
  const { t } = useI18n();
  return user.disabled ? (
    <Badge variant="destructive">{t("appUsers.disabled")}</Badge>
  ) : (
    <Badge variant="success">{t("appUsers.active")}</Badge>
  );
}
