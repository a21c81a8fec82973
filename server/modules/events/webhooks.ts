import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ZodType } from "zod";
import type { EventsTables } from "./tables";
import { actorLabel, type Actor } from "../../platform/auth/actor";
import { isValidPattern, isValidSubject, subjectMatches, type Bus, type Delivery } from "../../platform/bus/bus";
import type { CloudEvent } from "../../platform/bus/cloudevents";
import type { SecretBox } from "../../platform/crypto/secret-box";
import { newId, randomToken } from "../../platform/crypto/tokens";
import { dialectOf, readBool, readJson, readTime, type DbKind } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { Permission } from "../../platform/module";
import type { Access } from "../projects/service";
import { createWebhookInput, deliveryRef, listDeliveriesInput, updateWebhookInput, webhookRef } from "./schema";
import type { TopicRow } from "./service";

export interface WebhookView {
  id: string;
  topic: string;
  url: string;
  /** Event types delivered (exact or patterns); empty = every event. */
  types: string[];
  enabled: boolean;
  retryBaseMs: number;
  maxAttempts: number;
  createdBy: string;
  createdAt: string;
}

export interface DeliveryView {
  id: string;
  seq: number;
  eventId: string;
  eventType: string;
  attempt: number;
  /** "succeeded", "retrying" (another attempt follows) or "failed" (attempts exhausted, or a manual redelivery that failed). */
  status: "succeeded" | "retrying" | "failed";
  responseCode: number | null;
  durationMs: number;
  error: string | null;
  manual: boolean;
  createdAt: string;
}

export const SIGNATURE_HEADER = "x-apprun-signature";

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's secret>`. */
export function signPayload(secret: string, body: string, unixSeconds: number): string {
  const mac = crypto.createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** Whether an event type is one a webhook wants: listed exactly, or matching a listed pattern. */
export function typeMatches(types: readonly string[], type: string): boolean {
  if (types.length === 0) return true;
  return types.some((p) => p === type || (isValidPattern(p) && isValidSubject(type) && subjectMatches(p, type)));
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|\[::\])$/i;
const portOf = (u: URL) => u.port || (u.protocol === "https:" ? "443" : "80");

/** The URL, if http(s) and not apprun itself; else `webhook_url_invalid` / `webhook_url_self` (400). */
export function checkWebhookUrl(raw: string, selfOrigins: string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("webhook_url_invalid", 400, { url: raw.slice(0, 200) });
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname)
    throw new AppError("webhook_url_invalid", 400, { url: raw.slice(0, 200) });
  for (const origin of selfOrigins) {
    let self: URL;
    try {
      self = new URL(origin);
    } catch {
      continue;
    }
    const sameHost =
      url.hostname.toLowerCase() === self.hostname.toLowerCase() || (LOOPBACK.test(url.hostname) && LOOPBACK.test(self.hostname));
    if (sameHost && portOf(url) === portOf(self)) throw new AppError("webhook_url_self", 400, { url: raw.slice(0, 200) });
  }
  return url.toString();
}

type Row = {
  id: string;
  project_id: string;
  topic_id: string;
  url: string;
  types: unknown;
  secret: string;
  enabled: unknown;
  retry_base_ms: number;
  max_attempts: number;
  created_by: string;
  created_at: unknown;
};
type Hook = Row & { topic_name: string; stream: string };

/** A webhook's consumer group on its topic's stream; `_` keeps it apart from users' groups. */
export const webhookGroup = (id: string) => `_wh_${id}`;
/** How long one delivery holds its lease: well beyond the call's timeout. */
const LEASE_MS = 60_000;
const MAX_RETRY_DELAY_MS = 3_600_000;
/** The delivery log keeps this many entries per webhook, trimmed every TRIM_EVERY entries a node writes. */
const KEEP_DELIVERIES = 1000;
const TRIM_EVERY = 100;

/**
 * Webhooks: each one is a consumer group on its topic, pulled by every node (the group's leases
 * make each event go out once), delivered by POST with a signature, retried with exponential
 * backoff through nack delays, and logged per attempt.
 */
export function createWebhooks(deps: {
  db: Kysely<EventsTables>;
  kind: DbKind;
  bus: Bus;
  secrets: SecretBox;
  selfOrigins: () => string[];
  authorizeInput: <T>(actor: Actor, input: unknown, permission: Permission, schema: ZodType<T>) => Promise<{ granted: Access; parsed: T }>;
  topicFor: (actor: Actor, granted: Access, name: string, permission: Permission) => Promise<TopicRow>;
  iso: () => string;
  onError: (err: unknown, context: string) => void;
  /** Counts each call by outcome (metrics). */
  onCall?: (status: DeliveryView["status"]) => void;
  timeoutMs: number;
}) {
  const { db, bus } = deps;
  const dialect = dialectOf(deps.kind);

  const toView = (r: Hook): WebhookView => ({
    id: r.id,
    topic: r.topic_name,
    url: r.url,
    types: readJson<string[]>(r.types),
    enabled: readBool(r.enabled),
    retryBaseMs: r.retry_base_ms,
    maxAttempts: r.max_attempts,
    createdBy: r.created_by,
    createdAt: readTime(r.created_at),
  });

  const hooks = () =>
    db
      .selectFrom("apprun_events_webhook as w")
      .innerJoin("apprun_events_topic as t", "t.id", "w.topic_id")
      .selectAll("w")
      .select(["t.name as topic_name", "t.stream as stream"]);

  async function findHook(projectId: string, id: string): Promise<Hook> {
    const row = await hooks().where("w.project_id", "=", projectId).where("w.id", "=", id).executeTakeFirst();
    if (!row) throw new AppError("webhook_not_found", 404);
    return row as Hook;
  }

  async function authorized<T>(
    actor: Actor,
    input: unknown,
    permission: Permission,
    schema: ZodType<T>,
  ): Promise<{ projectId: string; parsed: T }> {
    const { granted, parsed } = await deps.authorizeInput(actor, input, permission, schema);
    return { projectId: granted.project.id, parsed };
  }

  /** One POST of an event; never throws. */
  async function send(
    hook: Hook,
    event: CloudEvent,
    attempt: number,
    deliveryId: string,
  ): Promise<{ ok: boolean; responseCode: number | null; durationMs: number; error: string | null }> {
    const body = JSON.stringify(event);
    const started = performance.now();
    try {
      const secret = deps.secrets.open(hook.secret);
      const res = await fetch(hook.url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(deps.timeoutMs),
        headers: {
          "content-type": "application/cloudevents+json; charset=utf-8",
          "user-agent": "apprun-webhooks",
          [SIGNATURE_HEADER]: signPayload(secret, body, Math.floor(Date.now() / 1000)),
          "x-apprun-webhook": hook.id,
          "x-apprun-delivery": deliveryId,
          "x-apprun-attempt": String(attempt),
        },
        body,
      });
      await res.body?.cancel().catch(() => {});
      const ok = res.status >= 200 && res.status < 300;
      return { ok, responseCode: res.status, durationMs: Math.round(performance.now() - started), error: ok ? null : `HTTP ${res.status}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const reason = e.name === "TimeoutError" ? `timed out after ${deps.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, responseCode: null, durationMs: Math.round(performance.now() - started), error: String(reason).slice(0, 500) };
    }
  }

  async function log(
    hook: Hook,
    event: CloudEvent,
    seq: number,
    attempt: number,
    id: string,
    status: DeliveryView["status"],
    result: Awaited<ReturnType<typeof send>>,
    manual: boolean,
  ): Promise<DeliveryView> {
    const row = {
      id,
      project_id: hook.project_id,
      webhook_id: hook.id,
      seq,
      event_id: event.id,
      event_type: event.type,
      attempt,
      status,
      response_code: result.responseCode,
      duration_ms: result.durationMs,
      error: result.error,
      manual: dialect.bool(manual),
      created_at: deps.iso(),
    };
    deps.onCall?.(status);
    await db.insertInto("apprun_events_delivery").values(row).execute();
    const count = (logged.get(hook.id) ?? 0) + 1;
    logged.set(hook.id, count % TRIM_EVERY);
    if (count === TRIM_EVERY) await trimLog(hook.id).catch((err) => deps.onError(err, "webhook delivery log trim"));
    return toDeliveryView(row);
  }

  const logged = new Map<string, number>();
  /** Keeps the newest KEEP_DELIVERIES entries of a webhook's log. */
  async function trimLog(webhookId: string): Promise<void> {
    const edge = await db
      .selectFrom("apprun_events_delivery")
      .select("id")
      .where("webhook_id", "=", webhookId)
      .orderBy("id", "desc")
      .offset(KEEP_DELIVERIES)
      .limit(1)
      .executeTakeFirst();
    if (edge) await db.deleteFrom("apprun_events_delivery").where("webhook_id", "=", webhookId).where("id", "<=", edge.id).execute();
  }

  async function handle(hook: Hook, d: Delivery): Promise<void> {
    const types = readJson<string[]>(hook.types);
    if (!typeMatches(types, d.event.type)) return bus.ack(d);
    const id = newId("dlv");
    const result = await send(hook, d.event, d.deliveries, id);
    const last = d.deliveries >= hook.max_attempts;
    const status = result.ok ? "succeeded" : last ? "failed" : "retrying";
    await log(hook, d.event, d.seq, d.deliveries, id, status, result, false).catch((err) => deps.onError(err, "webhook delivery log"));
    if (result.ok || last) await bus.ack(d);
    else await bus.nack(d, { delayMs: Math.min(hook.retry_base_ms * 2 ** (d.deliveries - 1), MAX_RETRY_DELAY_MS) });
  }

  // ── the delivery loop, one per enabled webhook on every node ────────────────

  const workers = new Map<string, { key: string; abort: AbortController; done: Promise<void> }>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let syncing: Promise<void> | null = null;

  function runWorker(hook: Hook, signal: AbortSignal): Promise<void> {
    return (async () => {
      await loop(hook, signal);
      // A loop that ended by itself (the webhook was disabled) makes room for the next sync to start one.
      if (workers.get(hook.id)?.abort.signal === signal) workers.delete(hook.id);
    })();
  }

  async function loop(hook: Hook, signal: AbortSignal): Promise<void> {
    while (!signal.aborted && running) {
      try {
        const batch = await bus.pull(hook.stream, webhookGroup(hook.id), { batch: 5, waitMs: 1000, signal });
        if (batch.length === 0) continue;
        // The webhook as it is now: a URL, filter or secret changed a moment ago applies to this batch.
        const current = (await hooks().where("w.id", "=", hook.id).executeTakeFirst()) as Hook | undefined;
        if (!current || !readBool(current.enabled)) {
          await Promise.all(batch.map((d) => bus.nack(d).catch(() => {})));
          break;
        }
        await Promise.all(batch.map((d) => handle(current, d).catch((err) => deps.onError(err, "webhook delivery"))));
      } catch (err) {
        if (signal.aborted || !running) break;
        const code = (err as AppError).code;
        if (code !== "bus_closed") deps.onError(err, `webhook ${hook.id}`);
        if (code === "bus_closed") break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async function sync(): Promise<void> {
    if (!running) return;
    const rows = (await hooks().execute()) as Hook[];
    const wanted = new Map(rows.filter((r) => readBool(r.enabled)).map((r) => [r.id, r]));
    for (const [id, w] of workers) {
      const hook = wanted.get(id);
      if (!hook || keyOf(hook) !== w.key) {
        w.abort.abort();
        workers.delete(id);
      }
    }
    for (const [id, hook] of wanted) {
      if (workers.has(id) || !running) continue;
      const abort = new AbortController();
      workers.set(id, { key: keyOf(hook), abort, done: runWorker(hook, abort.signal) });
    }
  }
  const keyOf = (h: Hook) => JSON.stringify([h.url, h.types, h.secret, h.retry_base_ms, h.max_attempts, h.stream]);

  function resync(): void {
    if (!running) return;
    const run = (syncing ?? Promise.resolve()).then(sync).catch((err) => deps.onError(err, "webhook sync"));
    syncing = run;
  }

  const api = {
    /** events:read */
    async list(actor: Actor, ref: string): Promise<WebhookView[]> {
      const { projectId } = await authorized(actor, { project: ref }, "events:read", webhookRef.pick({ project: true }));
      return ((await hooks().where("w.project_id", "=", projectId).orderBy("w.id").execute()) as Hook[]).map(toView);
    },

    /** events:read */
    async get(actor: Actor, input: unknown): Promise<WebhookView> {
      const { projectId, parsed } = await authorized(actor, input, "events:read", webhookRef);
      return toView(await findHook(projectId, parsed.webhookId));
    },

    /** events:manage. The signing secret is in the answer once; it is stored sealed with the master key. */
    async create(actor: Actor, input: unknown): Promise<{ webhook: WebhookView; secret: string }> {
      const { granted: access, parsed } = await deps.authorizeInput(actor, input, "events:manage", createWebhookInput);
      const topic = await deps.topicFor(actor, access, parsed.topic, "events:manage");
      const url = checkWebhookUrl(parsed.url, deps.selfOrigins());
      for (const p of parsed.types)
        if ((p.includes("*") || p.includes(">")) && !isValidPattern(p)) throw new AppError("bus_invalid_pattern", 400, { pattern: p });
      const id = newId("whk");
      const secret = `whsec_${randomToken()}`;
      // Starts at the topic's end: a new webhook gets the events published from now on.
      await bus.ensureGroup(topic.stream, webhookGroup(id), { ackWaitMs: LEASE_MS, start: "new" });
      await db
        .insertInto("apprun_events_webhook")
        .values({
          id,
          project_id: access.project.id,
          topic_id: topic.id,
          url,
          types: JSON.stringify(parsed.types),
          secret: deps.secrets.seal(secret),
          enabled: dialect.bool(parsed.enabled),
          retry_base_ms: parsed.retryBaseMs,
          max_attempts: parsed.maxAttempts,
          created_by: actorLabel(actor),
          created_at: deps.iso(),
        })
        .execute();
      resync();
      return { webhook: toView(await findHook(access.project.id, id)), secret };
    },

    /** events:manage. Only the fields given change. */
    async update(actor: Actor, input: unknown): Promise<WebhookView> {
      const { projectId, parsed } = await authorized(actor, input, "events:manage", updateWebhookInput);
      const hook = await findHook(projectId, parsed.webhookId);
      const url = parsed.url === undefined ? undefined : checkWebhookUrl(parsed.url, deps.selfOrigins());
      for (const p of parsed.types ?? [])
        if ((p.includes("*") || p.includes(">")) && !isValidPattern(p)) throw new AppError("bus_invalid_pattern", 400, { pattern: p });
      await db
        .updateTable("apprun_events_webhook")
        .set({
          ...(url !== undefined ? { url } : {}),
          ...(parsed.types !== undefined ? { types: JSON.stringify(parsed.types) } : {}),
          ...(parsed.enabled !== undefined ? { enabled: dialect.bool(parsed.enabled) } : {}),
          ...(parsed.retryBaseMs !== undefined ? { retry_base_ms: parsed.retryBaseMs } : {}),
          ...(parsed.maxAttempts !== undefined ? { max_attempts: parsed.maxAttempts } : {}),
        })
        .where("id", "=", hook.id)
        .execute();
      resync();
      return toView(await findHook(projectId, hook.id));
    },

    /** events:manage. A new signing secret, in the answer once; calls from now on are signed with it. */
    async rotateSecret(actor: Actor, input: unknown): Promise<{ webhook: WebhookView; secret: string }> {
      const { projectId, parsed } = await authorized(actor, input, "events:manage", webhookRef);
      const hook = await findHook(projectId, parsed.webhookId);
      const secret = `whsec_${randomToken()}`;
      await db
        .updateTable("apprun_events_webhook")
        .set({ secret: deps.secrets.seal(secret) })
        .where("id", "=", hook.id)
        .execute();
      resync();
      return { webhook: toView(await findHook(projectId, hook.id)), secret };
    },

    /** events:manage */
    async delete(actor: Actor, input: unknown): Promise<void> {
      const { projectId, parsed } = await authorized(actor, input, "events:manage", webhookRef);
      const hook = await findHook(projectId, parsed.webhookId);
      await db.deleteFrom("apprun_events_delivery").where("webhook_id", "=", hook.id).execute();
      await db.deleteFrom("apprun_events_webhook").where("id", "=", hook.id).execute();
      stopWorker(hook.id);
      await bus.deleteGroup(hook.stream, webhookGroup(hook.id)).catch(() => false);
    },

    /** events:read. The newest first; `before` pages to older ones. */
    async deliveries(actor: Actor, input: unknown): Promise<DeliveryView[]> {
      const { projectId, parsed } = await authorized(actor, input, "events:read", listDeliveriesInput);
      await findHook(projectId, parsed.webhookId);
      let q = db
        .selectFrom("apprun_events_delivery")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("webhook_id", "=", parsed.webhookId);
      if (parsed.before) q = q.where("id", "<", parsed.before);
      return (await q.orderBy("id", "desc").limit(parsed.limit).execute()).map(toDeliveryView);
    },

    /** events:manage. Sends the delivery's event again, now, once; the attempt is logged as manual. */
    async redeliver(actor: Actor, input: unknown): Promise<DeliveryView> {
      const { projectId, parsed } = await authorized(actor, input, "events:manage", deliveryRef);
      const hook = await findHook(projectId, parsed.webhookId);
      const original = await db
        .selectFrom("apprun_events_delivery")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("webhook_id", "=", hook.id)
        .where("id", "=", parsed.deliveryId)
        .executeTakeFirst();
      if (!original) throw new AppError("webhook_delivery_not_found", 404);
      const seq = Number(original.seq);
      const [stored] = await bus.read(hook.stream, { afterSeq: seq - 1 }, { limit: 1 });
      if (!stored || stored.seq !== seq) throw new AppError("event_not_retained", 410, { topic: hook.topic_name, seq });
      const id = newId("dlv");
      const result = await send(hook, stored.event, original.attempt, id);
      return log(hook, stored.event, seq, original.attempt, id, result.ok ? "succeeded" : "failed", result, true);
    },
  };

  function stopWorker(id: string): void {
    const w = workers.get(id);
    if (w) {
      w.abort.abort();
      workers.delete(id);
    }
  }

  return {
    api,
    start(): void {
      if (running) return;
      running = true;
      resync();
      // Webhooks created or changed on other nodes are picked up within a few seconds.
      timer = setInterval(resync, 3000);
      timer.unref();
    },
    async stop(): Promise<void> {
      running = false;
      if (timer) clearInterval(timer);
      timer = null;
      await syncing?.catch(() => {});
      const done = [...workers.values()].map((w) => (w.abort.abort(), w.done));
      workers.clear();
      await Promise.all(done);
    },
    /** A topic went (with its webhooks): their delivery loops stop at the next sync, started now. */
    topicDeleted(): void {
      resync();
    },
  };
}

function toDeliveryView(r: {
  id: string;
  seq: unknown;
  event_id: string;
  event_type: string;
  attempt: number;
  status: string;
  response_code: number | null;
  duration_ms: number;
  error: string | null;
  manual: unknown;
  created_at: unknown;
}): DeliveryView {
  return {
    id: r.id,
    seq: Number(r.seq),
    eventId: r.event_id,
    eventType: r.event_type,
    attempt: r.attempt,
    status: r.status as DeliveryView["status"],
    responseCode: r.response_code,
    durationMs: r.duration_ms,
    error: r.error,
    manual: readBool(r.manual),
    createdAt: readTime(r.created_at),
  };
}
