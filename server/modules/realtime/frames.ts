import type { AppError } from "../../platform/errors/app-error";
import type { ErrorCatalog } from "../../platform/errors/catalog";
import type { Locale } from "../../platform/errors/locale";
import type { FrameRef } from "./schema";
import type { ChannelMessage } from "./streams";

// The frames the server sends (PROTOCOL.md, "Server frames" and replies), as JSON text.

export function okFrame(ref: FrameRef, op: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: "ok", ...(ref !== undefined ? { ref } : {}), op, ...extra });
}

/** An error reply in the connection's language; the request id of the details stays on the server. */
export function errorFrame(catalog: ErrorCatalog, locale: Locale, err: AppError, ref?: FrameRef): string {
  const { requestId: _omit, ...details } = err.details;
  return JSON.stringify({
    type: "error",
    ...(ref !== undefined ? { ref } : {}),
    code: err.code,
    message: catalog.format(err.code, locale, err.details),
    details,
  });
}

/** A record change as the realtime log stores it (`data` of the CloudEvent, streams.ts). */
export interface RecordPayload {
  collection: string;
  action: "created" | "updated" | "deleted";
  id: string;
  record: Record<string, unknown> | null;
  before: Record<string, unknown> | null;
}

/** The part of a record event frame every recipient shares (serialized once per event). */
export function recordFrameBody(e: RecordPayload): string {
  const image = e.action === "deleted" ? e.before : e.record;
  return JSON.stringify({ action: e.action, collection: e.collection, record: image }).slice(1);
}

export const recordFrame = (seq: number, channels: string[], common: string) =>
  `{"type":"event","id":${seq},"channels":${JSON.stringify(channels)},${common}`;

export function messageFrame(seq: number, m: ChannelMessage): string {
  return JSON.stringify({ type: "message", id: seq, channel: `channels/${m.channel}`, data: m.data, from: m.from });
}
