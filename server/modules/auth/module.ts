import { defineModule, type PermissionDeclaration } from "../../platform/module";
import { authErrorMessages } from "./errors";
import * as m0010 from "./migrations/0010_app_auth";
import { authRouter } from "./router";
import { registerAuthRoutes } from "./routes";
import { createAuthService, type AuthService } from "./service";
import { authProjectMigrations } from "./storage";

const permissions = [
  { name: "keys:read", roles: ["admin", "developer", "viewer"] },
  { name: "keys:manage", roles: ["admin"] },
  { name: "users:read", roles: ["admin", "developer", "viewer"] },
  { name: "users:manage", roles: ["admin", "developer"] },
  { name: "auth:configure", roles: ["admin"] },
] as const satisfies readonly PermissionDeclaration[];

declare module "../../platform/module" {
  interface Services {
    auth: AuthService;
  }
  interface PermissionRegistry extends Record<(typeof permissions)[number]["name"], true> {}
}

/**
 * App users of every project (sign-up and sign-in flows, tokens with a JWKS per project, OAuth
 * providers, roles) and API keys: the bearer credentials every data-plane route accepts.
 */
export const authModule = defineModule({
  name: "auth",
  dependsOn: ["projects", "audit", "mailer"],
  migrations: { "0010_app_auth": m0010 },
  projectMigrations: authProjectMigrations,
  permissions,
  errors: authErrorMessages,
  // The project's app users and how they sign in; every member may read the sign-in settings.
  nav: [
    {
      id: "auth.users",
      group: "auth",
      groupLabel: "nav.authSection",
      label: "nav.appUsers",
      icon: "user-round",
      path: "users",
      scope: "project",
      anyOf: ["users:read"],
    },
    {
      id: "auth.roles",
      group: "auth",
      label: "nav.appRoles",
      icon: "badge-check",
      path: "app-roles",
      scope: "project",
      anyOf: ["users:read"],
    },
    {
      id: "auth.settings",
      group: "auth",
      label: "nav.authSettings",
      icon: "lock-keyhole",
      path: "auth",
      scope: "project",
      anyOf: ["project:read"],
    },
    { id: "auth.keys", group: "auth", label: "nav.apiKeys", icon: "key-square", path: "api-keys", scope: "project", anyOf: ["keys:read"] },
  ],
  // Each project has one pool of app users, named "default".
  resourceKinds: () => [{ kind: "user_pool", exists: async (_projectId, name) => name === "default" }],
  subjects: { publishes: ["project.*.auth.>"] },
  create: (ctx) =>
    createAuthService({
      db: ctx.db,
      kind: ctx.kind,
      projects: ctx.services.projects,
      audit: ctx.services.audit,
      mailer: ctx.services.mailer,
      limiter: ctx.limiter,
      secrets: { totp: ctx.secrets("app-totp"), jwt: ctx.secrets("jwt"), oauth: ctx.secrets("oauth") },
      publicUrl: ctx.publicUrl,
      passwordParams: ctx.options.passwordParams as { ln: number; r: number; p: number } | undefined,
      clock: ctx.clock,
      bus: ctx.bus,
    }),
  identity: (auth) => ({ bearer: auth.bearer, project: auth.resolveProject }),
  routes: (host, auth, ctx) => registerAuthRoutes(host, { auth, publicUrl: ctx.publicUrl }),
  routers: { auth: authRouter },
  onProjectDrop: async (auth, projectId) => auth.forgetProject(projectId),
});
