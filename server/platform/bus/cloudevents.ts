import crypto from "node:crypto";
import { z } from "zod";
import { AppError } from "../errors/app-error";
import { invalidInput } from "../errors/normalize";

/** CloudEvents extension attribute names: lowercase letters and digits, at most 20 (spec §3.1.1). */
const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;

/** Attributes the spec or apprun define; anything else present must be an extension. */
const KNOWN = new Set([
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "datacontenttype",
  "dataschema",
  "data",
  "data_base64",
  "projectid",
]);

/**
 * A CloudEvents 1.0 event in its JSON format (structured mode), plus apprun's required
 * `projectid` extension. Extensions must be scalars, as the spec's type system allows.
 */
export const cloudEventSchema = z
  .object({
    specversion: z.literal("1.0"),
    id: z.string().min(1).max(256),
    source: z.string().min(1).max(1024),
    type: z.string().min(1).max(256),
    subject: z.string().min(1).max(1024).optional(),
    time: z.iso.datetime({ offset: true }).optional(),
    datacontenttype: z.string().min(1).max(256).optional(),
    dataschema: z.string().min(1).max(1024).optional(),
    data: z.unknown().optional(),
    data_base64: z.base64().optional(),
    /** The apprun project the event belongs to. */
    projectid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, _ or -"),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]))
  .superRefine((event, ctx) => {
    for (const key of Object.keys(event)) {
      if (!KNOWN.has(key) && !EXTENSION_NAME.test(key)) {
        ctx.addIssue({ code: "custom", path: [key], message: "extension attribute names are 1–20 lowercase letters or digits" });
      }
    }
    if (event.data !== undefined && event.data_base64 !== undefined) {
      ctx.addIssue({ code: "custom", path: ["data_base64"], message: "data and data_base64 are mutually exclusive" });
    }
  });

export type CloudEvent = z.output<typeof cloudEventSchema>;

export interface CloudEventInput {
  source: string;
  type: string;
  projectid: string;
  subject?: string;
  data?: unknown;
  id?: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  /** Extension attributes (lowercase alphanumeric names, scalar values). */
  extensions?: Record<string, string | number | boolean>;
}

/**
 * A new event id: a UUIDv7 (RFC 9562), whose first 48 bits are the time in milliseconds. Ids made
 * one after another sort together, so the stores' index on event ids grows at one end instead of
 * touching a random page for every event.
 */
export function newEventId(now = Date.now()): string {
  // A random (v4) UUID's bits, its first 48 replaced by the time and its version nibble by 7; the
  // variant (10xx) stays as v4 has it.
  const random = crypto.randomUUID();
  const time = now.toString(16).padStart(12, "0").slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}

/** A complete, valid CloudEvent from the parts a producer knows; `id` and `time` are filled in. */
export function createCloudEvent(input: CloudEventInput): CloudEvent {
  const { extensions, ...attributes } = input;
  return parseCloudEvent({
    ...extensions,
    specversion: "1.0",
    id: attributes.id ?? newEventId(),
    time: attributes.time ?? new Date().toISOString(),
    datacontenttype: attributes.datacontenttype ?? (attributes.data === undefined ? undefined : "application/json"),
    ...withoutUndefined(attributes),
  });
}

/** Events this module has validated; frozen, so they stay valid and need no second look. */
const validated = new WeakSet<object>();

/** Validates an event from any source; throws `bus_invalid_event` (400) naming each problem. */
export function parseCloudEvent(value: unknown): CloudEvent {
  if (typeof value === "object" && value !== null && validated.has(value)) return value as CloudEvent;
  const result = cloudEventSchema.safeParse(value);
  if (!result.success) {
    const { details } = invalidInput(result.error);
    throw new AppError("bus_invalid_event", 400, details);
  }
  const event = Object.freeze(withoutUndefined(result.data)) as CloudEvent;
  validated.add(event);
  return event;
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key in value) {
    if (value[key] === undefined) return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  }
  return value;
}
