import { defineModule } from "../../platform/module";
import { ensureInstance } from "./instance";
import { systemRouter } from "./router";
import { registerSystemRoutes } from "./routes";
import { createSystemService, type SystemService } from "./service";
import * as m0001 from "./migrations/0001_instance";

declare module "../../platform/module" {
  interface Services {
    system: SystemService;
  }
}

/** The instance itself: its identity row (which master key it runs with), readiness, probes, metrics. */
export const systemModule = defineModule({
  name: "system",
  dependsOn: [],
  migrations: { "0001_instance": m0001 },
  create: (ctx) =>
    createSystemService({
      database: ctx.database,
      bus: ctx.bus,
      lifecycle: ctx.lifecycle,
      version: ctx.version,
      startedAt: ctx.startedAt,
      nav: ctx.nav,
    }),
  routes: (host, system, ctx) =>
    registerSystemRoutes(host, { system, metrics: ctx.metrics, identity: ctx.identity, lifecycle: ctx.lifecycle }),
  routers: { system: systemRouter },
  // A node started with another master key stops here, before it writes anything.
  prepare: (_system, ctx) => ensureInstance(ctx.db, ctx.masterKeyFingerprint),
});
