import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RealtimeTables } from "./tables";
import type { Bus, Unsubscribe } from "../../platform/bus/bus";
import type { ErrorCatalog } from "../../platform/errors/catalog";
import type { AuthService } from "../auth/service";
import { createAccess, type DataRules } from "./access";
import type { ChannelService } from "./channels";
import type { PresenceMember } from "./connection";
import { createFanout } from "./fanout";
import { DEFAULT_LIMITS, type RealtimeLimits } from "./limits";
import { createPresence, PRESENCE_PATTERN } from "./presence";
import { createProtocol } from "./protocol";
import { createRegistry } from "./registry";
import { RT_PATTERN } from "./events";
import type { RealtimeStreams } from "./streams";

export { CLOSE, DEFAULT_LIMITS, MAX_PENDING_FRAMES, type RealtimeLimits } from "./limits";
export { Connection, type PresenceMember, type Transport } from "./connection";

export interface HubDeps {
  db: Kysely<RealtimeTables>;
  bus: Bus;
  data: DataRules;
  auth: AuthService;
  channels: ChannelService;
  streams: RealtimeStreams;
  catalog: ErrorCatalog;
  logger: Logger;
  limits?: Partial<RealtimeLimits>;
  clock?: () => number;
  nodeId?: string;
}

/**
 * A node's realtime hub: its open connections, what they subscribe to, and delivery. Record
 * changes and channel messages arrive from the project's durable log through the bus (from this
 * node or any other) with their sequence, are checked per connection (view rule and filter in
 * memory, or the channel's subscribe rule at subscription time) and written to the transports.
 *
 * It puts together the connections (registry.ts), their frames (protocol.ts), who may see and do
 * what (access.ts), events in (fanout.ts) and presence (presence.ts), and runs their heartbeat.
 */
export function createHub(deps: HubDeps) {
  const { bus, logger } = deps;
  const limits: RealtimeLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const now = deps.clock ?? Date.now;
  const nodeId = deps.nodeId ?? `node_${crypto.randomBytes(6).toString("hex")}`;
  const unsubscribes: Unsubscribe[] = [];
  let heartbeat: NodeJS.Timeout | null = null;

  // Presence is made next: the registry calls it only when a connection goes.
  const registry = createRegistry({ limits, catalog: deps.catalog, logger, leaveAll: (conn) => presence.leaveAll(conn) });
  const presence = createPresence({ db: deps.db, bus, logger, now, nodeId, ttlMs: limits.heartbeatMs * 3, registry });
  const access = createAccess({ data: deps.data, channels: deps.channels });
  const fanout = createFanout({ limits, logger, registry, access });
  const protocol = createProtocol({
    auth: deps.auth,
    streams: deps.streams,
    catalog: deps.catalog,
    logger,
    limits,
    registry,
    access,
    presence,
    fanout,
  });

  async function beat(): Promise<void> {
    const t = now();
    registry.beat(t);
    await presence.refresh(t);
  }

  return {
    limits,
    nodeId,
    open: registry.open,
    receive: protocol.receive,
    /** Writes a frame (a reply) to the connection, unless it is too slow. */
    send: registry.write,
    forget: registry.forget,
    drop: registry.drop,
    connection: registry.connection,
    stats: registry.stats as Readonly<typeof registry.stats>,
    /** Open connections per transport. */
    counts: registry.counts,
    get size() {
      return registry.size;
    },

    /** Subscribes to the realtime log and presence notices of every project; call after the bus started. */
    async start(): Promise<void> {
      unsubscribes.push(bus.subscribe(RT_PATTERN, fanout.onEvent), bus.subscribe(PRESENCE_PATTERN, presence.onNotice));
      heartbeat = setInterval(() => void beat(), limits.heartbeatMs);
      heartbeat.unref?.();
      // NATS registers subscriptions asynchronously: a round trip makes sure they are in place before the node reports ready.
      await bus.ping().catch(() => {});
    },

    /** What this node serves for one project: connections, subscriptions per channel, presence. */
    async inspect(projectId: string) {
      const conns = [...(registry.inProject(projectId) ?? [])];
      const perChannel = new Map<string, number>();
      const presenceChannels = new Set<string>();
      for (const c of conns)
        for (const s of c.subscriptions.values()) {
          perChannel.set(s.channel, (perChannel.get(s.channel) ?? 0) + 1);
          if (s.kind === "channel" && s.member) presenceChannels.add(s.name);
        }
      const members: Array<{ channel: string; members: PresenceMember[] }> = [];
      for (const name of [...presenceChannels].sort())
        members.push({ channel: `channels/${name}`, members: await presence.members(projectId, name) });
      return {
        node: nodeId,
        connections: conns.map((c) => ({
          id: c.id,
          transport: c.transport.kind,
          auth: c.from(),
          connectedAt: c.connectedAt,
          delivered: c.delivered,
          bufferedBytes: c.transport.buffered(),
          subscriptions: [...c.subscriptions.values()].map((s) => ({
            channel: s.channel,
            ...(s.kind === "collection" && s.filterText ? { filter: s.filterText } : {}),
          })),
        })),
        subscriptions: [...perChannel]
          .map(([channel, count]) => ({ channel, connections: count }))
          .sort((a, b) => a.channel.localeCompare(b.channel)),
        presence: members,
      };
    },

    /** Closes every connection (1001) and stops; presence rows of this node are removed. */
    async close(): Promise<void> {
      if (heartbeat) clearInterval(heartbeat);
      for (const u of unsubscribes.splice(0)) u();
      await registry.closeAll();
      await presence.removeNode();
    },

    /** A deleted project: its connections are closed. */
    dropProject: registry.dropProject,
  };
}

export type Hub = ReturnType<typeof createHub>;
