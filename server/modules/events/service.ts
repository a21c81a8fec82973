import crypto from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { Counter, type Registry } from "prom-client";
import type { ZodType } from "zod";
import type { EventsTopicTable, EventsTables } from "./tables";
import { actorLabel, type Actor } from "../../platform/auth/actor";
import { isValidSubject, type Bus, type Delivery, type GroupConfig, type StoredEvent } from "../../platform/bus/bus";
import { newEventId, parseCloudEvent, type CloudEvent } from "../../platform/bus/cloudevents";
import type { SecretBox } from "../../platform/crypto/secret-box";
import { newId } from "../../platform/crypto/tokens";
import { readJson, readTime, type DbKind } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import { invalidInput } from "../../platform/errors/normalize";
import { AUTH_SUBJECTS } from "../auth/events";
import { RECORD_SUBJECTS, recordSubject, type RecordEvent, type RecordEventSink } from "../data/events";
import type { Permission } from "../../platform/module";
import type { Access, ProjectsService } from "../projects/service";
import {
  ackInput,
  byProject,
  createGroupInput,
  createTopicInput,
  groupRef,
  messageRef,
  nackInput,
  publishInput,
  pullInput,
  readMessagesInput,
  seekInput,
  topicRef,
  updateTopicInput,
} from "./schema";
import { createWebhooks } from "./webhooks";

export interface EventsDeps {
  db: Kysely<EventsTables>;
  kind: DbKind;
  bus: Bus;
  projects: ProjectsService;
  /** Seals webhook secrets with the master key. */
  secrets: SecretBox;
  /** The project's collections (from the data module): each has a `records.<collection>` topic. */
  collections: (projectId: string) => Promise<string[]>;
  /** Where apprun itself is reached: a webhook pointing there is refused. */
  selfOrigins: () => string[];
  /** Largest accepted event (its CloudEvent JSON), default 256 KiB. */
  maxEventBytes?: number;
  /** Most events in one publish, default 100. */
  maxBatch?: number;
  /** Retention of system topics (record changes) when created, default 7 days. */
  systemRetentionMs?: number;
  onError?: (err: unknown, context: string) => void;
  /** Where the module's Prometheus metrics go (the app's registry). */
  registry?: Registry;
  clock?: () => number;
  /** Webhook calls give up after this long (default 10 s). */
  webhookTimeoutMs?: number;
}

export type TopicRow = Selectable<EventsTopicTable>;

export interface TopicView {
  name: string;
  kind: "user" | "system";
  description: string;
  maxAgeMs: number | null;
  maxBytes: number | null;
  publishRoles: string[] | null;
  subscribeRoles: string[] | null;
  deadLetterTopic: string | null;
  createdBy: string;
  createdAt: string;
  /** Retained events: sequences firstSeq..lastSeq, their count and size. */
  stats: { firstSeq: number; lastSeq: number; messages: number; bytes: number };
}

export interface GroupView {
  name: string;
  topic: string;
  filter: string | null;
  ackWaitMs: number;
  backoffMs: number[] | null;
  maxDeliveries: number | null;
  start: "all" | "new";
  createdBy: string;
  createdAt: string;
  /** `pending`: events not yet delivered; `unacked`: delivered, not acknowledged. */
  lag: { pending: number; unacked: number };
}

export interface MessageView {
  seq: number;
  storedAt: string;
  event: CloudEvent;
}

export interface PulledMessage extends MessageView {
  /** Pass it back to ack or nack this delivery. */
  token: string;
  /** 1 on the first delivery, 2 on the first redelivery, … */
  deliveries: number;
}

type GroupSettings = {
  filter: string | null;
  ackWaitMs: number;
  backoffMs: number[] | null;
  maxDeliveries: number | null;
  start: "all" | "new";
};

const DAY = 86_400_000;
const TOPIC_CACHE_MS = 2000;
/** What the bus adds to an event it dead-letters; a redriven copy goes without them. */
const DEAD_LETTER_EXTENSIONS = new Set(["deadletterstream", "deadlettergroup", "deadletterseq", "deadletterdeliveries"]);
export const RECORDS_PREFIX = "records.";
/** The system topic of app-user events (sign-ups, sign-ins) the auth module publishes. */
export const AUTH_TOPIC = "auth.users";

/** The bus subject of an event: its type when that is a subject (so group filters match types), else `_`. */
export function subjectOfType(type: string): string {
  return isValidSubject(type) ? type : "_";
}

/**
 * The event center: a project's topics (each one bus stream), publishing CloudEvents to them,
 * consumer groups (pull, ack, nack, replay, lag), webhooks, and the read-only system topics
 * `records.<collection>` fed from the data module's record events. See README.md.
 */
export function createEventsService(deps: EventsDeps) {
  const { db, bus } = deps;
  const now = deps.clock ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const maxEventBytes = deps.maxEventBytes ?? 256 * 1024;
  const maxBatch = deps.maxBatch ?? 100;
  const onError = deps.onError ?? (() => {});
  const registers = deps.registry ? [deps.registry] : [];
  const metrics = {
    published: new Counter({
      name: "apprun_events_published_total",
      help: "Events stored in topics by publishers (duplicates not counted)",
      registers,
    }),
    recordEvents: new Counter({
      name: "apprun_events_record_events_total",
      help: "Record changes stored in records.<collection> system topics by this node (duplicates included)",
      registers,
    }),
    delivered: new Counter({
      name: "apprun_events_pulled_total",
      help: "Events handed to consumer-group pullers (redeliveries included)",
      registers,
    }),
    webhookCalls: new Counter({
      name: "apprun_events_webhook_calls_total",
      help: "Webhook calls by outcome",
      labelNames: ["status"] as const,
      registers,
    }),
  };

  async function findTopic(projectId: string, name: string): Promise<TopicRow | undefined> {
    return db.selectFrom("apprun_events_topic").selectAll().where("project_id", "=", projectId).where("name", "=", name).executeTakeFirst();
  }

  // Publishing and pulling look their topic up on every call; a short memory keeps that query off
  // the hot path. Changes on this node forget at once; another node's show within TOPIC_CACHE_MS.
  const topicCache = new Map<string, { row: TopicRow; at: number }>();
  const forgetTopic = (projectId: string, name?: string) => {
    for (const key of topicCache.keys())
      if (name === undefined ? key.startsWith(`${projectId}/`) : key === `${projectId}/${name}`) topicCache.delete(key);
  };

  /** A topic of the project, creating the system topic of an existing collection on first use. */
  async function topicOf(projectId: string, name: string): Promise<TopicRow> {
    const key = `${projectId}/${name}`;
    const hit = topicCache.get(key);
    if (hit && Date.now() - hit.at < TOPIC_CACHE_MS) return hit.row;
    const row = await findUncached(projectId, name);
    if (topicCache.size > 10_000) topicCache.clear();
    topicCache.set(key, { row, at: Date.now() });
    return row;
  }

  async function findUncached(projectId: string, name: string): Promise<TopicRow> {
    const row = await findTopic(projectId, name);
    if (row) return row;
    if (name === AUTH_TOPIC) return ensureSystemTopic(projectId, AUTH_TOPIC, "Sign-ups and sign-ins of the project's app users");
    if (name.startsWith(RECORDS_PREFIX)) {
      const collection = name.slice(RECORDS_PREFIX.length);
      if (await collectionExists(projectId, collection)) return recordsTopic(projectId, collection);
    }
    throw new AppError("event_topic_not_found", 404, { topic: name });
  }

  async function collectionExists(projectId: string, collection: string): Promise<boolean> {
    return (await deps.collections(projectId)).includes(collection);
  }

  const systemTopics = new Map<string, Promise<TopicRow>>();
  /** The system topics of `systemTopics` that have settled, for record events stored inside a write's transaction. */
  const knownTopics = new Map<string, TopicRow>();
  /** The `records.<collection>` topic of a project: created once, cached. */
  const recordsTopic = (projectId: string, collection: string) =>
    ensureSystemTopic(projectId, `${RECORDS_PREFIX}${collection}`, `Changes of records in ${collection}`);

  /** A system topic of a project (`records.<collection>`, `auth.users`): created once, cached. */
  function ensureSystemTopic(projectId: string, name: string, description: string): Promise<TopicRow> {
    const key = `${projectId}/${name}`;
    let hit = systemTopics.get(key);
    if (!hit) {
      hit = (async () => {
        const existing = await findTopic(projectId, name);
        if (existing) return existing;
        const id = newId("top");
        const stream = streamName(id);
        await bus.ensureStream({ name: stream, maxAgeMs: deps.systemRetentionMs ?? 7 * DAY });
        await db
          .insertInto("apprun_events_topic")
          .values({
            id,
            project_id: projectId,
            name,
            kind: "system",
            description,
            stream,
            max_age_ms: deps.systemRetentionMs ?? 7 * DAY,
            max_bytes: null,
            publish_roles: null,
            subscribe_roles: null,
            dead_letter_topic: null,
            created_by: "apprun",
            created_at: iso(),
          })
          .onConflict((oc) => oc.columns(["project_id", "name"]).doNothing())
          .execute();
        const row = await findTopic(projectId, name);
        // Another node won the race: its stream is the topic's; ours goes.
        if (row && row.stream !== stream) await bus.deleteStream(stream).catch(() => {});
        return row!;
      })();
      const mine = hit;
      hit.then(
        (row) => systemTopics.get(key) === mine && knownTopics.set(key, row),
        () => systemTopics.delete(key),
      );
      if (systemTopics.size > 10_000) {
        systemTopics.clear();
        knownTopics.clear();
      }
      systemTopics.set(key, hit);
    }
    return hit;
  }

  /**
   * Authorizes the caller on the input's project before anything else of the input is looked at
   * (a stranger learns nothing, not even what is wrong with the input), then parses the input.
   */
  async function authorizeInput<T>(
    actor: Actor,
    input: unknown,
    permission: Permission,
    schema: ZodType<T>,
  ): Promise<{ granted: Access; parsed: T }> {
    const ref = byProject.safeParse(input);
    if (!ref.success) throw invalidInput(ref.error);
    const granted = await deps.projects.authorize(actor, ref.data.project, permission);
    return { granted, parsed: schema.parse(input) };
  }

  /** A topic of an authorized project, checked against the topic's role list for console members. */
  async function topicFor(actor: Actor, granted: Access, name: string, permission: Permission): Promise<TopicRow> {
    const topic = await topicOf(granted.project.id, name);
    const roles = permission === "events:publish" ? topic.publish_roles : permission === "events:read" ? topic.subscribe_roles : null;
    if (roles !== null && roles !== undefined && actor.kind === "account") {
      const list = readJson<string[] | null>(roles);
      const role = granted.project.role;
      // Owners always may; instance admins who are not members have no role and pass as owners do.
      if (list && role !== null && role !== "owner" && !list.includes(role)) {
        throw new AppError("event_topic_forbidden", 403, {
          topic: topic.name,
          action: permission === "events:publish" ? "publish" : "read",
        });
      }
    }
    return topic;
  }

  /** `authorizeInput`, then the topic the input names. */
  async function access<T extends { topic: string }>(
    actor: Actor,
    input: unknown,
    permission: Permission,
    schema: ZodType<T>,
  ): Promise<{ access: Access; parsed: T; topic: TopicRow }> {
    const { granted, parsed } = await authorizeInput(actor, input, permission, schema);
    return { access: granted, parsed, topic: await topicFor(actor, granted, parsed.topic, permission) };
  }

  async function stats(stream: string): Promise<TopicView["stats"]> {
    const info = await bus.streamInfo(stream);
    return info
      ? { firstSeq: info.firstSeq, lastSeq: info.lastSeq, messages: info.messages, bytes: info.bytes }
      : { firstSeq: 1, lastSeq: 0, messages: 0, bytes: 0 };
  }

  async function toTopicView(row: TopicRow): Promise<TopicView> {
    return {
      name: row.name,
      kind: row.kind === "system" ? "system" : "user",
      description: row.description,
      maxAgeMs: row.max_age_ms === null ? null : Number(row.max_age_ms),
      maxBytes: row.max_bytes === null ? null : Number(row.max_bytes),
      publishRoles: row.publish_roles === null ? null : readJson<string[] | null>(row.publish_roles),
      subscribeRoles: row.subscribe_roles === null ? null : readJson<string[] | null>(row.subscribe_roles),
      deadLetterTopic: row.dead_letter_topic,
      createdBy: row.created_by,
      createdAt: readTime(row.created_at),
      stats: await stats(row.stream),
    };
  }

  async function deadLetterStream(projectId: string, topic: TopicRow, name: string | null | undefined): Promise<string | undefined> {
    if (!name) return undefined;
    const target = await findTopic(projectId, name);
    if (!target || target.kind !== "user" || target.id === topic.id) throw new AppError("event_dead_letter_invalid", 400, { topic: name });
    return target.stream;
  }

  function busGroupConfig(settings: GroupSettings, dlStream: string | undefined): GroupConfig {
    return {
      ...(settings.filter ? { filter: settings.filter } : {}),
      ackWaitMs: settings.ackWaitMs,
      ...(settings.backoffMs ? { backoffMs: settings.backoffMs } : {}),
      ...(settings.maxDeliveries ? { maxDeliveries: settings.maxDeliveries, ...(dlStream ? { deadLetterStream: dlStream } : {}) } : {}),
      start: settings.start,
    };
  }

  /** Re-applies every group's settings (a topic's dead-letter topic changed). */
  async function reapplyGroups(projectId: string, topic: TopicRow): Promise<void> {
    const groups = await db.selectFrom("apprun_events_group").selectAll().where("topic_id", "=", topic.id).execute();
    const dl = await deadLetterStream(projectId, topic, topic.dead_letter_topic).catch(() => undefined);
    for (const g of groups) await bus.ensureGroup(topic.stream, g.name, busGroupConfig(readJson<GroupSettings>(g.config), dl));
  }

  async function findGroup(topic: TopicRow, name: string) {
    const row = await db
      .selectFrom("apprun_events_group")
      .selectAll()
      .where("topic_id", "=", topic.id)
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) throw new AppError("event_group_not_found", 404, { topic: topic.name, group: name });
    return row;
  }

  async function toGroupView(
    topic: TopicRow,
    row: { name: string; config: unknown; created_by: string; created_at: unknown },
  ): Promise<GroupView> {
    const config = readJson<GroupSettings>(row.config);
    return {
      name: row.name,
      topic: topic.name,
      filter: config.filter,
      ackWaitMs: config.ackWaitMs,
      backoffMs: config.backoffMs,
      maxDeliveries: config.maxDeliveries,
      start: config.start,
      createdBy: row.created_by,
      createdAt: readTime(row.created_at),
      lag: await bus.groupLag(topic.stream, row.name).catch(() => ({ pending: 0, unacked: 0 })),
    };
  }

  /** A publisher's event completed (id, time, source, specversion, projectid) and validated. */
  function normalizeEvent(projectId: string, topicName: string, input: unknown, index: number): CloudEvent {
    if (input === null || typeof input !== "object" || Array.isArray(input))
      throw new AppError("event_invalid", 400, { index, summary: "an event is a JSON object" });
    const given = input as Record<string, unknown>;
    if (given.projectid !== undefined && given.projectid !== projectId)
      throw new AppError("event_invalid", 400, { index, summary: "projectid: must be this project's id (or left out)" });
    const candidate = {
      specversion: "1.0",
      id: newEventId(now()),
      time: new Date(now()).toISOString(),
      source: `/projects/${projectId}/events/topics/${topicName}`,
      ...(given.data !== undefined && given.datacontenttype === undefined ? { datacontenttype: "application/json" } : {}),
      ...given,
      projectid: projectId,
    };
    let event: CloudEvent;
    try {
      event = parseCloudEvent(candidate);
    } catch (err) {
      if (err instanceof AppError && err.code === "bus_invalid_event") throw new AppError("event_invalid", 400, { index, ...err.details });
      throw err;
    }
    const size = Buffer.byteLength(JSON.stringify(event));
    if (size > maxEventBytes) throw new AppError("event_payload_too_large", 413, { index, size, limit: maxEventBytes });
    return event;
  }

  const toMessage = (e: StoredEvent): MessageView => ({ seq: e.seq, storedAt: e.storedAt, event: e.event });
  const toPulled = (d: Delivery): PulledMessage => ({
    seq: d.seq,
    storedAt: d.storedAt,
    event: d.event,
    token: d.token,
    deliveries: d.deliveries,
  });

  const topics = {
    /** events:read. User and system topics (system ones of every collection, created on first listing). */
    async list(actor: Actor, ref: string): Promise<TopicView[]> {
      const { project } = await deps.projects.authorize(actor, ref, "events:read");
      await ensureSystemTopic(project.id, AUTH_TOPIC, "Sign-ups and sign-ins of the project's app users").catch((err) =>
        onError(err, "system topic"),
      );
      for (const name of await deps.collections(project.id)) {
        await recordsTopic(project.id, name).catch((err) => onError(err, "system topic"));
      }
      const rows = await db.selectFrom("apprun_events_topic").selectAll().where("project_id", "=", project.id).orderBy("name").execute();
      return Promise.all(rows.map(toTopicView));
    },

    /** events:read */
    async get(actor: Actor, input: unknown): Promise<TopicView> {
      const { topic } = await access(actor, input, "events:read", topicRef);
      return toTopicView(topic);
    },

    /** events:manage */
    async create(actor: Actor, input: unknown): Promise<TopicView> {
      const { granted, parsed } = await authorizeInput(actor, input, "events:manage", createTopicInput);
      const { project } = granted;
      if (await findTopic(project.id, parsed.name)) throw new AppError("event_topic_exists", 409, { topic: parsed.name });
      const id = newId("top");
      if (parsed.deadLetterTopic) await deadLetterStream(project.id, { id } as TopicRow, parsed.deadLetterTopic);
      const stream = streamName(id);
      await bus.ensureStream({
        name: stream,
        ...(parsed.maxAgeMs ? { maxAgeMs: parsed.maxAgeMs } : {}),
        ...(parsed.maxBytes ? { maxBytes: parsed.maxBytes } : {}),
      });
      try {
        await db
          .insertInto("apprun_events_topic")
          .values({
            id,
            project_id: project.id,
            name: parsed.name,
            kind: "user",
            description: parsed.description ?? "",
            stream,
            max_age_ms: parsed.maxAgeMs ?? null,
            max_bytes: parsed.maxBytes ?? null,
            publish_roles: parsed.publishRoles ? JSON.stringify(parsed.publishRoles) : null,
            subscribe_roles: parsed.subscribeRoles ? JSON.stringify(parsed.subscribeRoles) : null,
            dead_letter_topic: parsed.deadLetterTopic ?? null,
            created_by: actorLabel(actor),
            created_at: iso(),
          })
          .execute();
      } catch (err) {
        await bus.deleteStream(stream).catch(() => {});
        if (await findTopic(project.id, parsed.name)) throw new AppError("event_topic_exists", 409, { topic: parsed.name });
        throw err;
      }
      return toTopicView((await findTopic(project.id, parsed.name))!);
    },

    /** events:manage. Only the fields given change; system topics change retention only. */
    async update(actor: Actor, input: unknown): Promise<TopicView> {
      const { parsed, access: granted, topic } = await access(actor, input, "events:manage", updateTopicInput);
      const row = topic;
      const system = row.kind === "system";
      if (
        system &&
        (parsed.publishRoles !== undefined ||
          parsed.subscribeRoles !== undefined ||
          parsed.deadLetterTopic !== undefined ||
          parsed.description !== undefined)
      ) {
        throw new AppError("event_topic_read_only", 403, { topic: row.name });
      }
      if (parsed.deadLetterTopic) await deadLetterStream(granted.project.id, row, parsed.deadLetterTopic);
      const maxAgeMs = parsed.maxAgeMs === undefined ? row.max_age_ms : parsed.maxAgeMs;
      const maxBytes = parsed.maxBytes === undefined ? row.max_bytes : parsed.maxBytes;
      if (parsed.maxAgeMs !== undefined || parsed.maxBytes !== undefined) {
        await bus.ensureStream({
          name: row.stream,
          ...(maxAgeMs ? { maxAgeMs: Number(maxAgeMs) } : {}),
          ...(maxBytes ? { maxBytes: Number(maxBytes) } : {}),
        });
      }
      await db
        .updateTable("apprun_events_topic")
        .set({
          description: parsed.description ?? row.description,
          max_age_ms: maxAgeMs,
          max_bytes: maxBytes,
          ...(parsed.publishRoles !== undefined ? { publish_roles: parsed.publishRoles ? JSON.stringify(parsed.publishRoles) : null } : {}),
          ...(parsed.subscribeRoles !== undefined
            ? { subscribe_roles: parsed.subscribeRoles ? JSON.stringify(parsed.subscribeRoles) : null }
            : {}),
          ...(parsed.deadLetterTopic !== undefined ? { dead_letter_topic: parsed.deadLetterTopic } : {}),
        })
        .where("id", "=", row.id)
        .execute();
      forgetTopic(granted.project.id, row.name);
      const updated = (await findTopic(granted.project.id, row.name))!;
      if (parsed.deadLetterTopic !== undefined) await reapplyGroups(granted.project.id, updated);
      return toTopicView(updated);
    },

    /** events:manage. Deletes the topic with its events, groups and webhooks. */
    async delete(actor: Actor, input: unknown): Promise<void> {
      const { access: granted, topic } = await access(actor, input, "events:manage", topicRef);
      const row = topic;
      if (row.kind === "system") throw new AppError("event_topic_read_only", 403, { topic: row.name });
      const users = await db
        .selectFrom("apprun_events_topic")
        .select("name")
        .where("project_id", "=", granted.project.id)
        .where("dead_letter_topic", "=", row.name)
        .execute();
      if (users.length > 0) throw new AppError("event_topic_in_use", 409, { topic: row.name, usedBy: users.map((u) => u.name).join(", ") });
      await db.deleteFrom("apprun_events_topic").where("id", "=", row.id).execute();
      forgetTopic(granted.project.id, row.name);
      await bus.deleteStream(row.stream);
      webhooks.topicDeleted();
    },
  };

  const messages = {
    /**
     * events:publish. One event or a batch (≤ maxBatch): every event is validated before any is
     * stored. Appends are idempotent by event id, so a retried batch stores nothing twice.
     */
    async publish(actor: Actor, input: unknown): Promise<Array<{ id: string; seq: number; duplicate: boolean }>> {
      const { parsed, access: granted, topic } = await access(actor, input, "events:publish", publishInput);
      const row = topic;
      if (row.kind === "system") throw new AppError("event_topic_read_only", 403, { topic: row.name });
      if (parsed.events.length === 0)
        throw new AppError("invalid_input", 400, {
          summary: "events: give at least one event",
          issues: [{ path: "events", code: "too_small", message: "give at least one event" }],
        });
      if (parsed.events.length > maxBatch)
        throw new AppError("event_batch_too_large", 413, { count: parsed.events.length, limit: maxBatch });
      const events = parsed.events.map((e, i) => normalizeEvent(granted.project.id, row.name, e, i));
      const results: Array<{ id: string; seq: number; duplicate: boolean }> = [];
      try {
        for (const event of events) {
          const stored = await bus.append(row.stream, subjectOfType(event.type), event);
          results.push({ id: event.id, seq: stored.seq, duplicate: stored.duplicate });
          if (!stored.duplicate) metrics.published.inc();
        }
      } catch (err) {
        // Deleted by another node a moment ago.
        if (err instanceof AppError && err.code === "bus_stream_not_found") {
          forgetTopic(granted.project.id, row.name);
          throw new AppError("event_topic_not_found", 404, { topic: row.name });
        }
        throw err;
      }
      return results;
    },

    /**
     * Sends a dead-lettered event back to the topic it came from (events:read here, events:publish
     * there), as a new event: same content, the dead-letter extensions dropped, and an id derived
     * from the original's and this sequence (the original id is still held by that topic).
     */
    async redrive(actor: Actor, input: unknown): Promise<{ topic: string; id: string; seq: number; duplicate: boolean }> {
      const { parsed, access: granted, topic } = await access(actor, input, "events:read", messageRef);
      const [stored] = await bus.read(topic.stream, { afterSeq: parsed.seq - 1 }, { limit: 1 });
      if (!stored || stored.seq !== parsed.seq) throw new AppError("event_not_retained", 410, { topic: topic.name, seq: parsed.seq });
      const deadletterstream = (stored.event as Record<string, unknown>).deadletterstream;
      const event = Object.fromEntries(Object.entries(stored.event).filter(([k]) => !DEAD_LETTER_EXTENSIONS.has(k))) as CloudEvent;
      const origin =
        typeof deadletterstream === "string"
          ? await db
              .selectFrom("apprun_events_topic")
              .selectAll()
              .where("project_id", "=", granted.project.id)
              .where("stream", "=", deadletterstream)
              .executeTakeFirst()
          : undefined;
      if (!origin) throw new AppError("event_not_dead_letter", 400, { topic: topic.name, seq: parsed.seq });
      const target = await topicFor(
        actor,
        await deps.projects.authorize(actor, parsed.project, "events:publish"),
        origin.name,
        "events:publish",
      );
      const copy = parseCloudEvent({ ...event, id: `${String(event.id).slice(0, 200)}~redrive-${parsed.seq}` });
      const result = await bus.append(target.stream, subjectOfType(copy.type), copy);
      if (!result.duplicate) metrics.published.inc();
      return { topic: target.name, id: copy.id, seq: result.seq, duplicate: result.duplicate };
    },

    /** events:read. Retained events from a sequence or a time (a tail, a look at a dead-letter topic). */
    async read(actor: Actor, input: unknown): Promise<{ messages: MessageView[] }> {
      const { parsed, topic } = await access(actor, input, "events:read", readMessagesInput);
      const from = parsed.fromTime !== undefined ? { fromTime: parsed.fromTime } : { afterSeq: parsed.afterSeq ?? 0 };
      const events = await bus.read(topic.stream, from, { limit: parsed.limit });
      return { messages: events.map(toMessage) };
    },
  };

  const groups = {
    /** events:read. With each group's lag. */
    async list(actor: Actor, input: unknown): Promise<GroupView[]> {
      const { topic } = await access(actor, input, "events:read", topicRef);
      const rows = await db.selectFrom("apprun_events_group").selectAll().where("topic_id", "=", topic.id).orderBy("name").execute();
      return Promise.all(rows.map((r) => toGroupView(topic, r)));
    },

    /** events:read */
    async get(actor: Actor, input: unknown): Promise<GroupView> {
      const { parsed, topic } = await access(actor, input, "events:read", groupRef);
      return toGroupView(topic, await findGroup(topic, parsed.group));
    },

    /** events:manage */
    async create(actor: Actor, input: unknown): Promise<GroupView> {
      const { parsed, access: granted, topic } = await access(actor, input, "events:manage", createGroupInput);
      const row = topic;
      const existing = await db
        .selectFrom("apprun_events_group")
        .select("id")
        .where("topic_id", "=", row.id)
        .where("name", "=", parsed.name)
        .executeTakeFirst();
      if (existing) throw new AppError("event_group_exists", 409, { topic: row.name, group: parsed.name });
      const settings: GroupSettings = {
        filter: parsed.filter ?? null,
        ackWaitMs: parsed.ackWaitMs ?? 30_000,
        backoffMs: parsed.backoffMs ?? null,
        maxDeliveries: parsed.maxDeliveries ?? null,
        start: parsed.start ?? "all",
      };
      const dl = settings.maxDeliveries
        ? await deadLetterStream(granted.project.id, row, row.dead_letter_topic).catch(() => undefined)
        : undefined;
      await bus.ensureGroup(row.stream, parsed.name, busGroupConfig(settings, dl));
      try {
        await db
          .insertInto("apprun_events_group")
          .values({
            id: newId("grp"),
            project_id: granted.project.id,
            topic_id: row.id,
            name: parsed.name,
            config: JSON.stringify(settings),
            created_by: actorLabel(actor),
            created_at: iso(),
          })
          .execute();
      } catch (err) {
        const raced = await db
          .selectFrom("apprun_events_group")
          .select("id")
          .where("topic_id", "=", row.id)
          .where("name", "=", parsed.name)
          .executeTakeFirst();
        if (raced) throw new AppError("event_group_exists", 409, { topic: row.name, group: parsed.name });
        await bus.deleteGroup(row.stream, parsed.name).catch(() => {});
        throw err;
      }
      return toGroupView(row, await findGroup(row, parsed.name));
    },

    /** events:manage */
    async delete(actor: Actor, input: unknown): Promise<void> {
      const { parsed, topic } = await access(actor, input, "events:manage", groupRef);
      const row = await findGroup(topic, parsed.group);
      await db.deleteFrom("apprun_events_group").where("id", "=", row.id).execute();
      await bus.deleteGroup(topic.stream, parsed.group);
    },

    /** events:read. Leases up to `max` events; waits up to `wait` ms for the first. */
    async pull(actor: Actor, input: unknown, signal?: AbortSignal): Promise<{ messages: PulledMessage[] }> {
      const { parsed, topic } = await access(actor, input, "events:read", pullInput);
      await findGroup(topic, parsed.group);
      const deliveries = await bus.pull(topic.stream, parsed.group, { batch: parsed.max, waitMs: parsed.wait, signal });
      metrics.delivered.inc(deliveries.length);
      return { messages: deliveries.map(toPulled) };
    },

    /** events:read. Acknowledges deliveries by their tokens. */
    async ack(actor: Actor, input: unknown): Promise<{ acked: number }> {
      const { parsed, topic } = await access(actor, input, "events:read", ackInput);
      await findGroup(topic, parsed.group);
      await Promise.all(parsed.tokens.map((token) => bus.ack({ stream: topic.stream, group: parsed.group, token })));
      return { acked: parsed.tokens.length };
    },

    /** events:read. Hands deliveries back, for redelivery at once or after `delayMs`. */
    async nack(actor: Actor, input: unknown): Promise<{ nacked: number }> {
      const { parsed, topic } = await access(actor, input, "events:read", nackInput);
      await findGroup(topic, parsed.group);
      await Promise.all(
        parsed.tokens.map((token) => bus.nack({ stream: topic.stream, group: parsed.group, token }, { delayMs: parsed.delayMs })),
      );
      return { nacked: parsed.tokens.length };
    },

    /** events:manage. Replay: the group's next pulls deliver from the sequence or time given. */
    async seek(actor: Actor, input: unknown): Promise<GroupView> {
      const { parsed, topic } = await access(actor, input, "events:manage", seekInput);
      if ((parsed.afterSeq === undefined) === (parsed.fromTime === undefined)) {
        throw new AppError("invalid_input", 400, {
          summary: "afterSeq: give either afterSeq or fromTime",
          issues: [{ path: "afterSeq", code: "custom", message: "give either afterSeq or fromTime" }],
        });
      }
      const row = await findGroup(topic, parsed.group);
      await bus.seekGroup(
        topic.stream,
        parsed.group,
        parsed.fromTime !== undefined ? { fromTime: parsed.fromTime } : { afterSeq: parsed.afterSeq! },
      );
      return toGroupView(topic, row);
    },
  };

  const webhooks = createWebhooks({
    db,
    kind: deps.kind,
    bus,
    secrets: deps.secrets,
    selfOrigins: deps.selfOrigins,
    authorizeInput,
    topicFor,
    iso,
    onError,
    onCall: (status) => metrics.webhookCalls.inc({ status }),
    timeoutMs: deps.webhookTimeoutMs ?? 10_000,
  });

  // ── system topics: record changes from the data module ──────────────────────

  const queues = new Map<string, Promise<void>>();
  const subjectOf = (e: RecordEvent) => recordSubject(e.project, e.collection, e.action);

  /**
   * A record change as its topic stores it. Heard as a bus message, its id is the same on every
   * node (each node hears the change and the stream keeps one copy); stored by the one node that
   * made the change (`recordSink`), a new time-ordered id.
   */
  function recordCloudEvent(e: RecordEvent, idFrom?: { subject: string }): CloudEvent {
    const id = idFrom
      ? `rec-${crypto.createHash("sha256").update(idFrom.subject).update("\n").update(JSON.stringify(e)).digest("hex").slice(0, 40)}`
      : `rec-${newEventId(now())}`;
    return {
      specversion: "1.0",
      id,
      source: `/projects/${e.project}/collections/${e.collection}`,
      type: `apprun.record.${e.action}`,
      ...(typeof e.id === "string" && e.id ? { subject: e.id } : {}),
      time: new Date(now()).toISOString(),
      datacontenttype: "application/json",
      data: e,
      projectid: e.project,
    } as unknown as CloudEvent;
  }

  /**
   * Record changes reach their topics through the data module's sink. With a bus that can append
   * inside the write's transaction (embedded, SQLite: one node) the sink stores them there, or
   * queues them right after the commit while the topic is still being created; every other bus
   * hears the changes as bus messages instead (every node, deduplicated by id), see start().
   */
  const recordSink: RecordEventSink = {
    async within(trx, events) {
      if (!bus.appendWithin) return null;
      const committed: Array<() => void> = [];
      const later: RecordEvent[] = [];
      for (const e of events) {
        const key = `${e.project}/${RECORDS_PREFIX}${e.collection}`;
        const topic = knownTopics.get(key);
        if (!topic) {
          later.push(e);
          continue;
        }
        try {
          committed.push((await bus.appendWithin(trx, topic.stream, `apprun.record.${e.action}`, recordCloudEvent(e))).committed);
        } catch (err) {
          // The topic's stream went away (deleted with the project elsewhere): looked up again after the commit.
          if (!(err instanceof AppError) || err.code !== "bus_stream_not_found") throw err;
          knownTopics.delete(key);
          systemTopics.delete(key);
          later.push(e);
        }
      }
      return () => {
        for (const done of committed) done();
        if (committed.length) metrics.recordEvents.inc(committed.length);
        for (const e of later) onRecordEvent(subjectOf(e), e);
      };
    },
  };
  /** Appends one record event to its collection's topic; appends per collection stay in order. */
  function onRecordEvent(subject: string, data: unknown): void {
    const e = data as { project?: string; collection?: string; action?: string; id?: string };
    if (!e || typeof e.project !== "string" || typeof e.collection !== "string" || typeof e.action !== "string") return;
    const key = `${e.project}/${e.collection}`;
    const previous = queues.get(key) ?? Promise.resolve();
    const append = async () => {
      const topic = await recordsTopic(e.project!, e.collection!);
      await bus.append(topic.stream, `apprun.record.${e.action}`, recordCloudEvent(data as RecordEvent, { subject }));
      metrics.recordEvents.inc();
    };
    // A bus that stores appends in call order takes the next one at once (committed together with
    // others); otherwise each waits for the one before. The queue settles after both, as before.
    const stored = bus.appendsInCallOrder ? append().catch((err) => onError(err, `record event ${subject} not stored in its topic`)) : null;
    const next = stored ? previous.then(() => stored) : previous.then(append);
    const settled = next.catch((err) => onError(err, `record event ${subject} not stored in its topic`));
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
  }

  /** Appends an auth event (`project.<p>.auth.<event…>`) to the project's `auth.users` topic. */
  function onAuthEvent(subject: string, data: unknown): void {
    const [, project, , ...rest] = subject.split(".");
    if (!project || rest.length === 0) return;
    const previous = queues.get(`${project}/${AUTH_TOPIC}`) ?? Promise.resolve();
    const key = `${project}/${AUTH_TOPIC}`;
    const next = previous.then(async () => {
      const topic = await ensureSystemTopic(project, AUTH_TOPIC, "Sign-ups and sign-ins of the project's app users");
      const json = JSON.stringify(data);
      const id = `auth-${crypto.createHash("sha256").update(subject).update("\n").update(json).digest("hex").slice(0, 40)}`;
      const type = `apprun.auth.${rest.join(".")}`;
      const userId = (data as { userId?: unknown } | null)?.userId;
      const event = parseCloudEvent({
        specversion: "1.0",
        id,
        source: `/projects/${project}/auth`,
        type,
        ...(typeof userId === "string" && userId ? { subject: userId } : {}),
        time: new Date(now()).toISOString(),
        datacontenttype: "application/json",
        data,
        projectid: project,
      });
      await bus.append(topic.stream, type, event);
    });
    const settled = next.catch((err) => onError(err, `auth event ${subject} not stored in its topic`));
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
  }

  let unsubscribe: (() => void) | null = null;
  let unsubscribeAuth: (() => void) | null = null;

  return {
    topics,
    messages,
    groups,
    webhooks: webhooks.api,
    /** Give to the data module (`eventSinks`): feeds the `records.<collection>` topics. */
    recordSink,

    /** Starts feeding system topics and delivering webhooks (after the bus has started). */
    start(): void {
      // With a bus that appends inside transactions, record changes come through `recordSink` alone.
      if (!bus.appendWithin) unsubscribe ??= bus.subscribe(RECORD_SUBJECTS, (m) => onRecordEvent(m.subject, m.data));
      unsubscribeAuth ??= bus.subscribe(AUTH_SUBJECTS, (m) => onAuthEvent(m.subject, m.data));
      webhooks.start();
    },

    /** Settles the queued record events (tests, shutdown). */
    async flush(): Promise<void> {
      while (queues.size > 0) await Promise.all([...queues.values()]);
    },

    async stop(): Promise<void> {
      unsubscribe?.();
      unsubscribeAuth?.();
      unsubscribe = unsubscribeAuth = null;
      await webhooks.stop();
      await Promise.all([...queues.values()]);
    },

    /** A deleted project's topics: streams, groups, webhooks, deliveries. */
    async dropProject(projectId: string): Promise<void> {
      const rows = await db.selectFrom("apprun_events_topic").select(["id", "stream"]).where("project_id", "=", projectId).execute();
      await db.deleteFrom("apprun_events_delivery").where("project_id", "=", projectId).execute();
      await db.deleteFrom("apprun_events_webhook").where("project_id", "=", projectId).execute();
      await db.deleteFrom("apprun_events_group").where("project_id", "=", projectId).execute();
      await db.deleteFrom("apprun_events_topic").where("project_id", "=", projectId).execute();
      for (const r of rows) {
        webhooks.topicDeleted();
        await bus.deleteStream(r.stream).catch((err) => onError(err, "stream of a deleted project"));
      }
      for (const key of systemTopics.keys()) if (key.startsWith(`${projectId}/`)) systemTopics.delete(key);
      for (const key of knownTopics.keys()) if (key.startsWith(`${projectId}/`)) knownTopics.delete(key);
      forgetTopic(projectId);
    },
  };
}

/** A topic's stream: its id, which fits the bus's 64-character names whatever the topic is called. */
export function streamName(topicId: string): string {
  return `ev_${topicId}`;
}

export type EventsService = ReturnType<typeof createEventsService>;
