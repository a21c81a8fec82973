import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RealtimeTables } from "./tables";
import type { Bus, BusMessage, Unsubscribe } from "../../platform/bus/bus";
import type { CloudEvent } from "../../platform/bus/cloudevents";
import { AppError } from "../../platform/errors/app-error";
import type { ErrorCatalog } from "../../platform/errors/catalog";
import type { Locale } from "../../platform/errors/locale";
import { looksLikeApiKey } from "../auth/service";
import type { AuthService } from "../auth/service";
import { bypassesRules, recordPermissionsOf, type CompiledExpression, type DataActor, type DataService } from "../data/service";
import type { ChannelService, RuleSubject } from "./channels";
import { clientFrameSchema, parseChannel, type ClientFrame, type FrameRef } from "./schema";
import { PRESENCE_SUBJECTS, presenceSubject, RT_PATTERN } from "./events";
import type { ChannelMessage, RealtimeStreams } from "./streams";

export interface RealtimeLimits {
  /** Server pings this often; a WebSocket that did not answer the previous ping is closed. SSE gets a comment line. */
  heartbeatMs: number;
  /** A connection that has not authenticated by then is closed (4401 `realtime_auth_timeout`). */
  authTimeoutMs: number;
  maxSubscriptions: number;
  /** Frames above this get an error frame (`realtime_frame_too_large`); WebSocket messages above 4× this close the socket (1009). */
  maxFrameBytes: number;
  /** More than this waiting to be sent to a client closes it (4008 `realtime_slow_consumer`). */
  maxBufferedBytes: number;
  /** A fan-out to a project's connections yields to the event loop after this many of them. */
  fanoutChunk: number;
}

const MAX_HELD_FRAMES = 10_000;

/** Frames a client may have waiting for their reply; more are refused at once (a flood costs no memory). */
export const MAX_PENDING_FRAMES = 64;

export const DEFAULT_LIMITS: RealtimeLimits = {
  heartbeatMs: 25_000,
  authTimeoutMs: 10_000,
  maxSubscriptions: 100,
  maxFrameBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  fanoutChunk: 500,
};

/** Close codes (PROTOCOL.md). */
export const CLOSE = { authTimeout: 4401, tokenExpired: 4403, slowConsumer: 4008, goingAway: 1001 } as const;

/** What a connection's transport must offer: WebSocket and SSE implement it. */
export interface Transport {
  readonly kind: "ws" | "sse";
  /** A frame's JSON text; a Buffer when one frame is fanned out to many (encoded once). */
  send(text: string | Buffer): void;
  /** Bytes accepted but not yet handed to the kernel. */
  buffered(): number;
  close(code: number, reason: string): void;
  /** WebSocket: a protocol ping; returns false when the previous one was never answered. SSE: a comment line. */
  heartbeat(): boolean;
}

type Principal =
  | { type: "user"; id: string; roles: string[]; expiresAt: number }
  | { type: "apiKey"; id: string; permissions: readonly string[] }
  | { type: "anonymous" };

interface CollectionSubscription {
  kind: "collection";
  channel: string;
  collection: string;
  id: string | null;
  filter: CompiledExpression | null;
  filterText: string | null;
}

interface ChannelSubscription {
  kind: "channel";
  channel: string;
  name: string;
  presence: boolean;
  /** On a presence channel: how this connection is listed. */
  member: PresenceMember | null;
}

type Subscription = CollectionSubscription | ChannelSubscription;

export interface PresenceMember {
  connectionId: string;
  auth: { type: Principal["type"]; id: string | null };
  joinedAt: string;
}

interface PresenceNotice {
  action: "join" | "leave";
  channel: string;
  member: PresenceMember;
}

/** A subscription map that tells its connection when it changes (the connection's delivery key depends on it). */
class Subscriptions extends Map<string, Subscription> {
  onChange: (() => void) | null = null;
  override set(key: string, value: Subscription): this {
    super.set(key, value);
    this.onChange?.();
    return this;
  }
  override delete(key: string): boolean {
    const deleted = super.delete(key);
    if (deleted) this.onChange?.();
    return deleted;
  }
  override clear(): void {
    super.clear();
    this.onChange?.();
  }
}

/** Distinct compiled filters get distinct numbers (two texts may compile alike, one text differently per model version). */
const filterIds = new WeakMap<CompiledExpression, number>();
let nextFilterId = 1;
function filterId(filter: CompiledExpression | null): number {
  if (!filter) return 0;
  let id = filterIds.get(filter);
  if (id === undefined) filterIds.set(filter, (id = nextFilterId++));
  return id;
}

/** Everything a view rule or filter reads of the caller: equal keys, equal decisions. */
function actorKey(actor: DataActor): string {
  switch (actor.type) {
    case "user":
      return JSON.stringify(["user", actor.id, actor.roles]);
    case "apiKey":
      return JSON.stringify(["apiKey", actor.id, actor.permissions]);
    case "admin":
      return JSON.stringify(["admin", actor.id]);
    default:
      return JSON.stringify([actor.type]);
  }
}

/** One client connection, WebSocket or SSE: its principal, subscriptions and delivery state. */
export class Connection {
  readonly id = crypto.randomBytes(16).toString("base64url");
  readonly connectedAt = new Date().toISOString();
  project: { id: string; slug: string } | null = null;
  principal: Principal | null = null;
  #actor: DataActor = { type: "anonymous" };
  readonly subscriptions = new Subscriptions();
  /** See `deliveryKey()`; null when the actor or the subscriptions changed since it was built. */
  #deliveryKey: string | null = null;
  /** The highest event sequence of the project's log handled for this connection: later duplicates are dropped. */
  seenSeq = 0;
  /** The log's last sequence when the connection authenticated: later events were handled live. */
  authSeq = 0;
  /** Set by `auth` with `lastEventId`: live frames are held until the `resume` that replays from here. */
  resumeFrom: number | null = null;
  /** While a resume replays the log, live frames wait here (sequence, text). */
  replayQueue: Array<[number, string | Buffer]> | null = null;
  closed = false;
  delivered = 0;
  /** Frames are handled one after another, so `subscribe` then `resume` happen in that order. */
  queue: Promise<unknown> = Promise.resolve();
  /** Frames received and not yet answered. */
  pending = 0;
  authTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly transport: Transport,
    readonly locale: Locale,
  ) {
    this.subscriptions.onChange = () => (this.#deliveryKey = null);
  }

  get actor(): DataActor {
    return this.#actor;
  }

  set actor(actor: DataActor) {
    this.#actor = actor;
    this.#deliveryKey = null;
  }

  /**
   * What decides which record events this connection receives and in which frame: the actor (view
   * rules and filters read only `auth`) and its collection subscriptions (channel, compiled
   * filter), in order. Connections with equal keys get the same decision and the same frame for
   * an event, so a fan-out checks the rules once per distinct key, not once per connection.
   */
  deliveryKey(): string {
    if (this.#deliveryKey === null) {
      const subs: Array<[string, number]> = [];
      for (const sub of this.subscriptions.values()) if (sub.kind === "collection") subs.push([sub.channel, filterId(sub.filter)]);
      this.#deliveryKey = `${actorKey(this.#actor)}\u0001${JSON.stringify(subs)}`;
    }
    return this.#deliveryKey;
  }

  ruleSubject(channel: string): RuleSubject {
    const p = this.principal;
    const auth =
      p?.type === "user"
        ? { id: p.id, type: "user" as const, roles: [...p.roles] }
        : p?.type === "apiKey"
          ? { id: p.id, type: "apiKey" as const, roles: [] }
          : { id: null, type: "anonymous" as const, roles: [] };
    return { auth, channel };
  }

  from(): ChannelMessage["from"] {
    const p = this.principal;
    return p?.type === "user" || p?.type === "apiKey" ? { type: p.type, id: p.id } : { type: "anonymous", id: null };
  }
}

export interface HubDeps {
  db: Kysely<RealtimeTables>;
  bus: Bus;
  data: DataService;
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
 */
export function createHub(deps: HubDeps) {
  const { bus, data, streams, logger } = deps;
  const limits: RealtimeLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const now = deps.clock ?? Date.now;
  const nodeId = deps.nodeId ?? `node_${crypto.randomBytes(6).toString("hex")}`;
  const presenceTtlMs = limits.heartbeatMs * 3;
  const connections = new Set<Connection>();
  const byProject = new Map<string, Set<Connection>>();
  const byId = new Map<string, Connection>();
  /** Per project, events are dispatched one after another, in sequence order. */
  const dispatchChains = new Map<string, Promise<void>>();
  const unsubscribes: Unsubscribe[] = [];
  let heartbeat: NodeJS.Timeout | null = null;
  let stopped = false;
  /** Counters for /metrics since the node started. */
  const stats = {
    delivered: 0,
    slowConsumers: 0,
    published: 0,
    lastFanout: null as { startedAt: number; ms: number; connections: number } | null,
  };

  // ── frames out ─────────────────────────────────────────────────────────────

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

  function errorFrame(conn: Connection, err: AppError, ref?: FrameRef): string {
    const { requestId: _omit, ...details } = err.details;
    return JSON.stringify({
      type: "error",
      ...(ref !== undefined ? { ref } : {}),
      code: err.code,
      message: deps.catalog.format(err.code, conn.locale, err.details),
      details,
    });
  }

  function okFrame(ref: FrameRef, op: string, extra: Record<string, unknown> = {}): string {
    return JSON.stringify({ type: "ok", ...(ref !== undefined ? { ref } : {}), op, ...extra });
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

  // ── connections ────────────────────────────────────────────────────────────

  function open(transport: Transport, locale: Locale): Connection {
    if (stopped) throw new AppError("realtime_shutting_down", 503);
    const conn = new Connection(transport, locale);
    connections.add(conn);
    byId.set(conn.id, conn);
    conn.authTimer = setTimeout(() => {
      if (!conn.project) {
        write(conn, errorFrame(conn, new AppError("realtime_auth_timeout", 401, { timeoutMs: limits.authTimeoutMs })));
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
    const leaves: Array<Promise<void>> = [];
    for (const sub of conn.subscriptions.values()) if (sub.kind === "channel" && sub.member) leaves.push(leave(conn, sub.name, sub.member));
    conn.subscriptions.clear();
    return Promise.all(leaves).then(() => {});
  }

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
        if (sub.kind === "channel" && sub.member) await leave(conn, sub.name, sub.member);
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
        const config = await channelFor(conn, target.name, "subscribe");
        if (!config.presence) throw new AppError("realtime_presence_disabled", 400, { name: target.name });
        return okFrame(frame.ref, "presence", { channel: frame.channel, members: await members(conn.project.id, target.name) });
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
      conn.project = { id: project.id, slug: project.slug };
      let set = byProject.get(project.id);
      if (!set) byProject.set(project.id, (set = new Set()));
      set.add(conn);
      if (conn.authTimer) clearTimeout(conn.authTimer);
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
    conn.actor =
      principal.type === "user"
        ? { type: "user", id: principal.id, roles: principal.roles }
        : principal.type === "apiKey"
          ? // API keys hold project permissions: data:read lets a key see every record, like the REST API.
            {
              type: "apiKey",
              id: principal.id,
              permissions: recordPermissionsOf(principal.permissions),
            }
          : { type: "anonymous" };
    const auth = principal.type === "anonymous" ? { type: "anonymous", id: null } : { type: principal.type, id: principal.id };
    return okFrame(frame.ref, "auth", { connectionId: conn.id, project: project.id, auth, lastEventId: conn.seenSeq });
  }

  async function channelFor(conn: Connection, name: string, operation: "subscribe" | "publish") {
    const config = await deps.channels.get(conn.project!.id, name);
    if (!config) throw new AppError("realtime_channel_not_found", 404, { name });
    const p = conn.principal;
    const permission = operation === "subscribe" ? "events:read" : "events:publish";
    const bypass = p?.type === "apiKey" && p.permissions.includes(permission);
    const subject = conn.ruleSubject(name);
    if (!bypass && !(operation === "subscribe" ? config.canSubscribe(subject) : config.canPublish(subject)))
      throw new AppError("realtime_forbidden", 403, { operation, channel: `channels/${name}` });
    return config;
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
      const { rule } = await data.expressions.rule(projectId, target.collection, "view");
      if (rule.kind === "locked" && !bypassesRules(conn.actor, target.collection, "view"))
        throw new AppError("realtime_forbidden", 403, { operation: "subscribe", channel: frame.channel });
      const filter =
        frame.filter !== undefined && frame.filter.trim() !== ""
          ? await data.expressions.filter(projectId, target.collection, frame.filter)
          : null;
      conn.subscriptions.set(frame.channel, {
        kind: "collection",
        channel: frame.channel,
        collection: target.collection,
        id: target.id,
        filter,
        filterText: filter ? frame.filter! : null,
      });
      return okFrame(frame.ref, "subscribe", { channel: frame.channel });
    }
    const config = await channelFor(conn, target.name, "subscribe");
    const member = existing?.kind === "channel" ? existing.member : null;
    const sub: ChannelSubscription = { kind: "channel", channel: frame.channel, name: target.name, presence: config.presence, member };
    conn.subscriptions.set(frame.channel, sub);
    if (!config.presence) return okFrame(frame.ref, "subscribe", { channel: frame.channel });
    if (!sub.member) {
      const joined = await join(conn, target.name);
      // Closed while joining: forget() saw no member to remove.
      if (conn.closed) await leave(conn, target.name, joined);
      else sub.member = joined;
    }
    return okFrame(frame.ref, "subscribe", { channel: frame.channel, members: await members(projectId, target.name) });
  }

  async function publish(conn: Connection, frame: Extract<ClientFrame, { type: "publish" }>): Promise<string> {
    const target = parseChannel(frame.channel);
    if (!target || target.kind !== "channel") throw new AppError("realtime_invalid_channel", 400, { channel: frame.channel.slice(0, 200) });
    await channelFor(conn, target.name, "publish");
    stats.published++;
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
          const text = await frameFor(conn, stored.subject, stored.seq, stored.event);
          if (text) {
            replayed++;
            conn.delivered++;
            stats.delivered++;
            write(conn, text);
          }
        }
        if (events.length < 500 || conn.closed) break;
      }
    } finally {
      const queued = conn.replayQueue ?? [];
      conn.replayQueue = null;
      conn.seenSeq = Math.max(cursor, lastEventId, liveUpTo);
      for (const [seq, text] of queued) deliver(conn, seq, text);
    }
    if (gap) return errorFrame(conn, gap, ref);
    return okFrame(ref, "resume", { replayed, lastEventId: conn.seenSeq });
  }

  // ── events in ──────────────────────────────────────────────────────────────

  /** The frame a stored event becomes for one connection, or null when it must not see it. */
  async function frameFor(conn: Connection, subject: string, seq: number, event: CloudEvent): Promise<string | null> {
    const parts = subject.split(".");
    if (parts[2] === "rec") {
      const e = event.data as RecordPayload;
      const rule = await viewRule(conn.project!.id, e.collection);
      if (rule === undefined) return null;
      const channels = recordChannels(conn, e, rule);
      return channels ? recordFrame(seq, channels, recordFrameBody(e)) : null;
    }
    if (parts[2] === "ch") {
      const m = event.data as ChannelMessage;
      const channel = `channels/${m.channel}`;
      return conn.subscriptions.has(channel) ? messageFrame(seq, m) : null;
    }
    return null;
  }

  type ViewRule = Awaited<ReturnType<DataService["expressions"]["rule"]>>["rule"];

  async function viewRule(projectId: string, collection: string): Promise<ViewRule | undefined> {
    try {
      return (await data.expressions.rule(projectId, collection, "view")).rule;
    } catch {
      // The collection is gone (or the project): nobody sees its events.
      return undefined;
    }
  }

  interface RecordPayload {
    collection: string;
    action: "created" | "updated" | "deleted";
    id: string;
    record: Record<string, unknown> | null;
    before: Record<string, unknown> | null;
  }

  /** The part of a record event frame every recipient shares (serialized once per event). */
  function recordFrameBody(e: RecordPayload): string {
    const image = e.action === "deleted" ? e.before : e.record;
    return JSON.stringify({ action: e.action, collection: e.collection, record: image }).slice(1);
  }

  /** The subscriptions of a connection a record event reaches (rule, then filters), or null. */
  function recordChannels(conn: Connection, e: RecordPayload, rule: ViewRule): string[] | null {
    // Deleted records are judged by their last image.
    const image = (e.action === "deleted" ? e.before : e.record) ?? { id: e.id };
    let channels: string[] | null = null;
    let allowed: boolean | undefined;
    for (const sub of conn.subscriptions.values()) {
      if (sub.kind !== "collection" || sub.collection !== e.collection || (sub.id !== null && sub.id !== e.id)) continue;
      if (allowed === undefined) {
        if (bypassesRules(conn.actor, e.collection, "view")) allowed = true;
        else if (rule.kind === "locked") allowed = false;
        else if (rule.kind === "public") allowed = true;
        else allowed = safeEvaluate(rule.compiled, image, conn.actor);
        if (!allowed) return null;
      }
      if (sub.filter && !safeEvaluate(sub.filter, image, conn.actor)) continue;
      (channels ??= []).push(sub.channel);
    }
    return channels;
  }

  const recordFrame = (seq: number, channels: string[], common: string) =>
    `{"type":"event","id":${seq},"channels":${JSON.stringify(channels)},${common}`;

  function safeEvaluate(compiled: CompiledExpression, record: Record<string, unknown>, actor: DataActor): boolean {
    try {
      return data.expressions.evaluate(compiled, record, actor);
    } catch {
      return false;
    }
  }

  function messageFrame(seq: number, m: ChannelMessage): string {
    return JSON.stringify({ type: "message", id: seq, channel: `channels/${m.channel}`, data: m.data, from: m.from });
  }

  async function dispatch(m: BusMessage): Promise<void> {
    const parts = m.subject.split(".");
    const projectId = parts[1]!;
    const conns = byProject.get(projectId);
    if (!conns || conns.size === 0 || !m.stored) return;
    // Wall time from the event's arrival to its last socket write (benchmarks read it).
    const startedAt = performance.timeOrigin + performance.now();
    const connections = conns.size;
    await fanOut(m, parts, conns);
    stats.lastFanout = { startedAt, ms: performance.timeOrigin + performance.now() - startedAt, connections };
  }

  async function fanOut(m: BusMessage, parts: string[], conns: Set<Connection>): Promise<void> {
    const projectId = parts[1]!;
    if (!m.stored) return;
    const seq = m.stored.seq;
    const event = m.data as CloudEvent;
    if (parts[2] === "rec") {
      const e = event.data as RecordPayload;
      const rule = await viewRule(projectId, e.collection);
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
          const channels = recordChannels(conn, e, rule);
          frame = null;
          if (channels) {
            const channelsKey = channels.length === 1 ? channels[0]! : channels.join("\n");
            frame = frames.get(channelsKey) ?? null;
            if (!frame) frames.set(channelsKey, (frame = Buffer.from(recordFrame(seq, channels, common))));
          }
          decisions.set(key, frame);
        }
        if (frame) deliver(conn, seq, frame);
        else if (!conn.replayQueue && seq > conn.seenSeq) conn.seenSeq = seq;
      });
    } else if (parts[2] === "ch") {
      const msg = event.data as ChannelMessage;
      const channel = `channels/${msg.channel}`;
      let frame: Buffer | null = null;
      await inChunks(conns, (conn) => {
        if (conn.subscriptions.has(channel)) deliver(conn, seq, (frame ??= Buffer.from(messageFrame(seq, msg))));
      });
    }
  }

  /**
   * Runs `each` for the project's connections, yielding to the event loop after every
   * `limits.fanoutChunk` of them, so a fan-out to thousands of sockets does not hold the loop (replies,
   * heartbeats, other projects' events) for its whole length. Connections that closed meanwhile are
   * skipped; ones that authenticated meanwhile started after this event (their `seenSeq`).
   */
  async function inChunks(conns: Set<Connection>, each: (conn: Connection) => void): Promise<void> {
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

  function onEvent(m: BusMessage): void {
    const projectId = m.subject.split(".")[1]!;
    if (!byProject.get(projectId)?.size) return;
    const chain = (dispatchChains.get(projectId) ?? Promise.resolve())
      .then(() => dispatch(m))
      .catch((err) => logger.error({ err, subject: m.subject }, "realtime dispatch failed"));
    dispatchChains.set(projectId, chain);
    void chain.then(() => {
      if (dispatchChains.get(projectId) === chain) dispatchChains.delete(projectId);
    });
  }

  // ── presence ───────────────────────────────────────────────────────────────

  function memberOf(conn: Connection): PresenceMember {
    const from = conn.from();
    return { connectionId: conn.id, auth: from, joinedAt: new Date(now()).toISOString() };
  }

  async function join(conn: Connection, name: string): Promise<PresenceMember> {
    const member = memberOf(conn);
    const t = now();
    await deps.db
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
      await deps.db
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

  async function members(projectId: string, name: string): Promise<PresenceMember[]> {
    const rows = await deps.db
      .selectFrom("apprun_realtime_presence")
      .select(["member", "joined_ms"])
      .where("project_id", "=", projectId)
      .where("channel", "=", name)
      .where("seen_ms", ">", now() - presenceTtlMs)
      .orderBy("joined_ms")
      .orderBy("connection_id")
      .execute();
    return rows.map((r) => JSON.parse(r.member) as PresenceMember);
  }

  function onPresence(m: BusMessage): void {
    const projectId = m.subject.split(".")[1]!;
    const notice = m.data as PresenceNotice;
    const conns = byProject.get(projectId);
    if (!conns) return;
    const channel = `channels/${notice.channel}`;
    const text = JSON.stringify({ type: "presence", channel, action: notice.action, member: notice.member });
    for (const conn of conns) if (conn.id !== notice.member.connectionId && conn.subscriptions.has(channel)) write(conn, text);
  }

  async function beat(): Promise<void> {
    const t = now();
    for (const conn of [...connections]) {
      const p = conn.principal;
      if (p?.type === "user" && p.expiresAt <= t) {
        write(conn, errorFrame(conn, new AppError("realtime_token_expired", 401)));
        drop(conn, CLOSE.tokenExpired, "realtime_token_expired");
        continue;
      }
      if (!conn.transport.heartbeat()) void forget(conn);
    }
    try {
      await deps.db.updateTable("apprun_realtime_presence").set({ seen_ms: t }).where("node_id", "=", nodeId).execute();
      // Rows of nodes that stopped (crashed) expire: anyone may sweep them.
      await deps.db
        .deleteFrom("apprun_realtime_presence")
        .where("seen_ms", "<", t - presenceTtlMs * 2)
        .execute();
    } catch (err) {
      logger.warn({ err }, "presence heartbeat failed");
    }
  }

  return {
    limits,
    nodeId,
    open,
    receive,
    /** Writes a frame (a reply) to the connection, unless it is too slow. */
    send: write,
    forget,
    drop,
    connection: (id: string) => byId.get(id),
    stats: stats as Readonly<typeof stats>,
    /** Open connections per transport. */
    counts(): { ws: number; sse: number } {
      const counts = { ws: 0, sse: 0 };
      for (const c of connections) counts[c.transport.kind]++;
      return counts;
    },
    get size() {
      return connections.size;
    },

    /** Subscribes to the realtime log and presence notices of every project; call after the bus started. */
    async start(): Promise<void> {
      unsubscribes.push(bus.subscribe(RT_PATTERN, onEvent), bus.subscribe(PRESENCE_SUBJECTS, onPresence));
      heartbeat = setInterval(() => void beat(), limits.heartbeatMs);
      heartbeat.unref?.();
      // NATS registers subscriptions asynchronously: a round trip makes sure they are in place before the node reports ready.
      await bus.ping().catch(() => {});
    },

    /** What this node serves for one project: connections, subscriptions per channel, presence. */
    async inspect(projectId: string) {
      const conns = [...(byProject.get(projectId) ?? [])];
      const perChannel = new Map<string, number>();
      const presenceChannels = new Set<string>();
      for (const c of conns)
        for (const s of c.subscriptions.values()) {
          perChannel.set(s.channel, (perChannel.get(s.channel) ?? 0) + 1);
          if (s.kind === "channel" && s.member) presenceChannels.add(s.name);
        }
      const presence: Array<{ channel: string; members: PresenceMember[] }> = [];
      for (const name of [...presenceChannels].sort())
        presence.push({ channel: `channels/${name}`, members: await members(projectId, name) });
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
        presence,
      };
    },

    /** Closes every connection (1001) and stops; presence rows of this node are removed. */
    async close(): Promise<void> {
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      for (const u of unsubscribes.splice(0)) u();
      const leaves: Array<Promise<void>> = [];
      for (const conn of [...connections]) {
        leaves.push(forget(conn));
        conn.transport.close(CLOSE.goingAway, "realtime_shutting_down");
      }
      await Promise.all(leaves);
      await deps.db
        .deleteFrom("apprun_realtime_presence")
        .where("node_id", "=", nodeId)
        .execute()
        .catch(() => {});
    },

    /** A deleted project: its connections are closed. */
    dropProject(projectId: string): void {
      for (const conn of [...(byProject.get(projectId) ?? [])]) drop(conn, CLOSE.goingAway, "project_deleted");
      byProject.delete(projectId);
    },
  };
}

export type Hub = ReturnType<typeof createHub>;
