"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { createContext, useContext, useEffect, type ReactNode } from "react";
import type { AccountView } from "../../server/modules/accounts/service";
import { useTRPC } from "../trpc/trpc-provider";
import { safeNext } from "./format";

/** What `accounts.state` says: the first thing every page needs. */
export function useConsoleState() {
  const trpc = useTRPC();
  return useQuery(trpc.accounts.state.queryOptions(undefined, { staleTime: 60_000 }));
}

const AccountContext = createContext<AccountView | null>(null);

/** The signed-in account; only inside pages behind the auth gate. */
export function useAccount(): AccountView {
  const account = useContext(AccountContext);
  if (!account) throw new Error("useAccount outside the auth gate");
  return account;
}

export function AccountProvider({ account, children }: { account: AccountView; children: ReactNode }) {
  return <AccountContext.Provider value={account}>{children}</AccountContext.Provider>;
}

/**
 * After sign-in, sign-up or an accepted invitation: forget every cached answer (they belonged
 * to nobody or to someone else) and go where the user was headed.
 */
export function useEnterConsole() {
  const queryClient = useQueryClient();
  const router = useRouter();
  return async (next: string) => {
    queryClient.clear();
    router.replace(safeNext(next));
  };
}

/** Where a page that needs a session sends the browser, or null to render it. */
export function gateTarget(
  state: { needsSetup: boolean; account: AccountView | null; mfaEnrollmentRequired: boolean },
  page: "console" | "guest" | "setup" | "enrolment" | "open",
  here: string,
  next: string | null,
): string | null {
  if (page === "open") return null;
  if (state.needsSetup) return page === "setup" ? null : "/setup";
  if (page === "setup") return state.account ? "/" : "/sign-in";
  if (!state.account) return page === "guest" ? null : `/sign-in?next=${encodeURIComponent(here)}`;
  if (state.mfaEnrollmentRequired) return page === "enrolment" ? null : "/two-factor/enroll";
  if (page === "guest") return safeNext(next);
  if (page === "enrolment") return "/";
  return null;
}

/** Runs `gateTarget` on the current state and location and redirects when it says so. */
export function useGate(page: "console" | "guest" | "setup" | "enrolment" | "open") {
  const state = useConsoleState();
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const here = pathname + (search.size ? `?${search.toString()}` : "");
  const target = state.data ? gateTarget(state.data, page, here, search.get("next")) : null;
  useEffect(() => {
    if (target) router.replace(target);
  }, [target, router]);
  return { state, redirecting: target !== null };
}
