import { AUTH_SUBJECTS } from "../auth/events";
import { RECORD_SUBJECTS } from "../data/events";
import { defineModule, type PermissionDeclaration } from "../../platform/module";
import { eventsErrorMessages } from "./errors";
import * as m0090 from "./migrations/0090_events";
import { eventsRouter } from "./router";
import { registerEventsRoutes } from "./routes";
import { createEventsService, type EventsService } from "./service";

const permissions = [
  { name: "events:read", roles: ["admin", "developer", "viewer"] },
  { name: "events:publish", roles: ["admin", "developer"] },
  { name: "events:manage", roles: ["admin", "developer"] },
] as const satisfies readonly PermissionDeclaration[];

declare module "../../platform/module" {
  interface Services {
    events: EventsService;
  }
  interface PermissionRegistry extends Record<(typeof permissions)[number]["name"], true> {}
}

/**
 * The event center: topics with retention, CloudEvents publishing, consumer groups, replay,
 * dead letters and signed webhooks; system topics for record changes and auth events.
 */
export const eventsModule = defineModule({
  name: "events",
  dependsOn: ["projects", "data"],
  migrations: { "0090_events": m0090 },
  permissions,
  errors: eventsErrorMessages,
  nav: [
    { id: "events.center", group: "events", label: "nav.events", icon: "radio", path: "events", scope: "project", anyOf: ["events:read"] },
  ],
  subjects: { consumes: [RECORD_SUBJECTS, AUTH_SUBJECTS] },
  create(ctx) {
    const events = createEventsService({
      db: ctx.db,
      kind: ctx.kind,
      bus: ctx.bus,
      projects: ctx.services.projects,
      secrets: ctx.secrets("webhooks"),
      selfOrigins: ctx.selfOrigins,
      collections: async (projectId) => (await ctx.services.data.schema.get(projectId)).schema.collections.map((c) => c.name),
      onError: (err, context) => ctx.logger.error({ err }, context),
      registry: ctx.metrics.registry,
    });
    // Record changes reach the records.<collection> topics with the write itself (SQLite: in its transaction).
    ctx.services.data.addRecordSink(events.recordSink);
    return events;
  },
  routes: (host, events) => registerEventsRoutes(host, { events }),
  routers: { events: eventsRouter },
  start: (events) => events.start(),
  stop: (events) => events.stop(),
  onProjectDrop: (events, projectId) => events.dropProject(projectId),
});
