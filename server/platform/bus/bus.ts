import type { Kysely } from "kysely";
import { z } from "zod";
import { AppError } from "../errors/app-error";
import { invalidInput } from "../errors/normalize";
import type { CloudEvent } from "./cloudevents";

/**
 * A message seen by an ephemeral subscriber: a subject and its JSON payload. For a durable event
 * (see `Bus.append`) `data` is the CloudEvent and `stored` says where it lives, so a subscriber
 * can later resume with `Bus.read(stream, { afterSeq })`.
 */
export interface BusMessage<T = unknown> {
  subject: string;
  data: T;
  stored?: { stream: string; seq: number };
}

export type BusHandler = (message: BusMessage) => void | Promise<void>;
export type Unsubscribe = () => void;

/** Retention limits of a durable stream; unset means unlimited. The oldest events go first. */
export interface StreamConfig {
  name: string;
  maxAgeMs?: number;
  maxBytes?: number;
  maxMsgs?: number;
}

export interface StreamInfo {
  name: string;
  maxAgeMs: number | null;
  maxBytes: number | null;
  maxMsgs: number | null;
  /** Oldest stored sequence; `lastSeq + 1` when the stream holds nothing. */
  firstSeq: number;
  /** Newest sequence ever stored (sequences start at 1 and never repeat). */
  lastSeq: number;
  messages: number;
  /** Stored size. Embedded: the events' JSON bytes; NATS: the server's count (adds subjects and headers). */
  bytes: number;
}

export interface AppendResult {
  stream: string;
  seq: number;
  /** The stream already held an event with this CloudEvent id (see the README for the window). */
  duplicate: boolean;
}

export interface StoredEvent {
  stream: string;
  seq: number;
  subject: string;
  /** When the bus stored the event (ISO-8601). */
  storedAt: string;
  event: CloudEvent;
}

/** Where to start reading or replaying: after a sequence (0 = from the start), or from a time. */
export type StreamPosition = { afterSeq: number } | { fromTime: Date | string };

export interface ReadOptions {
  /** At most this many events (1–1000, default 100). */
  limit?: number;
  /** Only events whose subject matches this pattern. */
  filter?: string;
}

export interface GroupConfig {
  /** Only events whose subject matches this pattern reach the group. */
  filter?: string;
  /** How long a delivery may stay unacknowledged before it is redelivered (default 30 s). */
  ackWaitMs?: number;
  /** Ack deadline of the n-th delivery is `backoffMs[n-1]` (the last entry repeats); replaces ackWaitMs. */
  backoffMs?: number[];
  /** After this many deliveries without an ack, the event leaves the group (to `deadLetterStream` if set). */
  maxDeliveries?: number;
  /** A stream (it must exist) that receives events that reached `maxDeliveries`. */
  deadLetterStream?: string;
  /** Where a new group starts: every stored event ("all", default) or only later ones ("new"). */
  start?: "all" | "new";
}

export interface PullOptions {
  /** Up to this many deliveries (1–1000, default 10). */
  batch?: number;
  /** Wait up to this long for the first delivery when none is ready (0–300000 ms, default 0). */
  waitMs?: number;
  /** Ends the wait early (the pull then returns what it has, usually nothing). */
  signal?: AbortSignal;
}

/** What identifies one delivery for ack/nack; a `Delivery` is one. Tokens are opaque strings. */
export interface DeliveryRef {
  stream: string;
  group: string;
  token: string;
}

export interface Delivery extends StoredEvent, DeliveryRef {
  /** 1 on the first delivery, 2 on the first redelivery, … */
  deliveries: number;
}

export interface GroupLag {
  /** Matching events stored but not yet delivered to the group. */
  pending: number;
  /** Events delivered and not yet acknowledged (in flight, waiting for redelivery, or nacked). */
  unacked: number;
}

/**
 * The message bus. Two kinds of traffic share it:
 *
 * - ephemeral fan-out (`publish`/`subscribe`): every matching subscriber on every node gets each
 *   message at most once; nothing is stored. Durable events are fanned out the same way.
 * - durable streams (`append`/`read`) with consumer groups (`pull`/`ack`/`nack`): stored with a
 *   per-stream sequence, retained by age and size, delivered to groups at least once.
 *
 * Subjects are dot-separated tokens; patterns may use `*` (one token) and `>` (one or more
 * trailing tokens), as NATS does, so drivers are interchangeable. Bad input throws `AppError`
 * with a `bus_*` code (see `errors.ts`).
 */
export interface Bus {
  readonly kind: "embedded" | "nats";
  /**
   * Whether appends started without waiting for each other are stored in the order they were
   * called (embedded bus on SQLite: they are committed in groups, in call order). A caller that
   * needs order may then start the next append before the previous one committed.
   */
  readonly appendsInCallOrder?: boolean;
  /** Starts background work (embedded: after system migrations; NATS: connects, retrying until `close()`). */
  start(): Promise<void>;
  /** Resolves when the bus can carry messages; `/readyz` calls it. */
  ping(): Promise<void>;
  /** Stops background work, ends waiting pulls (they return what they have) and subscriptions. */
  close(): Promise<void>;

  publish(subject: string, data: unknown): Promise<void>;
  subscribe(pattern: string, handler: BusHandler): Unsubscribe;

  /** Creates the stream, or updates its retention limits. */
  ensureStream(config: StreamConfig): Promise<StreamInfo>;
  streamInfo(name: string): Promise<StreamInfo | null>;
  /** Deletes the stream with its events and groups; false when there was none. */
  deleteStream(name: string): Promise<boolean>;
  /** Stores the event and fans it out to subscribers of `subject`; idempotent by `event.id`. */
  append(stream: string, subject: string, event: CloudEvent): Promise<AppendResult>;
  /**
   * Stores the event inside the caller's own write transaction `trx` on the bus's database, so a
   * change and its events commit (or roll back) together: one commit instead of two. Nothing is
   * fanned out until the caller, after its commit, calls `committed()`. Only the embedded bus on
   * SQLite offers it (one writer there, so holding the stream until the caller commits costs no
   * concurrency); elsewhere it is undefined and callers `append` after their commit.
   */
  readonly appendWithin?: (
    trx: Kysely<any>,
    stream: string,
    subject: string,
    event: CloudEvent,
  ) => Promise<AppendResult & { committed: () => void }>;
  /** Stored events from a position, in sequence order, within retention. */
  read(stream: string, from: StreamPosition, options?: ReadOptions): Promise<StoredEvent[]>;

  /** Creates the group, or updates its settings (not its position: see `seekGroup`). */
  ensureGroup(stream: string, group: string, config?: GroupConfig): Promise<void>;
  deleteGroup(stream: string, group: string): Promise<boolean>;
  /** Leases up to `batch` events to the caller; other pullers of the group never get them meanwhile. */
  pull(stream: string, group: string, options?: PullOptions): Promise<Delivery[]>;
  ack(delivery: DeliveryRef): Promise<void>;
  /** Hands the event back for redelivery, at once or after `delayMs`. */
  nack(delivery: DeliveryRef, options?: { delayMs?: number }): Promise<void>;
  /** Moves the group to a position: the next pulls deliver from there; unacked deliveries are dropped. */
  seekGroup(stream: string, group: string, to: StreamPosition): Promise<void>;
  groupLag(stream: string, group: string): Promise<GroupLag>;
}

/** Whether a concrete subject matches a subscription pattern. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === ">") return s.length > i;
    if (i >= s.length) return false;
    if (token !== "*" && token !== s[i]) return false;
  }
  return p.length === s.length;
}

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const PATTERN = /^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*(\.>)?$|^>$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_SUBJECT_LENGTH = 256;

export function isValidSubject(subject: string): boolean {
  return subject.length <= MAX_SUBJECT_LENGTH && SUBJECT.test(subject);
}

export function isValidPattern(pattern: string): boolean {
  return pattern.length <= MAX_SUBJECT_LENGTH && PATTERN.test(pattern);
}

export function assertSubject(subject: string): string {
  if (typeof subject !== "string" || !isValidSubject(subject)) throw new AppError("bus_invalid_subject", 400, { subject: String(subject) });
  return subject;
}

export function assertPattern(pattern: string): string {
  if (typeof pattern !== "string" || !isValidPattern(pattern)) throw new AppError("bus_invalid_pattern", 400, { pattern: String(pattern) });
  return pattern;
}

export function assertName(name: string, what: "stream" | "group"): string {
  if (typeof name !== "string" || !NAME.test(name)) throw new AppError("bus_invalid_name", 400, { name: String(name), what });
  return name;
}

/** 1 MiB, NATS's default `max_payload`. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** The JSON text of a payload, or `bus_payload_not_json` / `bus_payload_too_large`. */
export function encodePayload(data: unknown, limit: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch {
    throw new AppError("bus_payload_not_json", 400);
  }
  if (text === undefined) throw new AppError("bus_payload_not_json", 400);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short texts need no exact count.
  if (text.length * 3 <= limit) return text;
  const size = Buffer.byteLength(text);
  if (size > limit) throw new AppError("bus_payload_too_large", 413, { size, limit });
  return text;
}

const HOUR = 3_600_000;
const ms = (max: number) => z.number().int().min(1).max(max);

const streamConfigSchema = z
  .object({
    name: z.string(),
    maxAgeMs: ms(100 * 365 * 24 * HOUR)
      .min(100)
      .optional(),
    maxBytes: z.number().int().min(1024).max(Number.MAX_SAFE_INTEGER).optional(),
    maxMsgs: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

const groupConfigSchema = z
  .object({
    filter: z.string().optional(),
    ackWaitMs: ms(12 * HOUR)
      .min(50)
      .default(30_000),
    backoffMs: z
      .array(ms(12 * HOUR).min(50))
      .min(1)
      .max(50)
      .optional(),
    maxDeliveries: z.number().int().min(1).max(10_000).optional(),
    deadLetterStream: z.string().optional(),
    start: z.enum(["all", "new"]).default("all"),
  })
  .strict()
  .refine((c) => !c.backoffMs || !c.maxDeliveries || c.backoffMs.length <= c.maxDeliveries, {
    message: "backoffMs cannot have more entries than maxDeliveries",
    path: ["backoffMs"],
  })
  .refine((c) => !c.deadLetterStream || c.maxDeliveries, { message: "deadLetterStream needs maxDeliveries", path: ["deadLetterStream"] });

export type ValidGroupConfig = z.output<typeof groupConfigSchema>;

export function parseStreamConfig(config: StreamConfig): StreamConfig {
  const result = streamConfigSchema.safeParse(config);
  if (!result.success) throw new AppError("bus_invalid_config", 400, invalidInput(result.error).details);
  assertName(result.data.name, "stream");
  return result.data;
}

export function parseGroupConfig(stream: string, config: GroupConfig = {}): ValidGroupConfig {
  const result = groupConfigSchema.safeParse(config);
  if (!result.success) throw new AppError("bus_invalid_config", 400, invalidInput(result.error).details);
  const valid = result.data;
  if (valid.filter !== undefined) assertPattern(valid.filter);
  if (valid.deadLetterStream !== undefined) {
    assertName(valid.deadLetterStream, "stream");
    if (valid.deadLetterStream === stream)
      throw new AppError("bus_invalid_config", 400, { summary: "deadLetterStream: must differ from the group's stream" });
  }
  return valid;
}

/** Ack deadline of the n-th delivery (1-based): `backoffMs[n-1]`, its last entry repeating, else `ackWaitMs`. */
export function ackDeadlineMs(config: Pick<ValidGroupConfig, "ackWaitMs" | "backoffMs">, delivery: number): number {
  const backoff = config.backoffMs;
  if (!backoff || backoff.length === 0) return config.ackWaitMs;
  return backoff[Math.min(delivery, backoff.length) - 1]!;
}

export function parsePullOptions(options: PullOptions = {}): { batch: number; waitMs: number; signal?: AbortSignal } {
  const batch = options.batch ?? 10;
  const waitMs = options.waitMs ?? 0;
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000)
    throw new AppError("bus_invalid_config", 400, { summary: "batch: must be an integer from 1 to 1000" });
  if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > 300_000)
    throw new AppError("bus_invalid_config", 400, { summary: "waitMs: must be an integer from 0 to 300000" });
  return { batch, waitMs, signal: options.signal };
}

export function parseReadOptions(options: ReadOptions = {}): { limit: number; filter?: string } {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new AppError("bus_invalid_config", 400, { summary: "limit: must be an integer from 1 to 1000" });
  if (options.filter !== undefined) assertPattern(options.filter);
  return { limit, filter: options.filter };
}

export function parseNackDelay(options: { delayMs?: number } = {}): number {
  const delay = options.delayMs ?? 0;
  if (!Number.isInteger(delay) || delay < 0 || delay > 12 * HOUR)
    throw new AppError("bus_invalid_config", 400, { summary: "delayMs: must be an integer from 0 to 43200000" });
  return delay;
}

/** A position as `{ afterSeq }` or `{ fromTime }` in epoch milliseconds, validated. */
export function parsePosition(from: StreamPosition): { afterSeq: number } | { fromMs: number } {
  if (from && "afterSeq" in from) {
    if (!Number.isSafeInteger(from.afterSeq) || from.afterSeq < 0)
      throw new AppError("bus_invalid_config", 400, { summary: "afterSeq: must be a whole number ≥ 0" });
    return { afterSeq: from.afterSeq };
  }
  const time = from && "fromTime" in from ? new Date(from.fromTime).getTime() : NaN;
  if (!Number.isFinite(time)) throw new AppError("bus_invalid_config", 400, { summary: "position: give afterSeq or a valid fromTime" });
  return { fromMs: time };
}

/**
 * Runs subscriber handlers after the publisher has moved on, isolating their failures: a slow
 * or broken subscriber never delays or breaks the publisher or other subscribers.
 */
export function dispatch(handler: BusHandler, message: BusMessage, onError: (err: unknown) => void): void {
  queueMicrotask(() => {
    Promise.resolve()
      .then(() => handler(message))
      .catch(onError);
  });
}

/** A bus-level AppError when the bus has been closed. */
export function closedError(): AppError {
  return new AppError("bus_closed", 503);
}
