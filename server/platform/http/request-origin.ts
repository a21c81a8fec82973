import type { FastifyRequest } from "fastify";
import type { RequestOrigin } from "../auth/actor";

/** Where a request came from, for sessions and the audit log (the client address honours `trustProxy`). */
export function requestOrigin(req: FastifyRequest): RequestOrigin {
  const userAgent = req.headers["user-agent"];
  return { ip: req.ip ?? null, userAgent: typeof userAgent === "string" ? userAgent : null };
}
