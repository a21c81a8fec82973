import path from "node:path";
import { defineModule, type PermissionDeclaration } from "../../platform/module";
import { dataErrorMessages } from "./errors";
import { RECORD_SUBJECTS } from "./events";
import * as m0050 from "./migrations/0050_data_model";
import { portabilityErrorMessages } from "./portability/errors";
import { registerPortabilityRoutes } from "./portability/routes";
import { recordsRouter } from "./records-router";
import { dataRouter } from "./router";
import { registerDataRoutes } from "./routes";
import { createDataService, type DataService } from "./service";

const permissions = [
  { name: "data:read", roles: ["admin", "developer", "viewer"] },
  { name: "data:write", roles: ["admin", "developer"] },
  { name: "schema:manage", roles: ["admin", "developer"] },
] as const satisfies readonly PermissionDeclaration[];

declare module "../../platform/module" {
  interface Services {
    data: DataService;
  }
  interface PermissionRegistry extends Record<(typeof permissions)[number]["name"], true> {}
}

/**
 * Data modeling and the records API: one model document per project, applied as versioned plans
 * with rollback, records under access rules in CEL, OpenAPI per project, archives.
 */
export const dataModule = defineModule({
  name: "data",
  dependsOn: ["projects", "audit"],
  migrations: { "0050_data_model": m0050 },
  permissions,
  errors: { ...dataErrorMessages, ...portabilityErrorMessages },
  subjects: { publishes: [RECORD_SUBJECTS] },
  // The project's data: the records, their access rules, the model designer and its history, API docs, archives.
  nav: [
    {
      id: "data.browser",
      group: "data",
      groupLabel: "browser.navSection",
      label: "browser.nav",
      icon: "database",
      path: "data/browser",
      scope: "project",
      anyOf: ["data:read"],
    },
    {
      id: "data.rules",
      group: "data",
      label: "rules.nav",
      icon: "file-lock-2",
      path: "data/rules",
      scope: "project",
      anyOf: ["data:read"],
    },
    {
      id: "data.model",
      group: "data",
      label: "designer.navModel",
      icon: "network",
      path: "data/model",
      scope: "project",
      anyOf: ["data:read"],
    },
    {
      id: "data.history",
      group: "data",
      label: "history.navTitle",
      icon: "history",
      path: "data/history",
      scope: "project",
      anyOf: ["data:read"],
    },
    { id: "data.api", group: "data", label: "apiDocs.nav", icon: "book-open", path: "data/api", scope: "project", anyOf: ["data:read"] },
    // Archives need both reading the data and managing the model.
    {
      id: "data.backup",
      group: "data",
      label: "backup.nav",
      icon: "database-backup",
      path: "data/backup",
      scope: "project",
      allOf: ["data:read", "schema:manage"],
    },
  ],
  create: (ctx) =>
    createDataService({
      database: ctx.database as never,
      bus: ctx.bus,
      clock: ctx.clock,
      onPublishError: (err, subject) => ctx.logger.error({ err, subject }, "record event not published (the write committed)"),
    }),
  routes(host, data, ctx) {
    registerDataRoutes(host, { data, projects: ctx.services.projects, audit: ctx.services.audit });
    registerPortabilityRoutes(host, {
      data,
      audit: ctx.services.audit,
      publicUrl: ctx.publicUrl,
      apprunVersion: ctx.version,
      spoolDir: path.join(ctx.config.dataDir, "tmp"),
    });
  },
  routers: { data: dataRouter, records: recordsRouter },
  onProjectDrop: (data, projectId) => data.schema.dropProject(projectId),
});
