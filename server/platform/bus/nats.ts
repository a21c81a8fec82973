import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
  type StreamInfo as NatsStreamInfo,
} from "@nats-io/jetstream";
import { connect, createInbox, nanos, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
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
  type Bus,
  type BusHandler,
  type Delivery,
  type DeliveryRef,
  type StoredEvent,
  type StreamInfo,
} from "./bus";
import { parseCloudEvent } from "./cloudevents";
import { deadLetterCopy } from "./embedded-store";
import { parseNatsUrl } from "./nats-url";

export interface NatsBusOptions {
  /** `nats://…` (see nats-url.ts). */
  url: string;
  logger?: Logger;
  /** Overrides the URL's `prefix` (tests give each run its own). */
  prefix?: string;
  maxPayloadBytes?: number;
  /** Connection name the server shows. */
  name?: string;
  /** Timeout of JetStream API calls, publishes and acks (default 5 s). */
  requestTimeoutMs?: number;
}

/** What a group needs at pull time that JetStream does not keep in a field of its own (2.9 has no consumer metadata). */
interface GroupMeta {
  maxDeliveries: number | null;
  deadLetterStream: string | null;
  at: number;
}

const GROUP_META_TTL_MS = 5000;
const DUPLICATE_WINDOW_MS = 120_000;

/**
 * The NATS JetStream driver. Per prefix P (default `apprun`):
 *  - ephemeral messages are core NATS messages on `P.fan.<subject>`;
 *  - stream S is the JetStream stream `P_S` capturing `P.str.S.>`; the server republishes every
 *    stored message to `P.fan.<subject>` with its stream and sequence in headers, so ephemeral
 *    subscribers on every node see durable events too;
 *  - group G of S is the durable pull consumer `G` on `P_S`; pulls use the JetStream pull API
 *    directly (no_wait, then a long poll for the first message) so they return as soon as
 *    something is ready.
 * Dead letters: the consumer's max_deliver is maxDeliveries + 1; a delivery beyond maxDeliveries
 * is republished by the puller to the dead-letter stream (deduplicated by Nats-Msg-Id) and
 * terminated, never handed to the caller. Advisories are not used: they are fire-and-forget.
 */
export function createNatsBus(options: NatsBusOptions): Bus {
  const target = parseNatsUrl(options.url);
  if (typeof target === "string") throw new Error(`invalid NATS bus URL: ${target}`);
  const { logger } = options;
  const prefix = options.prefix ?? target.prefix;
  const requestTimeout = options.requestTimeoutMs ?? 5000;
  const fanPrefix = `${prefix}.fan.`;
  const natsStream = (name: string) => `${prefix}_${name}`;
  const streamSubjects = (name: string) => `${prefix}.str.${name}.`;

  let nc: NatsConnection | undefined;
  let jsm: JetStreamManager | undefined;
  let js: JetStreamClient | undefined;
  let up = false;
  let closed = false;
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const stopStarting = new AbortController();
  const subscriptions = new Set<{ pattern: string; handler: BusHandler; sub?: Subscription }>();
  const groupMeta = new Map<string, GroupMeta>();
  /** Ends every pull waiting on the server, for close(). */
  const waitingPulls = new Set<() => void>();
  const inflight = new Set<Promise<unknown>>();

  function guard(): { nc: NatsConnection; jsm: JetStreamManager; js: JetStreamClient } {
    if (closed) throw closedError();
    if (!nc || !jsm || !js) throw new AppError("bus_unavailable", 503);
    return { nc, jsm, js };
  }

  function track<T>(work: Promise<T>): Promise<T> {
    inflight.add(work);
    const done = () => inflight.delete(work);
    work.then(done, done);
    return work;
  }

  function payloadLimit(): number {
    const configured = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    // Leave room for the subject and the headers JetStream adds when it republishes.
    const server = nc?.info?.max_payload;
    return server ? Math.min(configured, server - 4096) : configured;
  }

  /** Turns NATS failures into bus errors; anything unexpected passes through. */
  function busError(err: unknown, ctx: { stream?: string; group?: string } = {}): unknown {
    if (err instanceof AppError) return err;
    const e = err as { name?: string; code?: number; message?: string };
    if (e?.name === "StreamNotFoundError" || e?.code === 10059) return new AppError("bus_stream_not_found", 404, { stream: ctx.stream });
    if (e?.name === "ConsumerNotFoundError" || e?.code === 10014)
      return new AppError("bus_group_not_found", 404, { stream: ctx.stream, group: ctx.group });
    if (e?.name === "ClosedConnectionError" || e?.name === "DrainingConnectionError")
      return closed ? closedError() : new AppError("bus_unavailable", 503);
    if (e?.name === "TimeoutError" || e?.name === "ConnectionError") return new AppError("bus_unavailable", 503);
    return err;
  }

  async function run<T>(ctx: { stream?: string; group?: string }, work: () => Promise<T>): Promise<T> {
    try {
      return await track(work());
    } catch (err) {
      throw busError(err, ctx);
    }
  }

  function attach(entry: { pattern: string; handler: BusHandler; sub?: Subscription }): void {
    if (!nc || entry.sub) return;
    entry.sub = nc.subscribe(fanPrefix + entry.pattern, {
      callback: (err, msg) => {
        if (err) return void logger?.warn({ err }, "bus subscription failed");
        let data: unknown;
        try {
          data = msg.json();
        } catch (parseErr) {
          return void logger?.warn({ err: parseErr, subject: msg.subject }, "bus message is not JSON; dropped");
        }
        const stream = msg.headers?.get("Nats-Stream");
        const subject = msg.subject.slice(fanPrefix.length);
        const stored = stream?.startsWith(`${prefix}_`)
          ? { stream: stream.slice(prefix.length + 1), seq: Number(msg.headers!.get("Nats-Sequence")) }
          : undefined;
        dispatch(entry.handler, { subject, data, ...(stored ? { stored } : {}) }, (handlerErr) =>
          logger?.error({ err: handlerErr, subject }, "bus subscriber failed"),
        );
      },
    });
  }

  async function watchStatus(conn: NatsConnection): Promise<void> {
    for await (const s of conn.status()) {
      if (s.type === "disconnect") {
        up = false;
        logger?.warn({ server: s.server }, "bus disconnected from NATS; reconnecting");
      } else if (s.type === "reconnect") {
        up = true;
        logger?.info({ server: s.server }, "bus reconnected to NATS");
      }
    }
  }

  /** One JetStream pull request, answered by messages and possibly a status that ends it. */
  function pullOnce(
    conn: NatsConnection,
    stream: string,
    group: string,
    request: { batch: number; expiresMs?: number },
    signal?: AbortSignal,
  ): Promise<{ msgs: Msg[]; answered: boolean }> {
    return new Promise((resolve, reject) => {
      const msgs: Msg[] = [];
      let answered = false;
      const inbox = createInbox();
      const finish = (err?: unknown) => {
        sub.unsubscribe();
        clearTimeout(timer);
        signal?.removeEventListener("abort", end);
        waitingPulls.delete(end);
        if (err) reject(err);
        else resolve({ msgs, answered });
      };
      const end = () => finish();
      const sub = conn.subscribe(inbox, {
        callback: (err, msg) => {
          if (err) return finish(err);
          answered = true;
          const code = msg.headers?.code ?? 0;
          if (code === 100) return;
          if (code >= 400) {
            // 404 no messages / 408 request expired end the request; 409 may mean the consumer went away.
            if (code === 409 && /consumer deleted/i.test(msg.headers?.description ?? "")) {
              groupMeta.delete(`${stream}/${group}`);
              return finish(new AppError("bus_group_not_found", 404, { stream, group }));
            }
            return finish();
          }
          msgs.push(msg);
          if (msgs.length >= request.batch) finish();
        },
      });
      // The server ends a long poll itself (408); this only guards against a lost answer.
      const timer = setTimeout(end, (request.expiresMs ?? 0) + requestTimeout);
      waitingPulls.add(end);
      signal?.addEventListener("abort", end, { once: true });
      const body = request.expiresMs
        ? { batch: request.batch, expires: nanos(request.expiresMs) }
        : { batch: request.batch, no_wait: true };
      conn.publish(`$JS.API.CONSUMER.MSG.NEXT.${natsStream(stream)}.${group}`, JSON.stringify(body), { reply: inbox });
    });
  }

  async function metaOf(conn: { jsm: JetStreamManager }, stream: string, group: string, fresh = false): Promise<GroupMeta> {
    const key = `${stream}/${group}`;
    const cached = groupMeta.get(key);
    if (cached && !fresh && Date.now() - cached.at < GROUP_META_TTL_MS) return cached;
    const info = await conn.jsm.consumers.info(natsStream(stream), group);
    const meta = readMeta(info);
    groupMeta.set(key, meta);
    return meta;
  }

  function readMeta(info: ConsumerInfo): GroupMeta {
    let parsed: { maxDeliveries?: number | null; deadLetterStream?: string | null } = {};
    try {
      parsed = (JSON.parse(info.config.description ?? "{}") as { apprun?: typeof parsed }).apprun ?? {};
    } catch {
      // A consumer apprun did not create: no dead-letter handling.
    }
    return { maxDeliveries: parsed.maxDeliveries ?? null, deadLetterStream: parsed.deadLetterStream ?? null, at: Date.now() };
  }

  function toStored(stream: string, msg: Msg, ack: AckInfo): StoredEvent {
    return {
      stream,
      seq: ack.streamSeq,
      subject: msg.subject.slice(streamSubjects(stream).length),
      storedAt: new Date(Math.floor(ack.timestampNs / 1e6)).toISOString(),
      event: msg.json(),
    };
  }

  function streamInfoOf(name: string, info: NatsStreamInfo): StreamInfo {
    const { config, state } = info;
    return {
      name,
      maxAgeMs: config.max_age > 0 ? Math.round(config.max_age / 1e6) : null,
      maxBytes: config.max_bytes > 0 ? config.max_bytes : null,
      maxMsgs: config.max_msgs > 0 ? config.max_msgs : null,
      firstSeq: state.messages === 0 ? state.last_seq + 1 : state.first_seq,
      lastSeq: state.last_seq,
      messages: state.messages,
      bytes: state.bytes,
    };
  }

  function checkToken(ref: DeliveryRef): string {
    assertName(ref.stream, "stream");
    assertName(ref.group, "group");
    const ack = typeof ref.token === "string" ? parseAckSubject(ref.token) : null;
    if (!ack || ack.stream !== natsStream(ref.stream) || ack.consumer !== ref.group)
      throw new AppError("bus_invalid_token", 400, { stream: ref.stream, group: ref.group });
    return ref.token;
  }

  async function reply(conn: NatsConnection, subject: string, body: string, ctx: { stream: string; group: string }): Promise<void> {
    try {
      await conn.request(subject, body, { timeout: requestTimeout });
    } catch (err) {
      // Nobody answers acks of a consumer that no longer exists.
      if ((err as { isNoResponders?: () => boolean }).isNoResponders?.() || (err as Error).name === "NoResponders")
        throw new AppError("bus_group_not_found", 404, ctx);
      throw err;
    }
  }

  async function deadLetter(
    conn: { nc: NatsConnection; js: JetStreamClient },
    meta: GroupMeta,
    stream: string,
    group: string,
    msg: Msg,
    ack: AckInfo,
  ): Promise<void> {
    if (meta.deadLetterStream) {
      const copy = deadLetterCopy(msg.string(), { stream, group, seq: ack.streamSeq, deliveries: ack.delivered - 1 });
      const subject = msg.subject.slice(streamSubjects(stream).length);
      await conn.js.publish(streamSubjects(meta.deadLetterStream) + subject, copy, {
        msgID: `dl:${stream}:${group}:${ack.streamSeq}`,
        expect: { streamName: natsStream(meta.deadLetterStream) },
        timeout: requestTimeout,
      });
    }
    await reply(conn.nc, msg.reply!, "+TERM", { stream, group });
  }

  return {
    kind: "nats",

    start() {
      started ??= (async () => {
        for (let delay = 250; !closed; delay = Math.min(delay * 2, 10_000)) {
          try {
            const conn = await connect({
              servers: target.servers,
              user: target.user,
              pass: target.pass,
              token: target.token,
              name: options.name ?? "apprun",
              maxReconnectAttempts: -1,
              reconnectTimeWait: 1000,
              pingInterval: 20_000,
              timeout: requestTimeout,
            });
            if (closed) {
              await conn.close();
              return;
            }
            try {
              jsm = await jetstreamManager(conn, { timeout: requestTimeout });
            } catch (err) {
              await conn.close();
              throw err;
            }
            js = jetstream(conn, { timeout: requestTimeout });
            nc = conn;
            up = true;
            void watchStatus(conn).catch(() => {});
            for (const entry of subscriptions) attach(entry);
            logger?.info({ bus: target.label, prefix }, "bus connected to NATS");
            return;
          } catch (err) {
            logger?.warn({ bus: target.label, retryInMs: delay, reason: (err as Error).message }, "NATS unreachable, retrying");
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, delay);
              stopStarting.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
            });
          }
        }
      })();
      return started;
    },

    async ping() {
      const { nc: conn } = guard();
      if (!up) throw new AppError("bus_unavailable", 503);
      await conn.flush();
    },

    close() {
      closing ??= (async () => {
        closed = true;
        stopStarting.abort();
        await started?.catch(() => {});
        for (const end of [...waitingPulls]) end();
        await Promise.allSettled([...inflight]);
        subscriptions.clear();
        if (nc && !nc.isClosed()) await nc.drain().catch(() => nc?.close());
        await nc?.closed();
      })();
      return closing;
    },

    async publish(subject, data) {
      const { nc: conn } = guard();
      assertSubject(subject);
      conn.publish(fanPrefix + subject, encodePayload(data, payloadLimit()));
    },

    subscribe(pattern, handler) {
      assertPattern(pattern);
      const entry: { pattern: string; handler: BusHandler; sub?: Subscription } = { pattern, handler };
      subscriptions.add(entry);
      attach(entry);
      return () => {
        subscriptions.delete(entry);
        entry.sub?.unsubscribe();
      };
    },

    async ensureStream(config) {
      const conn = guard();
      const valid = parseStreamConfig(config);
      const name = natsStream(valid.name);
      const limits = {
        max_age: valid.maxAgeMs ? nanos(valid.maxAgeMs) : 0,
        max_bytes: valid.maxBytes ?? -1,
        max_msgs: valid.maxMsgs ?? -1,
        // The dedupe window may not exceed the age limit.
        duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, valid.maxAgeMs ?? DUPLICATE_WINDOW_MS)),
      };
      return run({ stream: valid.name }, async () => {
        let info: NatsStreamInfo;
        try {
          info = await conn.jsm.streams.update(name, limits);
        } catch (err) {
          if (busError(err) instanceof AppError && (busError(err) as AppError).code === "bus_stream_not_found") {
            info = await conn.jsm.streams.add({
              name,
              subjects: [`${streamSubjects(valid.name)}>`],
              retention: RetentionPolicy.Limits,
              storage: StorageType.File,
              discard: DiscardPolicy.Old,
              num_replicas: target.replicas,
              republish: { src: `${streamSubjects(valid.name)}>`, dest: `${fanPrefix}>` },
              ...limits,
            });
          } else {
            throw err;
          }
        }
        return streamInfoOf(valid.name, info);
      });
    },

    async streamInfo(name) {
      const conn = guard();
      assertName(name, "stream");
      try {
        return await run({ stream: name }, async () => streamInfoOf(name, await conn.jsm.streams.info(natsStream(name))));
      } catch (err) {
        if (err instanceof AppError && err.code === "bus_stream_not_found") return null;
        throw err;
      }
    },

    async deleteStream(name) {
      const conn = guard();
      assertName(name, "stream");
      try {
        return await run({ stream: name }, () => conn.jsm.streams.delete(natsStream(name)));
      } catch (err) {
        if (err instanceof AppError && err.code === "bus_stream_not_found") return false;
        throw err;
      }
    },

    async append(stream, subject, event) {
      const conn = guard();
      assertName(stream, "stream");
      assertSubject(subject);
      const parsed = parseCloudEvent(event);
      const json = encodePayload(parsed, payloadLimit());
      return run({ stream }, async () => {
        try {
          const ack = await conn.js.publish(streamSubjects(stream) + subject, json, {
            msgID: parsed.id,
            expect: { streamName: natsStream(stream) },
            timeout: requestTimeout,
          });
          return { stream, seq: ack.seq, duplicate: ack.duplicate };
        } catch (err) {
          // No stream captures the subject: the request had no responder.
          if ((err as Error).name === "JetStreamNotEnabled") throw new AppError("bus_stream_not_found", 404, { stream });
          throw err;
        }
      });
    },

    async read(stream, from, options) {
      const conn = guard();
      assertName(stream, "stream");
      const { limit, filter } = parseReadOptions(options);
      const position = parsePosition(from);
      return run({ stream }, async () => {
        // A short-lived, unacknowledged consumer starting at the position; its num_pending says how much to fetch.
        const start: Partial<ConsumerConfig> =
          "fromMs" in position
            ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(position.fromMs).toISOString() }
            : position.afterSeq === 0
              ? { deliver_policy: DeliverPolicy.All }
              : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: position.afterSeq + 1 };
        const reader = await conn.jsm.consumers.add(natsStream(stream), {
          ...start,
          ack_policy: AckPolicy.None,
          mem_storage: true,
          inactive_threshold: nanos(30_000),
          ...(filter ? { filter_subject: streamSubjects(stream) + filter } : {}),
        });
        try {
          const events: StoredEvent[] = [];
          const want = Math.min(limit, reader.num_pending);
          while (events.length < want) {
            const { msgs } = await pullOnce(conn.nc, stream, reader.name, { batch: want - events.length });
            if (msgs.length === 0) break;
            for (const msg of msgs) {
              const ack = parseAckSubject(msg.reply ?? "");
              if (ack) events.push(toStored(stream, msg, ack));
            }
          }
          return events;
        } finally {
          void conn.jsm.consumers.delete(natsStream(stream), reader.name).catch(() => {});
        }
      });
    },

    async ensureGroup(stream, group, config) {
      const conn = guard();
      assertName(stream, "stream");
      assertName(group, "group");
      const valid = parseGroupConfig(stream, config);
      await run({ stream, group }, async () => {
        if (valid.deadLetterStream) {
          await run({ stream: valid.deadLetterStream }, () => conn.jsm.streams.info(natsStream(valid.deadLetterStream!)));
        }
        const settings: Partial<ConsumerConfig> = {
          description: JSON.stringify({
            apprun: { maxDeliveries: valid.maxDeliveries ?? null, deadLetterStream: valid.deadLetterStream ?? null },
          }),
          ack_wait: nanos(valid.ackWaitMs),
          backoff: valid.backoffMs?.map((ms) => nanos(ms)),
          // One delivery beyond the limit reaches a puller, which dead-letters it (see above).
          // With a backoff list JetStream wants a finite max_deliver longer than the list.
          max_deliver: valid.maxDeliveries ? valid.maxDeliveries + 1 : valid.backoffMs ? 2_147_483_647 : -1,
          filter_subject: valid.filter ? streamSubjects(stream) + valid.filter : undefined,
        };
        let info: ConsumerInfo;
        try {
          await conn.jsm.consumers.info(natsStream(stream), group);
          info = await conn.jsm.consumers.update(natsStream(stream), group, settings);
        } catch (err) {
          const mapped = busError(err, { stream, group });
          if (!(mapped instanceof AppError) || mapped.code !== "bus_group_not_found") throw err;
          info = await conn.jsm.consumers.add(natsStream(stream), {
            ...settings,
            durable_name: group,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: valid.start === "new" ? DeliverPolicy.New : DeliverPolicy.All,
          });
        }
        groupMeta.set(`${stream}/${group}`, readMeta(info));
      });
    },

    async deleteGroup(stream, group) {
      const conn = guard();
      assertName(stream, "stream");
      assertName(group, "group");
      groupMeta.delete(`${stream}/${group}`);
      try {
        return await run({ stream, group }, () => conn.jsm.consumers.delete(natsStream(stream), group));
      } catch (err) {
        if (err instanceof AppError && (err.code === "bus_group_not_found" || err.code === "bus_stream_not_found")) return false;
        throw err;
      }
    },

    async pull(stream, group, options) {
      const conn = guard();
      assertName(stream, "stream");
      assertName(group, "group");
      const { batch, waitMs, signal } = parsePullOptions(options);
      return run({ stream, group }, async () => {
        const meta = await metaOf(conn, stream, group);
        const pulled = await pullOnce(conn.nc, stream, group, { batch });
        let msgs = pulled.msgs;
        // The server ignores pulls on a consumer it does not have: check it still exists.
        if (!pulled.answered) await metaOf(conn, stream, group, true);
        if (msgs.length === 0 && waitMs > 0 && !signal?.aborted && !closed) {
          ({ msgs } = await pullOnce(conn.nc, stream, group, { batch: 1, expiresMs: waitMs }, signal));
          if (msgs.length > 0 && batch > 1) msgs.push(...(await pullOnce(conn.nc, stream, group, { batch: batch - 1 })).msgs);
        }
        const deliveries: Delivery[] = [];
        for (const msg of msgs) {
          const ack = parseAckSubject(msg.reply ?? "");
          if (!ack) continue;
          if (meta.maxDeliveries !== null && ack.delivered > meta.maxDeliveries) {
            await deadLetter(conn, meta, stream, group, msg, ack);
            continue;
          }
          deliveries.push({ ...toStored(stream, msg, ack), group, token: msg.reply!, deliveries: ack.delivered });
        }
        return deliveries;
      });
    },

    async ack(ref) {
      const conn = guard();
      const token = checkToken(ref);
      await run(ref, () => reply(conn.nc, token, "+ACK", ref));
    },

    async nack(ref, options) {
      const conn = guard();
      const token = checkToken(ref);
      const delay = parseNackDelay(options);
      await run(ref, () => reply(conn.nc, token, delay > 0 ? `-NAK ${JSON.stringify({ delay: nanos(delay) })}` : "-NAK", ref));
    },

    async seekGroup(stream, group, to) {
      const conn = guard();
      assertName(stream, "stream");
      assertName(group, "group");
      const position = parsePosition(to);
      await run({ stream, group }, async () => {
        // JetStream cannot move a durable consumer: it is recreated with the same settings at the new start.
        const { config } = await conn.jsm.consumers.info(natsStream(stream), group);
        const { opt_start_seq: _seq, opt_start_time: _time, ...rest } = config;
        const start: Partial<ConsumerConfig> =
          "fromMs" in position
            ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(position.fromMs).toISOString() }
            : position.afterSeq === 0
              ? { deliver_policy: DeliverPolicy.All }
              : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: position.afterSeq + 1 };
        await conn.jsm.consumers.delete(natsStream(stream), group);
        await conn.jsm.consumers.add(natsStream(stream), { ...rest, ...start });
      });
    },

    async groupLag(stream, group) {
      const conn = guard();
      assertName(stream, "stream");
      assertName(group, "group");
      return run({ stream, group }, async () => {
        const info = await conn.jsm.consumers.info(natsStream(stream), group);
        return { pending: info.num_pending, unacked: info.num_ack_pending };
      });
    },
  };
}

export interface AckInfo {
  stream: string;
  consumer: string;
  delivered: number;
  streamSeq: number;
  timestampNs: number;
}

/**
 * Reads a JetStream ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>`
 * (servers before 2.10) or `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>[.<token>]`.
 */
export function parseAckSubject(subject: string): AckInfo | null {
  const t = subject.split(".");
  if (t[0] !== "$JS" || t[1] !== "ACK") return null;
  const at = t.length === 9 ? 2 : t.length >= 11 ? 4 : -1;
  if (at < 0) return null;
  const [stream, consumer, delivered, sseq, , ts] = t.slice(at, at + 6);
  const numbers = [delivered, sseq, ts].map(Number);
  if (!stream || !consumer || numbers.some((n) => !Number.isFinite(n))) return null;
  return { stream, consumer, delivered: numbers[0]!, streamSeq: numbers[1]!, timestampNs: numbers[2]! };
}
