import type { Actor } from "../../platform/auth/actor";
import { defineModule } from "../../platform/module";
import { accountErrorMessages } from "./errors";
import * as m0002 from "./migrations/0002_identity";
import { accountsRouter } from "./router";
import { accountActor, createAccountsService, type AccountsService } from "./service";

declare module "../../platform/module" {
  interface Services {
    accounts: AccountsService;
  }
}

/**
 * Console accounts: setup, sign-in with password and TOTP, cookie sessions, mail confirmation and
 * password reset, brute-force limits. Its migration also created the instance settings and the
 * platform's rate-limit counters (written before modules owned their tables).
 */
export const accountsModule = defineModule({
  name: "accounts",
  dependsOn: ["audit", "instance", "mailer"],
  migrations: { "0002_identity": m0002 },
  errors: accountErrorMessages,
  nav: [
    {
      id: "accounts.list",
      group: "admin",
      order: 20,
      label: "nav.accounts",
      icon: "users-round",
      path: "/admin/accounts",
      scope: "instance",
    },
  ],
  create: (ctx) =>
    createAccountsService({
      db: ctx.db,
      secrets: ctx.secrets("totp"),
      limiter: ctx.limiter,
      mailer: ctx.services.mailer,
      instance: ctx.services.instance,
      audit: ctx.services.audit,
      publicUrl: ctx.publicUrl,
      passwordParams: ctx.options.passwordParams as { ln: number; r: number; p: number } | undefined,
    }),
  identity: (accounts) => ({
    async session(token) {
      const session = await accounts.resolveSession(token);
      if (!session) return null;
      const actor = accountActor(session.account, session.sessionId) as Extract<Actor, { kind: "account" }>;
      return { actor, mfaEnrollmentRequired: session.mfaEnrollmentRequired };
    },
  }),
  routers: { accounts: accountsRouter },
});
