import crypto from "node:crypto";
import type { Logger } from "pino";
import type { PlatformTables } from "../../../db/schema";
import type { Database, NotificationListener } from "../db/connect";
import { AppError } from "../errors/app-error";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  assertName,
  assertPattern,
  assertSubject,
  closedError,
  dispatch,
  encodePayload,
  parseGroupConfig,
  parseNackDelay,
  parsePosition,
  parsePullOptions,
  parseReadOptions,
  parseStreamConfig,
  subjectMatches,
  type Bus,
  type BusHandler,
  type BusMessage,
  type Delivery,
  type DeliveryRef,
  type StoredEvent,
} from "./bus";
import { parseCloudEvent } from "./cloudevents";
import { createBusStore, parseDeliveryToken, type Notice, type StoredRow } from "./embedded-store";

export interface EmbeddedBusOptions {
  database: Database<PlatformTables>;
  logger?: Logger;
  /** Epoch milliseconds; stored times, leases and retention use it. */
  clock?: () => number;
  /** How often retention limits are enforced (default 30 s). */
  trimIntervalMs?: number;
  /** How often a waiting pull looks again without being woken (default 1 s): covers other nodes' nacks and lost notifications. */
  pollIntervalMs?: number;
  maxPayloadBytes?: number;
  /** How long oversized ephemeral messages stay readable for other nodes (default 60 s). */
  relayTtlMs?: number;
}

/**
 * The embedded driver: in-process fan-out plus durable streams and consumer groups in the SQL
 * database (tables `apprun_bus_*`, migration 0080). On PostgreSQL, nodes sharing the database
 * see each other's messages through LISTEN/NOTIFY and share groups through row locks; on SQLite
 * it serves one node.
 */
export function createEmbeddedBus(options: EmbeddedBusOptions): Bus {
  const { database, logger } = options;
  const clock = options.clock ?? Date.now;
  const trimIntervalMs = options.trimIntervalMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const maxPayload = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const relayTtlMs = options.relayTtlMs ?? 60_000;
  const nodeId = crypto.randomBytes(8).toString("hex");
  const channel = database.kind === "postgres" ? channelFor(database.schema) : null;
  const store = createBusStore({ database, clock, nodeId, channel });

  const subscriptions = new Set<{ pattern: string; handler: BusHandler }>();
  /** Per stream: a counter bumped by every wake-up, and the pulls waiting for one. */
  const versions = new Map<string, number>();
  const waiters = new Map<string, Set<() => void>>();
  const inflight = new Set<Promise<unknown>>();
  let listener: NotificationListener | undefined;
  let trimTimer: NodeJS.Timeout | undefined;
  let trimming = false;
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let closed = false;

  function guard(): void {
    if (closed) throw closedError();
  }

  /** Keeps `close()` waiting for database work already under way. */
  function track<T>(work: Promise<T>): Promise<T> {
    inflight.add(work);
    const done = () => inflight.delete(work);
    work.then(done, done);
    return work;
  }

  function onSubscriberError(subject: string) {
    return (err: unknown) => logger?.error({ err, subject }, "bus subscriber failed");
  }

  /** The subscriptions matching a subject, remembered until the subscriptions change. */
  const matching = new Map<string, Array<{ pattern: string; handler: BusHandler }>>();
  function subscribersOf(subject: string): Array<{ pattern: string; handler: BusHandler }> {
    let list = matching.get(subject);
    if (!list) {
      list = [...subscriptions].filter((sub) => subjectMatches(sub.pattern, subject));
      if (matching.size >= 10_000) matching.clear();
      matching.set(subject, list);
    }
    return list;
  }

  function hasSubscriber(subject: string): boolean {
    return subscribersOf(subject).length > 0;
  }

  function fanOut(message: BusMessage): void {
    const list = subscribersOf(message.subject);
    if (list.length === 0) return;
    const onError = onSubscriberError(message.subject);
    for (const sub of list) dispatch(sub.handler, message, onError);
  }

  function wake(stream: string): void {
    versions.set(stream, (versions.get(stream) ?? 0) + 1);
    for (const w of waiters.get(stream) ?? []) w();
  }

  function wakeAll(): void {
    for (const stream of waiters.keys()) wake(stream);
  }

  function sleepUntilWoken(stream: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = waiters.get(stream);
      if (!set) waiters.set(stream, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        set.delete(done);
        if (set.size === 0 && waiters.get(stream) === set) waiters.delete(stream);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      set.add(done);
    });
  }

  /** A stored event as subscribers see it; its JSON is parsed when a subscriber first reads `data` (one copy for all). */
  function storedMessage(row: StoredRow, json: string): BusMessage {
    let data: unknown;
    let parsed = false;
    return {
      subject: row.subject,
      get data() {
        if (!parsed) {
          data = JSON.parse(json);
          parsed = true;
        }
        return data;
      },
      stored: { stream: row.stream, seq: row.seq },
    };
  }

  /** A NOTIFY from another node sharing the PostgreSQL database. */
  async function onNotice(text: string): Promise<void> {
    const notice = JSON.parse(text) as Notice;
    if (notice.o === nodeId || closed) return;
    if (notice.k === "w") return wake(notice.st);
    if (notice.k === "d") {
      wake(notice.st);
      if (!hasSubscriber(notice.s)) return;
      const event = notice.e ?? (await store.event(notice.st, notice.q).then((r) => (r ? JSON.parse(r.event) : undefined)));
      if (event !== undefined) fanOut({ subject: notice.s, data: event, stored: { stream: notice.st, seq: notice.q } });
      return;
    }
    if (!hasSubscriber(notice.s)) return;
    const data =
      "d" in notice ? notice.d : notice.r ? await store.relayed(notice.r).then((p) => (p === null ? undefined : JSON.parse(p))) : undefined;
    if (data !== undefined) fanOut({ subject: notice.s, data });
  }

  function toEvent(row: StoredRow): StoredEvent {
    return {
      stream: row.stream,
      seq: row.seq,
      subject: row.subject,
      storedAt: new Date(row.storedMs).toISOString(),
      event: JSON.parse(row.event),
    };
  }

  function parseToken(ref: DeliveryRef): { seq: number; lease: string } {
    assertName(ref.stream, "stream");
    assertName(ref.group, "group");
    const parsed = parseDeliveryToken(ref.stream, ref.group, ref.token);
    if (!parsed) throw new AppError("bus_invalid_token", 400, { stream: ref.stream, group: ref.group });
    return parsed;
  }

  async function trim(): Promise<void> {
    if (trimming || closed) return;
    trimming = true;
    try {
      await track(store.trim(relayTtlMs));
    } catch (err) {
      logger?.error({ err }, "bus retention trim failed");
    } finally {
      trimming = false;
    }
  }

  return {
    kind: "embedded",
    // SQLite appends go through one queue, committed in groups in call order (embedded-store.ts).
    appendsInCallOrder: database.kind === "sqlite",

    start() {
      started ??= (async () => {
        guard();
        if (channel && database.listen) {
          listener = await database.listen(channel, {
            onNotification: (text) => void onNotice(text).catch((err) => logger?.error({ err }, "bus notification failed")),
            // Notifications sent while disconnected are lost: waiting pulls look again.
            onReconnect: () => {
              logger?.info("bus listener reconnected");
              wakeAll();
            },
            onError: (err) => logger?.warn({ err }, "bus listener connection failed"),
          });
          if (closed) await listener.close();
        }
        if (!closed) {
          // Not unref'd: a bus someone forgot to close shows up as a live handle rather than hiding.
          trimTimer = setInterval(() => void trim(), trimIntervalMs);
        }
      })();
      return started;
    },

    async ping() {
      guard();
    },

    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(trimTimer);
        wakeAll();
        await started?.catch(() => {});
        await listener?.close();
        await Promise.allSettled([...inflight]);
        subscriptions.clear();
        matching.clear();
      })();
      return closing;
    },

    async publish(subject, data) {
      guard();
      assertSubject(subject);
      const json = encodePayload(data, maxPayload);
      // Subscribers get a copy, as they would from NATS: the publisher's object stays its own.
      if (hasSubscriber(subject)) fanOut({ subject, data: JSON.parse(json) });
      await track(store.announce(subject, json));
    },

    subscribe(pattern, handler) {
      assertPattern(pattern);
      const sub = { pattern, handler };
      subscriptions.add(sub);
      matching.clear();
      return () => {
        subscriptions.delete(sub);
        matching.clear();
      };
    },

    async ensureStream(config) {
      guard();
      return track(store.ensureStream(parseStreamConfig(config)));
    },

    async streamInfo(name) {
      guard();
      return track(store.streamInfo(assertName(name, "stream")));
    },

    async deleteStream(name) {
      guard();
      return track(store.deleteStream(assertName(name, "stream")));
    },

    async append(stream, subject, event) {
      guard();
      assertName(stream, "stream");
      assertSubject(subject);
      const parsed = parseCloudEvent(event);
      const json = encodePayload(parsed, maxPayload);
      const { row, duplicate } = await track(store.append(stream, subject, json, parsed.id));
      if (!duplicate) {
        if (hasSubscriber(subject)) fanOut(storedMessage(row, json));
        wake(stream);
      }
      return { stream, seq: row.seq, duplicate };
    },

    // SQLite: one writer, so an append inside the caller's transaction costs it nothing in concurrency.
    // On PostgreSQL it would hold the stream's row lock until the caller commits (see bus.ts).
    appendWithin:
      database.kind === "sqlite"
        ? async (_trx, stream, subject, event) => {
            guard();
            assertName(stream, "stream");
            assertSubject(subject);
            const parsed = parseCloudEvent(event);
            const json = encodePayload(parsed, maxPayload);
            // One connection: the caller's transaction is the one open on it, so the append runs there.
            const { row, duplicate } = store.appendWithin(stream, subject, json, parsed.id);
            const committed = () => {
              if (duplicate || closed) return;
              if (hasSubscriber(subject)) fanOut(storedMessage(row, json));
              wake(stream);
            };
            return { stream, seq: row.seq, duplicate, committed };
          }
        : undefined,

    async read(stream, from, options) {
      guard();
      assertName(stream, "stream");
      const { limit, filter } = parseReadOptions(options);
      const rows = await track(store.read(stream, parsePosition(from), limit, filter ?? null));
      return rows.map(toEvent);
    },

    async ensureGroup(stream, group, config) {
      guard();
      assertName(stream, "stream");
      assertName(group, "group");
      await track(store.ensureGroup(stream, group, parseGroupConfig(stream, config)));
      wake(stream);
    },

    async deleteGroup(stream, group) {
      guard();
      return track(store.deleteGroup(assertName(stream, "stream"), assertName(group, "group")));
    },

    async pull(stream, group, options) {
      guard();
      assertName(stream, "stream");
      assertName(group, "group");
      const { batch, waitMs, signal } = parsePullOptions(options);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const version = versions.get(stream) ?? 0;
        const result = await track(store.claim(stream, group, batch));
        for (const row of result.deadLettered) {
          if (hasSubscriber(row.subject)) fanOut(storedMessage(row, row.event));
          wake(row.stream);
        }
        if (result.deliveries.length > 0) {
          return result.deliveries.map((d): Delivery => ({ ...toEvent(d), group, token: d.token, deliveries: d.deliveries }));
        }
        const remaining = deadline - Date.now();
        if (result.more && !closed && !signal?.aborted) continue;
        if (remaining <= 0 || closed || signal?.aborted) return [];
        // Woken while claiming: look again at once.
        if ((versions.get(stream) ?? 0) !== version) continue;
        let wait = Math.min(remaining, pollIntervalMs);
        if (result.nextVisibleMs !== null) wait = Math.min(wait, Math.max(0, result.nextVisibleMs - clock()) + 1);
        await sleepUntilWoken(stream, wait, signal);
        if (closed) return [];
      }
    },

    async ack(ref) {
      guard();
      const { seq } = parseToken(ref);
      await track(store.ack(ref.stream, ref.group, seq));
    },

    async nack(ref, options) {
      guard();
      const { seq, lease } = parseToken(ref);
      await track(store.nack(ref.stream, ref.group, seq, lease, parseNackDelay(options)));
      wake(ref.stream);
    },

    async seekGroup(stream, group, to) {
      guard();
      assertName(stream, "stream");
      assertName(group, "group");
      await track(store.seek(stream, group, parsePosition(to)));
      wake(stream);
    },

    async groupLag(stream, group) {
      guard();
      return track(store.lag(assertName(stream, "stream"), assertName(group, "group")));
    },
  };
}

/**
 * NOTIFY channels are per database, not per schema: nodes sharing a schema share a channel, and
 * apprun instances in other schemas of the same database do not hear them.
 */
function channelFor(schema: string | undefined): string {
  return schema ? `apprun_bus_${crypto.createHash("sha256").update(schema).digest("hex").slice(0, 24)}` : "apprun_bus";
}
