"use client";

import { useMutation } from "@tanstack/react-query";
import { LogOut, UserRound } from "lucide-react";
import Link from "next/link";
import { toast } from "sonner";
import { initials } from "../console/format";
import { useAccount } from "../console/session";
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

export function Avatar({ name, className }: { name: string; className?: string }) {
  return (
    <span
      aria-hidden
      className={`flex size-7 shrink-0 items-center justify-center rounded-full bg-primary/15 text-xs font-semibold text-primary ${className ?? ""}`}
    >
      {initials(name)}
    </span>
  );
}

/** Who is signed in, the account page, and signing out. */
export function AccountMenu() {
  const { t } = useI18n();
  const account = useAccount();
  const trpc = useTRPC();
  const signOut = useMutation(
    trpc.accounts.signOut.mutationOptions({
      // A full navigation drops every cached answer that belonged to this account.
      onSuccess: () => window.location.assign("/sign-in"),
      onError: (error) => toast.error(error.message),
    }),
  );
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={t("shell.accountMenu")} data-testid="account-menu" className="rounded-full">
          <Avatar name={account.name} />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-60">
        <DropdownMenuLabel className="flex flex-col gap-0.5">
          <span className="truncate text-sm font-medium text-foreground">{account.name}</span>
          <span className="truncate text-xs font-normal">{account.email}</span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/account">
            <UserRound />
            {t("shell.account")}
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => signOut.mutate()} disabled={signOut.isPending} data-testid="sign-out">
          <LogOut />
          {t("shell.signOut")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
