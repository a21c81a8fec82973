import { ZodError } from "zod";
import { AppError } from "./app-error";

/** Fastify's own client errors, given stable apprun codes. */
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "empty_json_body",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_content_length",
};

export interface RequestFacts {
  bodyLimit: number;
  contentType?: string;
}

/**
 * Turns anything thrown while serving a request into an AppError. Returns null for errors that
 * are bugs (they become 500 and are logged with their stack).
 */
export function toAppError(err: unknown, facts: RequestFacts): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return invalidInput(err);
  const e = err as { code?: string; statusCode?: number; name?: string; message?: string };
  if (e && typeof e.code === "string" && fastifyCodes[e.code]) {
    const code = fastifyCodes[e.code]!;
    const status = code === "payload_too_large" ? 413 : code === "unsupported_media_type" ? 415 : 400;
    const details: Record<string, unknown> = {};
    if (code === "payload_too_large") details.limit = facts.bodyLimit;
    if (code === "unsupported_media_type") details.contentType = facts.contentType?.split(";")[0] ?? "none";
    return new AppError(code, status, details);
  }
  // JSON.parse failures inside Fastify's parser surface as SyntaxError with status 400.
  if (e && e.name === "SyntaxError" && e.statusCode === 400) return new AppError("invalid_json", 400);
  if (e && typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500 && e.code?.startsWith("FST_")) {
    return new AppError("bad_request", e.statusCode);
  }
  return null;
}

export function invalidInput(err: ZodError): AppError {
  const issues = err.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join("."), code: i.code, message: i.message }));
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return new AppError("invalid_input", 400, { summary, issues });
}
