import type { Logger } from "pino";
import type { BusMessage } from "../../platform/bus/bus";
import type { CloudEvent } from "../../platform/bus/cloudevents";
import type { Access } from "./access";
import type { Connection } from "./connection";
import { messageFrame, recordFrame, recordFrameBody, type RecordPayload } from "./frames";
import type { RealtimeLimits } from "./limits";
import type { Registry } from "./registry";
import type { ChannelMessage } from "./streams";

/**
 * Events in: record changes and channel messages of a project's log, from this node or any other,
 * with their sequence, written to this node's connections that may see them. Per project, events
 * are dispatched one after another in sequence order; each connection drops sequences it has
 * already handled (registry.ts `deliver`).
 */
export function createFanout(deps: { limits: RealtimeLimits; logger: Logger; registry: Registry; access: Access }) {
  const { limits, logger, registry, access } = deps;
  /** Per project, events are dispatched one after another, in sequence order. */
  const dispatchChains = new Map<string, Promise<void>>();

  async function dispatch(m: BusMessage): Promise<void> {
    const parts = m.subject.split(".");
    const projectId = parts[1]!;
    const conns = registry.inProject(projectId);
    if (!conns || conns.size === 0 || !m.stored) return;
    // Wall time from the event's arrival to its last socket write (benchmarks read it).
    const startedAt = performance.timeOrigin + performance.now();
    const connections = conns.size;
    await fanOut(m, parts, conns);
    registry.stats.lastFanout = { startedAt, ms: performance.timeOrigin + performance.now() - startedAt, connections };
  }

  async function fanOut(m: BusMessage, parts: string[], conns: ReadonlySet<Connection>): Promise<void> {
    const projectId = parts[1]!;
    if (!m.stored) return;
    const seq = m.stored.seq;
    const event = m.data as CloudEvent;
    if (parts[2] === "rec") {
      const e = event.data as RecordPayload;
      const rule = await access.viewRule(projectId, e.collection);
      if (rule === undefined) return;
      const common = recordFrameBody(e);
      // Connections with the same actor and collection subscriptions get the same decision (view
      // rule, then filters) and frame: each is made once per distinct key, each distinct frame
      // built and encoded once and its bytes shared.
      const decisions = new Map<string, Buffer | null>();
      const frames = new Map<string, Buffer>();
      await inChunks(conns, (conn) => {
        const key = conn.deliveryKey();
        let frame = decisions.get(key);
        if (frame === undefined) {
          const channels = access.recordChannels(conn.subscriptions.values(), conn.actor, e, rule);
          frame = null;
          if (channels) {
            const channelsKey = channels.length === 1 ? channels[0]! : channels.join("\n");
            frame = frames.get(channelsKey) ?? null;
            if (!frame) frames.set(channelsKey, (frame = Buffer.from(recordFrame(seq, channels, common))));
          }
          decisions.set(key, frame);
        }
        if (frame) registry.deliver(conn, seq, frame);
        else if (!conn.replayQueue && seq > conn.seenSeq) conn.seenSeq = seq;
      });
    } else if (parts[2] === "ch") {
      const msg = event.data as ChannelMessage;
      const channel = `channels/${msg.channel}`;
      let frame: Buffer | null = null;
      await inChunks(conns, (conn) => {
        if (conn.subscriptions.has(channel)) registry.deliver(conn, seq, (frame ??= Buffer.from(messageFrame(seq, msg))));
      });
    }
  }

  /**
   * Runs `each` for the project's connections, yielding to the event loop after every
   * `limits.fanoutChunk` of them, so a fan-out to thousands of sockets does not hold the loop (replies,
   * heartbeats, other projects' events) for its whole length. Connections that closed meanwhile are
   * skipped; ones that authenticated meanwhile started after this event (their `seenSeq`).
   */
  async function inChunks(conns: ReadonlySet<Connection>, each: (conn: Connection) => void): Promise<void> {
    const chunk = Math.max(1, limits.fanoutChunk);
    if (conns.size <= chunk) {
      for (const conn of conns) each(conn);
      return;
    }
    const all = [...conns];
    for (let i = 0; i < all.length; i++) {
      if (i > 0 && i % chunk === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const conn = all[i]!;
      if (!conn.closed) each(conn);
    }
  }

  return {
    /** A message of `rt.>` from the bus: queued behind the project's previous events, then fanned out. */
    onEvent(m: BusMessage): void {
      const projectId = m.subject.split(".")[1]!;
      if (!registry.inProject(projectId)?.size) return;
      const chain = (dispatchChains.get(projectId) ?? Promise.resolve())
        .then(() => dispatch(m))
        .catch((err) => logger.error({ err, subject: m.subject }, "realtime dispatch failed"));
      dispatchChains.set(projectId, chain);
      void chain.then(() => {
        if (dispatchChains.get(projectId) === chain) dispatchChains.delete(projectId);
      });
    },

    /** The frame a stored event becomes for one connection (a resume replaying the log), or null when it must not see it. */
    async frameFor(conn: Connection, subject: string, seq: number, event: CloudEvent): Promise<string | null> {
      const parts = subject.split(".");
      if (parts[2] === "rec") {
        const e = event.data as RecordPayload;
        const rule = await access.viewRule(conn.project!.id, e.collection);
        if (rule === undefined) return null;
        const channels = access.recordChannels(conn.subscriptions.values(), conn.actor, e, rule);
        return channels ? recordFrame(seq, channels, recordFrameBody(e)) : null;
      }
      if (parts[2] === "ch") {
        const m = event.data as ChannelMessage;
        const channel = `channels/${m.channel}`;
        return conn.subscriptions.has(channel) ? messageFrame(seq, m) : null;
      }
      return null;
    },
  };
}

export type Fanout = ReturnType<typeof createFanout>;
