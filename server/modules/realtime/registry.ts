import type { Logger } from "pino";
import { AppError } from "../../platform/errors/app-error";
import type { ErrorCatalog } from "../../platform/errors/catalog";
import type { Locale } from "../../platform/errors/locale";
import { Connection, type Transport } from "./connection";
import { errorFrame } from "./frames";
import { CLOSE, MAX_HELD_FRAMES, type RealtimeLimits } from "./limits";

/** Counters for /metrics since the node started; `lastFanout` is read by the bench. */
export interface HubStats {
  delivered: number;
  slowConsumers: number;
  published: number;
  lastFanout: { startedAt: number; ms: number; connections: number } | null;
}

/**
 * The node's open connections: by id and by project, the limits each is held to (authenticate in
 * time, read fast enough, do not hold too many live frames, renew the token, answer heartbeats),
 * and the writes to them. What a connection's frames ask for is protocol.ts.
 */
export function createRegistry(deps: {
  limits: RealtimeLimits;
  catalog: ErrorCatalog;
  logger: Logger;
  /** Announces the presence leaves of a connection that goes (before its subscriptions are cleared). */
  leaveAll: (conn: Connection) => Promise<void>;
}) {
  const { limits, logger } = deps;
  const connections = new Set<Connection>();
  const byProject = new Map<string, Set<Connection>>();
  const byId = new Map<string, Connection>();
  let stopped = false;
  const stats: HubStats = { delivered: 0, slowConsumers: 0, published: 0, lastFanout: null };

  function write(conn: Connection, text: string | Buffer): void {
    if (conn.closed) return;
    if (conn.transport.buffered() > limits.maxBufferedBytes) {
      logger.warn({ connection: conn.id, buffered: conn.transport.buffered() }, "realtime client too slow; disconnected");
      stats.slowConsumers++;
      drop(conn, CLOSE.slowConsumer, "realtime_slow_consumer");
      return;
    }
    conn.transport.send(text);
  }

  /** An event frame to a connection: queued behind a running resume, dropped when already handled. */
  function deliver(conn: Connection, seq: number, text: string | Buffer): void {
    if (conn.replayQueue) {
      conn.replayQueue.push([seq, text]);
      // A client that holds its live flow and never resumes must not grow server memory either.
      if (conn.replayQueue.length > MAX_HELD_FRAMES) drop(conn, CLOSE.slowConsumer, "realtime_slow_consumer");
      return;
    }
    if (seq <= conn.seenSeq) return;
    conn.seenSeq = seq;
    conn.delivered++;
    stats.delivered++;
    write(conn, text);
  }

  function open(transport: Transport, locale: Locale): Connection {
    if (stopped) throw new AppError("realtime_shutting_down", 503);
    const conn = new Connection(transport, locale);
    connections.add(conn);
    byId.set(conn.id, conn);
    conn.authTimer = setTimeout(() => {
      if (!conn.project) {
        write(conn, errorFrame(deps.catalog, conn.locale, new AppError("realtime_auth_timeout", 401, { timeoutMs: limits.authTimeoutMs })));
        drop(conn, CLOSE.authTimeout, "realtime_auth_timeout");
      }
    }, limits.authTimeoutMs);
    conn.authTimer.unref?.();
    return conn;
  }

  /** Closes the transport and forgets the connection (presence leaves are announced). */
  function drop(conn: Connection, code: number, reason: string): void {
    if (!conn.closed) {
      void forget(conn);
      conn.transport.close(code, reason);
    }
  }

  /** The transport went away: forget the connection (its presence leaves are announced). */
  function forget(conn: Connection): Promise<void> {
    if (conn.closed) return Promise.resolve();
    conn.closed = true;
    if (conn.authTimer) clearTimeout(conn.authTimer);
    connections.delete(conn);
    byId.delete(conn.id);
    if (conn.project) byProject.get(conn.project.id)?.delete(conn);
    const left = deps.leaveAll(conn);
    conn.subscriptions.clear();
    return left;
  }

  return {
    stats,
    open,
    /** Writes a frame (a reply) to the connection, unless it is too slow. */
    write,
    deliver,
    /** A replayed event frame: written at once (a resume is sending the log in order). */
    deliverReplayed(conn: Connection, text: string): void {
      conn.delivered++;
      stats.delivered++;
      write(conn, text);
    },
    drop,
    forget,

    /** The connection authenticated for a project: it receives the project's events from now on. */
    enter(conn: Connection, project: { id: string; slug: string }): void {
      conn.project = { id: project.id, slug: project.slug };
      let set = byProject.get(project.id);
      if (!set) byProject.set(project.id, (set = new Set()));
      set.add(conn);
      if (conn.authTimer) clearTimeout(conn.authTimer);
    },

    connection: (id: string) => byId.get(id),
    /** The project's authenticated connections on this node (the live set). */
    inProject: (projectId: string): ReadonlySet<Connection> | undefined => byProject.get(projectId),
    get size() {
      return connections.size;
    },
    /** Open connections per transport. */
    counts(): { ws: number; sse: number } {
      const counts = { ws: 0, sse: 0 };
      for (const c of connections) counts[c.transport.kind]++;
      return counts;
    },

    /** A heartbeat: connections whose access token expired are closed (4403), the rest pinged; dead ones are forgotten. */
    beat(t: number): void {
      for (const conn of [...connections]) {
        const p = conn.principal;
        if (p?.type === "user" && p.expiresAt <= t) {
          write(conn, errorFrame(deps.catalog, conn.locale, new AppError("realtime_token_expired", 401)));
          drop(conn, CLOSE.tokenExpired, "realtime_token_expired");
          continue;
        }
        if (!conn.transport.heartbeat()) void forget(conn);
      }
    },

    /** The node stops: no new connections; every open one is forgotten and closed (1001). */
    closeAll(): Promise<void> {
      stopped = true;
      const leaves: Array<Promise<void>> = [];
      for (const conn of [...connections]) {
        leaves.push(forget(conn));
        conn.transport.close(CLOSE.goingAway, "realtime_shutting_down");
      }
      return Promise.all(leaves).then(() => {});
    },

    /** A deleted project: its connections are closed. */
    dropProject(projectId: string): void {
      for (const conn of [...(byProject.get(projectId) ?? [])]) drop(conn, CLOSE.goingAway, "project_deleted");
      byProject.delete(projectId);
    },
  };
}

export type Registry = ReturnType<typeof createRegistry>;
