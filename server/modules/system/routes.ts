import type { FastifyInstance } from "fastify";
import { AppError } from "../../platform/errors/app-error";
import { bearerCredential, type BearerPrincipal, type Identity } from "../../platform/http/access";
import type { Metrics } from "../../platform/metrics/metrics";
import { publicReadiness, type Lifecycle, type SystemService } from "./service";

/** The short form `GET /api/v1/ping` reports of a caller. */
export interface CallerSummary {
  kind: "user" | "apiKey";
  id: string;
  project: string;
}

const summaryOf = (p: BearerPrincipal): CallerSummary =>
  p.kind === "user"
    ? { kind: "user", id: p.claims.sub, project: p.claims.prj }
    : { kind: "apiKey", id: p.actor.id, project: p.actor.projectId };

/** Probes, metrics and the benchmark route: none needs the database, so all answer before it is reached. */
export function registerSystemRoutes(
  app: FastifyInstance,
  deps: { system: SystemService; metrics: Metrics; identity: Identity; lifecycle: Lifecycle },
) {
  const config = { servedBeforeReady: true, access: "public" as const };

  // Without an Authorization header this stays the cheapest route there is (the foundation benchmark);
  // with one it says who is calling (401 for a bad credential), answering at once for a remembered token.
  app.get("/api/v1/ping", { config }, async (req) => {
    const header = req.headers.authorization;
    if (header === undefined) return { pong: true, auth: null };
    if (deps.lifecycle.phase !== "ready") throw new AppError("not_ready", 503, { retryAfterSeconds: 2 });
    const principal = deps.identity.bearer(bearerCredential(header));
    return { pong: true, auth: summaryOf(principal instanceof Promise ? await principal : principal) };
  });

  app.get("/healthz", { config }, async () => ({ status: "ok" }));

  app.get("/readyz", { config }, async (_req, reply) => {
    const report = publicReadiness(await deps.system.readiness());
    return reply.status(report.ready ? 200 : 503).send({ status: report.ready ? "ready" : "not_ready", ...report });
  });

  app.get("/metrics", { config }, async (_req, reply) => {
    reply.header("content-type", deps.metrics.contentType);
    return deps.metrics.render();
  });
}
