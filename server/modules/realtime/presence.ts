import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { presenceSubject } from "./events";
import type { RealtimeTables } from "./tables";
import type { Bus, BusMessage } from "../../platform/bus/bus";
import type { Connection, PresenceMember } from "./connection";
import type { Registry } from "./registry";

/** A join or a leave, announced on `rtp.<project>.<channel>` (ephemeral: not in the project's log). */
interface PresenceNotice {
  action: "join" | "leave";
  channel: string;
  member: PresenceMember;
}

/** Presence notices of every project, on every node. */
export { PRESENCE_SUBJECTS as PRESENCE_PATTERN } from "./events";

/**
 * Who is on a presence channel, across nodes: members are rows of `apprun_realtime_presence`
 * (refreshed by each node's heartbeat, expiring after `ttlMs` without one), joins and leaves are
 * bus notices that every node passes to its own subscribers of the channel.
 */
export function createPresence(deps: {
  db: Kysely<RealtimeTables>;
  bus: Bus;
  logger: Logger;
  now: () => number;
  nodeId: string;
  /** A member whose node has not refreshed it for this long is no longer listed. */
  ttlMs: number;
  /** This node's connections, to pass notices to. */
  registry: Registry;
}) {
  const { db, bus, logger, now, nodeId, ttlMs, registry } = deps;

  function memberOf(conn: Connection): PresenceMember {
    const from = conn.from();
    return { connectionId: conn.id, auth: from, joinedAt: new Date(now()).toISOString() };
  }

  async function join(conn: Connection, name: string): Promise<PresenceMember> {
    const member = memberOf(conn);
    const t = now();
    await db
      .insertInto("apprun_realtime_presence")
      .values({
        project_id: conn.project!.id,
        channel: name,
        connection_id: conn.id,
        node_id: nodeId,
        member: JSON.stringify(member),
        joined_ms: t,
        seen_ms: t,
      })
      .onConflict((oc) => oc.columns(["project_id", "channel", "connection_id"]).doUpdateSet({ seen_ms: t }))
      .execute();
    await bus.publish(presenceSubject(conn.project!.id, name), { action: "join", channel: name, member } satisfies PresenceNotice);
    return member;
  }

  async function leave(conn: Connection, name: string, member: PresenceMember): Promise<void> {
    const projectId = conn.project!.id;
    try {
      await db
        .deleteFrom("apprun_realtime_presence")
        .where("project_id", "=", projectId)
        .where("channel", "=", name)
        .where("connection_id", "=", conn.id)
        .execute();
      await bus.publish(presenceSubject(projectId, name), { action: "leave", channel: name, member } satisfies PresenceNotice);
    } catch (err) {
      logger.warn({ err, connection: conn.id, channel: name }, "presence leave not recorded");
    }
  }

  return {
    join,
    leave,

    /** A connection goes: it leaves every presence channel it joined. */
    leaveAll(conn: Connection): Promise<void> {
      const leaves: Array<Promise<void>> = [];
      for (const sub of conn.subscriptions.values())
        if (sub.kind === "channel" && sub.member) leaves.push(leave(conn, sub.name, sub.member));
      return Promise.all(leaves).then(() => {});
    },

    /** The channel's members on every node, in the order they joined. */
    async members(projectId: string, name: string): Promise<PresenceMember[]> {
      const rows = await db
        .selectFrom("apprun_realtime_presence")
        .select(["member", "joined_ms"])
        .where("project_id", "=", projectId)
        .where("channel", "=", name)
        .where("seen_ms", ">", now() - ttlMs)
        .orderBy("joined_ms")
        .orderBy("connection_id")
        .execute();
      return rows.map((r) => JSON.parse(r.member) as PresenceMember);
    },

    /** A notice from any node: a presence frame to this node's other subscribers of the channel. */
    onNotice(m: BusMessage): void {
      const projectId = m.subject.split(".")[1]!;
      const notice = m.data as PresenceNotice;
      const conns = registry.inProject(projectId);
      if (!conns) return;
      const channel = `channels/${notice.channel}`;
      const text = JSON.stringify({ type: "presence", channel, action: notice.action, member: notice.member });
      for (const conn of conns) if (conn.id !== notice.member.connectionId && conn.subscriptions.has(channel)) registry.write(conn, text);
    },

    /** The heartbeat: this node's members are still here; rows of nodes that stopped (crashed) expire, anyone may sweep them. */
    async refresh(t: number): Promise<void> {
      try {
        await db.updateTable("apprun_realtime_presence").set({ seen_ms: t }).where("node_id", "=", nodeId).execute();
        await db
          .deleteFrom("apprun_realtime_presence")
          .where("seen_ms", "<", t - ttlMs * 2)
          .execute();
      } catch (err) {
        logger.warn({ err }, "presence heartbeat failed");
      }
    },

    /** The node stops (after its connections left): whatever rows of this node remain, a leave that failed, go. */
    async removeNode(): Promise<void> {
      await db
        .deleteFrom("apprun_realtime_presence")
        .where("node_id", "=", nodeId)
        .execute()
        .catch(() => {});
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
