import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Metrics } from "../../platform/metrics/metrics";
import { publicReadiness, type SystemService } from "./service";

/** Probes, metrics and the benchmark route: none needs the database, so all answer before it is reached. */
export function registerSystemRoutes(
  app: FastifyInstance,
  deps: {
    system: SystemService;
    metrics: Metrics;
    /** Who a request with an Authorization header is (null: anonymous); 401 for a bad credential. */
    caller?: (req: FastifyRequest) => unknown;
  },
) {
  const config = { servedBeforeReady: true };
  const caller = deps.caller;

  // Without an Authorization header this stays the cheapest route there is (the foundation benchmark).
  app.get("/api/v1/ping", { config }, async (req) => {
    if (req.headers.authorization === undefined || !caller) return { pong: true, auth: null };
    const auth = caller(req);
    return { pong: true, auth: auth instanceof Promise ? await auth : auth };
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
