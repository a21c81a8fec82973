import { z } from "zod";

/**
 * Input shapes of the event center, shared by REST and tRPC. Every management input names its
 * `project` (id or slug); topics by name, groups by name within their topic.
 */
export const TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** System topics carry a dot: `records.<collection>`. */
export const ANY_TOPIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}(\.[A-Za-z0-9_-]{1,64})?$/;

const HOUR = 3_600_000;
const project = z.string().min(1).max(64);
const topic = z.string().regex(ANY_TOPIC_NAME, "1–63 letters, digits, _ or - (system topics: records.<collection>)");
const roleList = z
  .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
  .max(50)
  .nullable();
/** A consumer group's name; names starting with `_` are apprun's (webhooks). */
const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "1–64 letters, digits, _ or -, not starting with _");

export const byProject = z.object({ project });
export const topicRef = z.object({ project, topic });

const retention = {
  /** Events older than this are dropped (≥ 1 s, ≤ 10 years); null = no age limit. */
  maxAgeMs: z
    .number()
    .int()
    .min(1000)
    .max(10 * 365 * 24 * HOUR)
    .nullable()
    .optional(),
  /** The oldest events are dropped beyond this size (≥ 1 KiB); null = no size limit. */
  maxBytes: z.number().int().min(1024).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
};

export const createTopicInput = z
  .object({
    project,
    name: z.string().regex(TOPIC_NAME, "1–63 letters, digits, _ or -"),
    description: z.string().max(500).optional(),
    ...retention,
    /** Project roles whose members may publish (null = any member with events:publish). */
    publishRoles: roleList.optional(),
    /** Project roles whose members may read and consume (null = any member with events:read). */
    subscribeRoles: roleList.optional(),
    /** Another topic of the project that receives events a group gave up on (see groups' maxDeliveries). */
    deadLetterTopic: z.string().regex(TOPIC_NAME).nullable().optional(),
  })
  .strict();

export const updateTopicInput = z
  .object({
    project,
    topic,
    description: z.string().max(500).optional(),
    ...retention,
    publishRoles: roleList.optional(),
    subscribeRoles: roleList.optional(),
    deadLetterTopic: z.string().regex(TOPIC_NAME).nullable().optional(),
  })
  .strict();

export const readMessagesInput = z
  .object({
    project,
    topic,
    /** Events after this sequence (0 = from the oldest retained). */
    afterSeq: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Or events stored at or after this time. */
    fromTime: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** A stored event of a topic, by sequence. */
export const messageRef = z.object({ project, topic, seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict();

export const publishInput = z.object({ project, topic, events: z.array(z.unknown()) });

export const groupSettings = {
  /** Only events whose type matches this pattern (dot-separated tokens, `*` one token, `>` the rest). */
  filter: z.string().min(1).max(256).nullable().optional(),
  /** How long a delivery may stay unacknowledged before it is redelivered (50 ms – 12 h, default 30 s). */
  ackWaitMs: z
    .number()
    .int()
    .min(50)
    .max(12 * HOUR)
    .optional(),
  /** Ack deadline of the n-th delivery (the last entry repeats): redelivery with backoff. */
  backoffMs: z
    .array(
      z
        .number()
        .int()
        .min(50)
        .max(12 * HOUR),
    )
    .min(1)
    .max(50)
    .nullable()
    .optional(),
  /** After this many deliveries without an ack the event goes to the topic's dead-letter topic (or is dropped). */
  maxDeliveries: z.number().int().min(1).max(10_000).nullable().optional(),
};

export const createGroupInput = z
  .object({
    project,
    topic,
    name: groupName,
    ...groupSettings,
    /** Start with every retained event ("all", default) or only with later ones ("new"). */
    start: z.enum(["all", "new"]).optional(),
  })
  .strict();

export const groupRef = z.object({ project, topic, group: groupName });

export const pullInput = z
  .object({
    project,
    topic,
    group: groupName,
    /** Up to this many events (1–1000, default 10). */
    max: z.coerce.number().int().min(1).max(1000).default(10),
    /** Wait up to this long (ms, ≤ 60 000) for the first event when none is ready. */
    wait: z.coerce.number().int().min(0).max(60_000).default(0),
  })
  .strict();

export const ackInput = z
  .object({ project, topic, group: groupName, tokens: z.array(z.string().min(1).max(512)).min(1).max(1000) })
  .strict();
export const nackInput = z
  .object({
    project,
    topic,
    group: groupName,
    tokens: z.array(z.string().min(1).max(512)).min(1).max(1000),
    delayMs: z
      .number()
      .int()
      .min(0)
      .max(12 * HOUR)
      .default(0),
  })
  .strict();

export const seekInput = z
  .object({
    project,
    topic,
    group: groupName,
    afterSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    fromTime: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const typePatterns = z.array(z.string().min(1).max(256)).max(50);

export const createWebhookInput = z
  .object({
    project,
    topic,
    url: z.string().min(1).max(2048),
    /** Event types to deliver (exact, or patterns with `*` / `>`); empty = every event. */
    types: typePatterns.default([]),
    enabled: z.boolean().default(true),
    /** First retry after this long, doubling each time (100 ms – 1 h, default 5 s). */
    retryBaseMs: z.number().int().min(100).max(HOUR).default(5000),
    /** Attempts per event, the first included (1–20, default 8). */
    maxAttempts: z.number().int().min(1).max(20).default(8),
  })
  .strict();

export const webhookRef = z.object({ project, webhookId: z.string().min(1).max(64) });

export const updateWebhookInput = z
  .object({
    project,
    webhookId: z.string().min(1).max(64),
    url: z.string().min(1).max(2048).optional(),
    types: typePatterns.optional(),
    enabled: z.boolean().optional(),
    retryBaseMs: z.number().int().min(100).max(HOUR).optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
  })
  .strict();

export const listDeliveriesInput = z
  .object({
    project,
    webhookId: z.string().min(1).max(64),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().max(64).optional(),
  })
  .strict();

export const deliveryRef = z.object({ project, webhookId: z.string().min(1).max(64), deliveryId: z.string().min(1).max(64) });
