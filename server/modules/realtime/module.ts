import { defineModule } from "../../platform/module";
import { AppError } from "../../platform/errors/app-error";
import { realtimeErrorMessages } from "./errors";
import { PRESENCE_SUBJECTS, RT_PATTERN } from "./events";
import type { RealtimeLimits } from "./hub";
import * as m0095 from "./migrations/0095_realtime";
import { realtimeRouter } from "./router";
import { registerRealtimeRoutes } from "./routes";
import { createRealtimeService, type RealtimeService } from "./service";
import { createRealtimeStreams } from "./streams";

declare module "../../platform/module" {
  interface Services {
    realtime: RealtimeService;
  }
}

/**
 * Realtime push over `/realtime` (WebSocket) and `/realtime/sse`: record changes filtered by the
 * view rules, broadcast channels with presence, resume from the project's log. Authorized with the
 * event center's permissions (`events:read`, `events:manage`).
 */
export const realtimeModule = defineModule({
  name: "realtime",
  dependsOn: ["data", "auth", "projects", "audit"],
  migrations: { "0095_realtime": m0095 },
  errors: realtimeErrorMessages,
  // Channels and the inspector of connected clients (the realtime router authorizes with events:read).
  nav: [
    {
      id: "realtime.channels",
      group: "realtime",
      label: "realtime.nav",
      icon: "cable",
      path: "realtime",
      scope: "project",
      anyOf: ["events:read"],
    },
  ],
  subjects: { publishes: [RT_PATTERN, PRESENCE_SUBJECTS], consumes: [RT_PATTERN, PRESENCE_SUBJECTS] },
  create(ctx) {
    const streams = createRealtimeStreams({ bus: ctx.bus });
    // Record changes also go to each project's durable realtime log (resume, other nodes): on SQLite inside the change's own transaction.
    ctx.services.data.addRecordSink(streams.recordSink());
    return createRealtimeService({
      db: ctx.db,
      bus: ctx.bus,
      data: ctx.services.data,
      auth: ctx.services.auth,
      projects: ctx.services.projects,
      audit: ctx.services.audit,
      streams,
      catalog: ctx.catalog,
      logger: ctx.logger,
      limits: ctx.options.realtime as Partial<RealtimeLimits> | undefined,
      clock: ctx.clock,
      registry: ctx.metrics.registry,
    });
  },
  routes: (host, realtime, ctx) =>
    registerRealtimeRoutes(host, {
      hub: realtime.hub,
      gate: () =>
        ctx.lifecycle.phase === "ready" ? null : new AppError(ctx.lifecycle.phase === "stopping" ? "shutting_down" : "not_ready", 503),
    }),
  routers: { realtime: realtimeRouter },
  start: (realtime) => realtime.start(),
  // Realtime connections never end by themselves: closed before the HTTP server drains.
  drain: (realtime) => realtime.close(),
  onProjectDrop: (realtime, projectId) => realtime.dropProject(projectId),
});
