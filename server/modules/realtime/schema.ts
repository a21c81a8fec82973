import { z } from "zod";

/** A client's reference, echoed in the `ok` or `error` reply to its frame. */
const ref = z.union([z.string().max(64), z.number().int().safe()]).optional();
const channel = z.string().min(1).max(200);

/** Every frame a client may send (PROTOCOL.md); anything else is answered with `realtime_invalid_frame`. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("auth"),
    ref,
    project: z.string().min(1).max(100),
    token: z.string().min(1).max(8192).optional(),
    lastEventId: z.number().int().min(0).safe().optional(),
  }),
  z.object({ type: z.literal("subscribe"), ref, channel, filter: z.string().max(4096).optional() }),
  z.object({ type: z.literal("unsubscribe"), ref, channel }),
  z.object({ type: z.literal("resume"), ref, lastEventId: z.number().int().min(0).safe().optional() }),
  z.object({ type: z.literal("publish"), ref, channel, data: z.unknown() }),
  z.object({ type: z.literal("presence"), ref, channel }),
  z.object({ type: z.literal("ping"), ref }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type FrameRef = string | number | undefined;

/** Channel names: a subject token, so they travel on the bus as they are. */
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const RECORD_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type ChannelRef = { kind: "collection"; collection: string; id: string | null } | { kind: "channel"; name: string };

/** `collections/{c}`, `collections/{c}/{id}` or `channels/{name}`; null for anything else. */
export function parseChannel(text: string): ChannelRef | null {
  const parts = text.split("/");
  if (parts[0] === "collections" && (parts.length === 2 || parts.length === 3) && COLLECTION_NAME.test(parts[1]!)) {
    if (parts.length === 2) return { kind: "collection", collection: parts[1]!, id: null };
    return RECORD_ID.test(parts[2]!) ? { kind: "collection", collection: parts[1]!, id: parts[2]! } : null;
  }
  if (parts[0] === "channels" && parts.length === 2 && CHANNEL_NAME.test(parts[1]!)) return { kind: "channel", name: parts[1]! };
  return null;
}

const rule = z.string().max(2000).nullable();

export const byProject = z.object({ project: z.string().min(1).max(100) });
/** Channel names are case-insensitive: stored and matched in lowercase. */
export const channelRef = byProject.extend({
  name: z.string().max(64).toLowerCase().regex(CHANNEL_NAME, "letters, digits, _ and -, at most 64"),
});
/**
 * A channel's settings; rules are CEL over `auth` ({id, type, roles}) and `channel`; null: API keys
 * with the permission only, "": everyone.
 */
export const channelInput = channelRef.extend({ subscribeRule: rule, publishRule: rule, presence: z.boolean() });
export type ChannelInput = z.infer<typeof channelInput>;
