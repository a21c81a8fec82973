import type { IncomingHttpHeaders } from "node:http";
import { AppError } from "../../platform/errors/app-error";

/**
 * A CloudEvent sent in the HTTP binding's binary mode: attributes in `ce-*` headers (values
 * percent-encoded), the data as the body with its own content type. JSON bodies become `data`,
 * text bodies a string, anything else `data_base64`. Returns null when the request is not in
 * binary mode (no `ce-specversion`).
 */
export function binaryModeEvent(headers: IncomingHttpHeaders, body: unknown): Record<string, unknown> | null {
  if (headers["ce-specversion"] === undefined) return null;
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith("ce-") || value === undefined) continue;
    const attribute = name.slice(3);
    const text = Array.isArray(value) ? value.join(",") : value;
    try {
      event[attribute] = decodeURIComponent(text);
    } catch {
      throw new AppError("bus_invalid_event", 400, { summary: `${name}: not valid percent-encoding` });
    }
  }
  const contentType = headers["content-type"];
  if (contentType) event.datacontenttype = contentType;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) return event;
    const text = /^text\/|^application\/(xml|[\w.-]+\+xml)/i.test(contentType ?? "");
    event[text ? "data" : "data_base64"] = text ? body.toString("utf8") : body.toString("base64");
  } else if (body !== undefined && body !== null) {
    event.data = body;
  }
  return event;
}
