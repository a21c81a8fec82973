import { defineModule } from "../../platform/module";
import { instanceRouter } from "./router";
import { createInstanceService, type InstanceService } from "./service";

declare module "../../platform/module" {
  interface Services {
    instance: InstanceService;
  }
}

/** Instance-wide settings (sign-up and security policies, SMTP); its table comes with the accounts migration. */
export const instanceModule = defineModule({
  name: "instance",
  dependsOn: ["audit"],
  nav: [
    {
      id: "instance.settings",
      group: "admin",
      groupLabel: "nav.administration",
      order: 10,
      label: "nav.instanceSettings",
      icon: "sliders-horizontal",
      path: "/admin/settings",
      scope: "instance",
    },
  ],
  create: (ctx) => createInstanceService({ db: ctx.db, secrets: ctx.secrets("settings"), audit: ctx.services.audit }),
  routers: { instance: instanceRouter },
});
