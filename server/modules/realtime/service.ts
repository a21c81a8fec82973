import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { SystemDatabase } from "../../../db/schema";
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
  db: Kysely<SystemDatabase>;
  bus: Bus;
  data: DataService;
  auth: AuthService;
  projects: ProjectsService;
  audit: AuditService;
  /** The project logs; the same object whose `recordingBus()` the data module publishes on. */
  streams: RealtimeStreams;
  catalog: ErrorCatalog;
  logger: Logger;
  limits?: Partial<RealtimeLimits>;
  clock?: () => number;
  nodeId?: string;
}

/**
 * Realtime push: the node's hub of WebSocket/SSE connections (`hub`), the projects' broadcast
 * channels (`channels`), the inspector, and the lifecycle the app drives (start after the bus,
 * close before the HTTP server, dropProject with the project).
 */
export function createRealtimeService(deps: RealtimeDeps) {
  const channels = createChannelService({ db: deps.db, projects: deps.projects, audit: deps.audit, clock: deps.clock });
  const hub = createHub({ db: deps.db, bus: deps.bus, data: deps.data, auth: deps.auth, channels, streams: deps.streams, catalog: deps.catalog, logger: deps.logger, limits: deps.limits, clock: deps.clock, nodeId: deps.nodeId });

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
      return { ...(await hub.inspect(project.id)), log: info ? { firstSeq: info.firstSeq, lastSeq: info.lastSeq, messages: info.messages } : null };
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
