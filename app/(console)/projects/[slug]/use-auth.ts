"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useI18n } from "../../../../components/i18n/i18n-provider";
import { useTRPC } from "../../../../components/trpc/trpc-provider";
import { useProject } from "./project-context";

/** The project's auth addresses (REST base, issuer, JWKS, OAuth callback), as the server builds them from its public URL. */
export function useAuthEndpoints() {
  const trpc = useTRPC();
  const { ref } = useProject();
  return useQuery({ ...trpc.auth.endpoints.queryOptions({ project: ref }), staleTime: 5 * 60_000 });
}

/** The project's app-user auth settings (every member may read them). */
export function useAuthSettings() {
  const trpc = useTRPC();
  const { ref } = useProject();
  return useQuery(trpc.auth.settings.get.queryOptions({ project: ref }));
}

/** A value that follows another after it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** How a session began, in words: `password`, `email_otp`, `magic_link`, `oauth:github`, each maybe `+totp` or `+recovery_code`. */
export function useSessionMethod() {
  const { t } = useI18n();
  return (method: string) => {
    const [first = "", second] = method.split("+");
    const base =
      first === "password"
        ? t("appUsers.methodPassword")
        : first === "email_otp"
          ? t("appUsers.methodEmailOtp")
          : first === "magic_link"
            ? t("appUsers.methodMagicLink")
            : first.startsWith("oauth:")
              ? t("appUsers.methodOauth", { provider: first.slice(6) })
              : first;
    if (second === "totp") return t("appUsers.methodWithTotp", { method: base });
    if (second === "recovery_code") return t("appUsers.methodWithRecovery", { method: base });
    return base;
  };
}
