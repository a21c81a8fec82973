import type { Kysely } from "kysely";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "pino";
import type { RealtimeTables } from "./tables";
import type { Actor } from "../../platform/auth/actor";
import type { Bus } from "../../platform/bus/bus";
import type { ErrorCatalog } from "../../platform/errors/catalog";
import { invalidInput } from "../../platform/errors/normalize";
import type { AuditService } from "../audit/service";
import type { AuthService } from "../auth/service";
import type { DataService } from "../data/service";
import type { ProjectsService } from "../projects/service";
import { createChannelService } from "./channels";
import { createHub, type RealtimeLimits } from "./hub";
import { byProject } from "./schema";
import type { RealtimeStreams } from "./streams";

export interface RealtimeDeps {
  db: Kysely<RealtimeTables>;
  bus: Bus;
  data: DataService;
  auth: AuthService;
  projects: ProjectsService;
  audit: AuditService;
  /** The project logs; the same object whose `recordSink()` the data module was given. */
  streams: RealtimeStreams;
  catalog: ErrorCatalog;
  logger: Logger;
  limits?: Partial<RealtimeLimits>;
  clock?: () => number;
  nodeId?: string;
  /** Where the module's metrics go (the app's registry). */
  registry?: Registry;
}

/**
 * Realtime push: the node's hub of WebSocket/SSE connections (`hub`), the projects' broadcast
 * channels (`channels`), the inspector, and the lifecycle the app drives (start after the bus,
 * close before the HTTP server, dropProject with the project).
 */
export function createRealtimeService(deps: RealtimeDeps) {
  const channels = createChannelService({ db: deps.db, projects: deps.projects, audit: deps.audit, clock: deps.clock });
  const hub = createHub({
    db: deps.db,
    bus: deps.bus,
    data: deps.data,
    auth: deps.auth,
    channels,
    streams: deps.streams,
    catalog: deps.catalog,
    logger: deps.logger,
    limits: deps.limits,
    clock: deps.clock,
    nodeId: deps.nodeId,
  });

  if (deps.registry) registerMetrics(deps.registry, hub);

  return {
    channels,
    hub,
    streams: deps.streams,

    /** events:read. Connected clients of the project on this node, subscriptions per channel or collection, presence. */
    async inspect(actor: Actor, input: unknown) {
      const parsed = byProject.safeParse(input);
      if (!parsed.success) throw invalidInput(parsed.error);
      const { project } = await deps.projects.authorize(actor, parsed.data.project, "events:read");
      const info = await deps.streams.info(project.id).catch(() => null);
      return {
        ...(await hub.inspect(project.id)),
        log: info ? { firstSeq: info.firstSeq, lastSeq: info.lastSeq, messages: info.messages } : null,
      };
    },

    start(): Promise<void> {
      return hub.start();
    },

    close(): Promise<void> {
      return hub.close();
    },

    /** A deleted project: its connections close, its channels and its log go. */
    async dropProject(projectId: string): Promise<void> {
      hub.dropProject(projectId);
      await channels.dropProject(projectId);
      await deps.streams.dropProject(projectId).catch(() => {});
    },
  };
}

export type RealtimeService = ReturnType<typeof createRealtimeService>;

/** apprun_realtime_*: connections by transport, events delivered, channel messages published, slow clients cut. */
function registerMetrics(registry: Registry, hub: ReturnType<typeof createHub>): void {
  new Gauge({
    name: "apprun_realtime_connections",
    help: "Open realtime connections on this node, by transport",
    labelNames: ["transport"],
    registers: [registry],
    collect() {
      const counts = hub.counts();
      this.set({ transport: "ws" }, counts.ws);
      this.set({ transport: "sse" }, counts.sse);
    },
  });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter(
    "apprun_realtime_events_delivered_total",
    "Record events and channel messages written to realtime connections",
    () => hub.stats.delivered,
  );
  counter(
    "apprun_realtime_messages_published_total",
    "Channel messages published by realtime clients on this node",
    () => hub.stats.published,
  );
  counter(
    "apprun_realtime_slow_consumers_total",
    "Realtime connections closed because they read too slowly",
    () => hub.stats.slowConsumers,
  );
}
