import { defineModule, type PermissionDeclaration } from "../../platform/module";
import { createAuditService, type AuditService } from "./service";

const permissions = [{ name: "audit:read", roles: ["admin", "developer", "viewer"] }] as const satisfies readonly PermissionDeclaration[];

declare module "../../platform/module" {
  interface Services {
    audit: AuditService;
  }
  interface PermissionRegistry extends Record<(typeof permissions)[number]["name"], true> {}
}

/** Who changed what: every module writes its changes here, in the change's own transaction. Its table comes with the projects migration. */
export const auditModule = defineModule({
  name: "audit",
  dependsOn: [],
  permissions,
  nav: [
    {
      id: "audit.project",
      group: "project",
      order: 40,
      label: "nav.audit",
      icon: "file-clock",
      path: "audit",
      scope: "project",
      anyOf: ["audit:read"],
    },
    {
      id: "audit.instance",
      group: "admin",
      order: 40,
      label: "nav.instanceAudit",
      icon: "file-clock",
      path: "/admin/audit",
      scope: "instance",
    },
  ],
  create: (ctx) => createAuditService({ db: ctx.db }),
});
