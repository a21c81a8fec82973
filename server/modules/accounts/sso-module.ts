import { SESSION_COOKIE } from "../../platform/http/access";
import { sessionCookieHeader } from "../../platform/http/cookies";
import { defineModule } from "../../platform/module";
import { registerAccountRoutes } from "./routes";
import { createSsoService, type SsoService } from "./sso";

declare module "../../platform/module" {
  interface Services {
    sso: SsoService;
  }
}

/** Console single sign-on through OpenID Connect providers an instance administrator configures. */
export const ssoModule = defineModule({
  name: "sso",
  dependsOn: ["accounts", "audit", "projects"],
  nav: [{ id: "sso.providers", group: "admin", order: 30, label: "nav.sso", icon: "key-round", path: "/admin/sso", scope: "instance" }],
  create: (ctx) =>
    createSsoService({
      db: ctx.db,
      secrets: ctx.secrets("sso"),
      accounts: ctx.services.accounts,
      audit: ctx.services.audit,
      publicUrl: ctx.publicUrl,
      joinProject: (projectId, accountId, role) => ctx.services.projects.join(projectId, accountId, role),
    }),
  routes: (host, sso, ctx) =>
    registerAccountRoutes(host, {
      sso,
      publicUrl: ctx.publicUrl,
      setSessionCookie: (reply, issued) =>
        void reply.header(
          "set-cookie",
          sessionCookieHeader(SESSION_COOKIE, issued, ctx.publicUrl.startsWith("https:") || reply.request.protocol === "https"),
        ),
    }),
});
