import type { Logger } from "pino";
import { AppError } from "../../platform/errors/app-error";
import type { ErrorCatalog } from "../../platform/errors/catalog";
import { looksLikeApiKey } from "../auth/service";
import type { AuthService } from "../auth/service";
import { recordActor, type Access, type Principal } from "./access";
import type { ChannelSubscription, Connection } from "./connection";
import type { Fanout } from "./fanout";
import { errorFrame as errorFrameIn, okFrame } from "./frames";
import { MAX_PENDING_FRAMES, type RealtimeLimits } from "./limits";
import type { Presence } from "./presence";
import type { Registry } from "./registry";
import { clientFrameSchema, parseChannel, type ClientFrame, type FrameRef } from "./schema";
import type { RealtimeStreams } from "./streams";

/**
 * The client's frames (PROTOCOL.md): parsed, handled one after another per connection, each
 * answered with an `ok` or `error` frame. Who may do what is access.ts; presence is presence.ts;
 * replays go through the fan-out's `frameFor`, so they pass the same checks as live delivery.
 */
export function createProtocol(deps: {
  auth: AuthService;
  streams: RealtimeStreams;
  catalog: ErrorCatalog;
  logger: Logger;
  limits: RealtimeLimits;
  registry: Registry;
  access: Access;
  presence: Presence;
  fanout: Fanout;
}) {
  const { streams, logger, limits, registry, access, presence } = deps;
  const errorFrame = (conn: Connection, err: AppError, ref?: FrameRef) => errorFrameIn(deps.catalog, conn.locale, err, ref);

  /** A frame from the client, as text: parsed, handled in order; the reply (ok/error frame) is returned. */
  function receive(conn: Connection, text: string): Promise<string | null> {
    if (conn.pending >= MAX_PENDING_FRAMES) {
      const ref = /"ref"\s*:\s*("(?:[^"\\]|\\.){0,64}"|-?\d{1,16})/.exec(text.slice(0, 4096))?.[1];
      return Promise.resolve(
        errorFrame(
          conn,
          new AppError("realtime_too_many_pending", 429, { limit: MAX_PENDING_FRAMES }),
          ref === undefined ? undefined : JSON.parse(ref),
        ),
      );
    }
    conn.pending++;
    const run = conn.queue.then(() => handleText(conn, text)).finally(() => conn.pending--);
    conn.queue = run.catch(() => {});
    return run;
  }

  async function handleText(conn: Connection, text: string): Promise<string | null> {
    if (conn.closed) return null;
    let ref: FrameRef;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        raw = undefined;
      }
      const maybeRef = (raw as { ref?: unknown } | null)?.ref;
      if (typeof maybeRef === "string" || (typeof maybeRef === "number" && Number.isSafeInteger(maybeRef)))
        ref = String(maybeRef).length <= 64 ? maybeRef : undefined;
      const size = Buffer.byteLength(text);
      if (size > limits.maxFrameBytes) throw new AppError("realtime_frame_too_large", 413, { size, limit: limits.maxFrameBytes });
      if (raw === undefined) throw new AppError("realtime_invalid_frame", 400, { reason: "not JSON" });
      const parsed = clientFrameSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError("realtime_invalid_frame", 400, {
          reason: `${issue?.path.join(".") || "frame"}: ${issue?.message ?? "invalid"}`.slice(0, 200),
        });
      }
      return await handle(conn, parsed.data);
    } catch (err) {
      if (err instanceof AppError) return errorFrame(conn, err, ref);
      logger.error({ err, connection: conn.id }, "realtime frame failed");
      return errorFrame(conn, new AppError("internal_error", 500, {}), ref);
    }
  }

  async function handle(conn: Connection, frame: ClientFrame): Promise<string> {
    if (frame.type === "ping") return okFrame(frame.ref, "pong");
    if (frame.type === "auth") return authenticate(conn, frame);
    if (!conn.project) throw new AppError("realtime_not_authenticated", 401);
    switch (frame.type) {
      case "subscribe":
        return subscribe(conn, frame);
      case "unsubscribe": {
        const sub = conn.subscriptions.get(frame.channel);
        if (!sub) throw new AppError("realtime_not_subscribed", 404, { channel: frame.channel.slice(0, 200) });
        conn.subscriptions.delete(frame.channel);
        if (sub.kind === "channel" && sub.member) await presence.leave(conn, sub.name, sub.member);
        return okFrame(frame.ref, "unsubscribe", { channel: frame.channel });
      }
      case "resume": {
        const from = frame.lastEventId ?? conn.resumeFrom;
        if (from === null) throw new AppError("realtime_invalid_frame", 400, { reason: "lastEventId: required unless auth carried it" });
        return resume(conn, frame.ref, from);
      }
      case "publish":
        return publish(conn, frame);
      case "presence": {
        const target = parseChannel(frame.channel);
        if (!target || target.kind !== "channel")
          throw new AppError("realtime_invalid_channel", 400, { channel: frame.channel.slice(0, 200) });
        const config = await access.channel(conn.project.id, conn.principal, target.name, "subscribe");
        if (!config.presence) throw new AppError("realtime_presence_disabled", 400, { name: target.name });
        return okFrame(frame.ref, "presence", { channel: frame.channel, members: await presence.members(conn.project.id, target.name) });
      }
    }
  }

  async function authenticate(conn: Connection, frame: Extract<ClientFrame, { type: "auth" }>): Promise<string> {
    const project = await deps.auth.resolveProject(frame.project);
    let principal: Principal = { type: "anonymous" };
    if (frame.token !== undefined) {
      if (looksLikeApiKey(frame.token)) {
        const key = await deps.auth.apiKeys.verify(frame.token);
        if (key.projectId !== project.id) throw new AppError("realtime_wrong_project", 403);
        principal = { type: "apiKey", id: key.id, permissions: key.permissions };
      } else {
        const claims = await deps.auth.tokens.verify(frame.token);
        if (claims.prj !== project.id) throw new AppError("realtime_wrong_project", 403);
        principal = { type: "user", id: claims.sub, roles: claims.roles, expiresAt: claims.exp * 1000 };
      }
    }
    if (conn.project) {
      // A fresh token for the same principal extends the connection; anything else is refused.
      const same =
        conn.project.id === project.id &&
        conn.principal?.type === principal.type &&
        (principal.type === "anonymous" || (conn.principal as { id: string }).id === principal.id);
      if (!same) throw new AppError("realtime_already_authenticated", 409);
    } else {
      registry.enter(conn, project);
      if (frame.lastEventId !== undefined) {
        // Resuming: hold live frames until the resume frame (after the subscribes) replays from here.
        conn.resumeFrom = conn.seenSeq = conn.authSeq = frame.lastEventId;
        conn.replayQueue = [];
      } else {
        // New connections start at the log's end: resume (below) replays what came before.
        const info = await streams.info(project.id).catch(() => null);
        conn.seenSeq = conn.authSeq = Math.max(conn.seenSeq, info?.lastSeq ?? 0);
      }
    }
    conn.principal = principal;
    conn.actor = recordActor(principal);
    const auth = principal.type === "anonymous" ? { type: "anonymous", id: null } : { type: principal.type, id: principal.id };
    return okFrame(frame.ref, "auth", { connectionId: conn.id, project: project.id, auth, lastEventId: conn.seenSeq });
  }

  async function subscribe(conn: Connection, frame: Extract<ClientFrame, { type: "subscribe" }>): Promise<string> {
    const target = parseChannel(frame.channel);
    if (!target) throw new AppError("realtime_invalid_channel", 400, { channel: frame.channel.slice(0, 200) });
    const existing = conn.subscriptions.get(frame.channel);
    if (!existing && conn.subscriptions.size >= limits.maxSubscriptions)
      throw new AppError("realtime_too_many_subscriptions", 429, { limit: limits.maxSubscriptions });
    const projectId = conn.project!.id;
    if (target.kind === "collection") {
      if (frame.filter !== undefined && target.id !== null)
        throw new AppError("realtime_invalid_frame", 400, { reason: "filter: only collections/<name> subscriptions take a filter" });
      conn.subscriptions.set(
        frame.channel,
        await access.collectionSubscription(projectId, conn.actor, frame.channel, target, frame.filter),
      );
      return okFrame(frame.ref, "subscribe", { channel: frame.channel });
    }
    const config = await access.channel(projectId, conn.principal, target.name, "subscribe");
    const member = existing?.kind === "channel" ? existing.member : null;
    const sub: ChannelSubscription = { kind: "channel", channel: frame.channel, name: target.name, presence: config.presence, member };
    conn.subscriptions.set(frame.channel, sub);
    if (!config.presence) return okFrame(frame.ref, "subscribe", { channel: frame.channel });
    if (!sub.member) {
      const joined = await presence.join(conn, target.name);
      // Closed while joining: forget() saw no member to remove.
      if (conn.closed) await presence.leave(conn, target.name, joined);
      else sub.member = joined;
    }
    return okFrame(frame.ref, "subscribe", { channel: frame.channel, members: await presence.members(projectId, target.name) });
  }

  async function publish(conn: Connection, frame: Extract<ClientFrame, { type: "publish" }>): Promise<string> {
    const target = parseChannel(frame.channel);
    if (!target || target.kind !== "channel") throw new AppError("realtime_invalid_channel", 400, { channel: frame.channel.slice(0, 200) });
    await access.channel(conn.project!.id, conn.principal, target.name, "publish");
    registry.stats.published++;
    const stored = await streams.appendMessage(conn.project!.id, { channel: target.name, data: frame.data ?? null, from: conn.from() });
    return okFrame(frame.ref, "publish", { channel: frame.channel, id: stored.seq });
  }

  /**
   * Replays the project's log after `lastEventId` through the connection's current subscriptions
   * (same checks as live delivery), then releases the live frames that arrived meanwhile: no gap,
   * no duplicate, in sequence order.
   */
  async function resume(conn: Connection, ref: FrameRef, lastEventId: number): Promise<string> {
    const projectId = conn.project!.id;
    const info = await streams.info(projectId);
    // Live frames held since auth: nothing was delivered live. Otherwise events after authSeq up to now
    // were handled live (delivered or not): not replayed.
    const held = conn.replayQueue !== null;
    const liveUpTo = held ? lastEventId : conn.seenSeq;
    conn.resumeFrom = null;
    conn.replayQueue ??= [];
    let cursor = lastEventId;
    let gap: AppError | null = null;
    let replayed = 0;
    try {
      if (info && lastEventId < info.firstSeq - 1 && info.lastSeq > lastEventId)
        gap = new AppError("realtime_resume_gap", 410, { lastEventId, firstSeq: info.firstSeq });
      for (;;) {
        const events = await streams.read(projectId, cursor, 500);
        for (const stored of events) {
          cursor = stored.seq;
          if (stored.seq > conn.authSeq && stored.seq <= liveUpTo) continue;
          const text = await deps.fanout.frameFor(conn, stored.subject, stored.seq, stored.event);
          if (text) {
            replayed++;
            registry.deliverReplayed(conn, text);
          }
        }
        if (events.length < 500 || conn.closed) break;
      }
    } finally {
      const queued = conn.replayQueue ?? [];
      conn.replayQueue = null;
      conn.seenSeq = Math.max(cursor, lastEventId, liveUpTo);
      for (const [seq, text] of queued) registry.deliver(conn, seq, text);
    }
    if (gap) return errorFrame(conn, gap, ref);
    return okFrame(ref, "resume", { replayed, lastEventId: conn.seenSeq });
  }

  return { receive };
}
