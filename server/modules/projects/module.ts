import { defineModule, type PermissionDeclaration } from "../../platform/module";
import { projectErrorMessages } from "./errors";
import * as m0003 from "./migrations/0003_projects";
import * as m0061 from "./migrations/0061_project_cors";
import { projectsRouter } from "./router";
import { createProjectsService, type ProjectsService } from "./service";

const permissions = [
  { name: "project:read", roles: ["admin", "developer", "viewer"] },
  { name: "project:update", roles: ["admin"] },
  { name: "project:delete", roles: [] },
  { name: "project:transfer", roles: [] },
  { name: "members:read", roles: ["admin", "developer", "viewer"] },
  { name: "members:manage", roles: ["admin"] },
  { name: "roles:manage", roles: ["admin"] },
  { name: "grants:manage", roles: ["admin"] },
] as const satisfies readonly PermissionDeclaration[];

declare module "../../platform/module" {
  interface Services {
    projects: ProjectsService;
  }
  interface PermissionRegistry extends Record<(typeof permissions)[number]["name"], true> {}
}

/**
 * Projects, their members, roles, invitations and grants: the one `authorize` decision every
 * other module asks. Creating and deleting a project runs every module's project hooks.
 */
export const projectsModule = defineModule({
  name: "projects",
  dependsOn: ["audit", "accounts", "mailer"],
  migrations: { "0003_projects": m0003, "0061_project_cors": m0061 },
  permissions,
  errors: projectErrorMessages,
  create: (ctx) =>
    createProjectsService({
      db: ctx.db,
      audit: ctx.services.audit,
      accounts: ctx.services.accounts,
      mailer: ctx.services.mailer,
      publicUrl: ctx.publicUrl,
      permissions: ctx.permissions,
      lifecycle: ctx.projectHooks,
    }),
  nav: [
    {
      id: "projects.overview",
      group: "project",
      label: "nav.projectOverview",
      icon: "layout-dashboard",
      path: "",
      scope: "project",
      exact: true,
    },
    {
      id: "projects.members",
      group: "project",
      order: 10,
      label: "nav.members",
      icon: "users",
      path: "members",
      scope: "project",
      anyOf: ["members:read"],
    },
    {
      id: "projects.roles",
      group: "project",
      order: 20,
      label: "nav.roles",
      icon: "shield-check",
      path: "roles",
      scope: "project",
      anyOf: ["members:read"],
    },
    { id: "projects.sharing", group: "project", order: 30, label: "nav.sharing", icon: "share-2", path: "sharing", scope: "project" },
    {
      id: "projects.settings",
      group: "project",
      order: 50,
      label: "nav.settings",
      icon: "settings",
      path: "settings",
      scope: "project",
      anyOf: ["project:update", "project:delete", "project:transfer"],
    },
  ],
  identity: (projects) => ({ authorize: projects.authorize, corsOrigins: (ref) => projects.corsOrigins(ref) }),
  routers: { projects: projectsRouter },
});
