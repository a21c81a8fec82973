import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from "fastify";
import { AppError } from "../errors/app-error";

/** Request headers a browser app may send to the public API. */
const ALLOWED_HEADERS = "authorization, content-type, accept, accept-language, if-none-match, if-match, x-request-id";
/** Response headers a browser app may read. */
const EXPOSED_HEADERS = "x-request-id, etag, retry-after, location, ratelimit-limit, ratelimit-remaining, ratelimit-reset";
const METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
/** Where browsers of other origins may call: each project's public API, and realtime over SSE (project in `?project=`). */
const PROJECT_API = /^\/api\/v1\/projects\/([^/?]+)\//;
const REALTIME = /^\/realtime(\/|$|\?)/;

/**
 * Cross-origin access for browser apps, per project: the origins a project allows (its settings)
 * may call its public API (`/api/v1/projects/{project}/…`) and realtime's SSE transport. Credentials
 * are tokens in headers, never cookies, so responses never allow credentials. A request without an
 * `Origin` header (servers, same-origin pages) costs one header lookup. Preflights (`OPTIONS`)
 * answer 204 with the allowed methods and headers, or 403 `cors_origin_not_allowed`.
 * The management API (`/api/v1/admin/…`) and the console API are never opened to other origins.
 */
export function installCors(
  host: FastifyInstance,
  deps: { origins: (projectRef: string) => Promise<readonly string[]>; ownOrigins: ReadonlySet<string> },
): void {
  const projectRefOf = (req: FastifyRequest): string | null => {
    const url = req.url;
    const match = PROJECT_API.exec(url);
    if (match) return decodeURIComponent(match[1]!);
    if (REALTIME.test(url)) return (req.query as { project?: unknown } | undefined)?.project?.toString() ?? null;
    return null;
  };

  /** The Access-Control-Allow-Origin value for this request, or null when its origin is not allowed. */
  async function allowedOrigin(req: FastifyRequest, origin: string): Promise<string | null> {
    const ref = projectRefOf(req);
    if (!ref) return null;
    const origins = await deps.origins(ref).catch(() => [] as readonly string[]);
    if (origins.includes(origin)) return origin;
    return origins.includes("*") ? "*" : null;
  }

  const onRequest: onRequestHookHandler = (req, reply, done) => {
    const origin = req.headers.origin;
    if (origin === undefined || deps.ownOrigins.has(origin) || origin === `${req.protocol}://${req.headers.host}`) return done();
    allowedOrigin(req, origin).then((allowed) => {
      if (allowed) {
        reply.header("access-control-allow-origin", allowed);
        reply.header("access-control-expose-headers", EXPOSED_HEADERS);
        if (allowed !== "*") reply.header("vary", "Origin");
      }
      done();
    }, done);
  };

  host.addHook("onRoute", (route) => {
    if (!PROJECT_API.test(route.url.replace(":project", "p") + "/") && !REALTIME.test(route.url)) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [onRequest, ...existing];
  });

  const preflight = async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    const method = req.headers["access-control-request-method"];
    if (origin === undefined || method === undefined)
      throw new AppError("route_not_found", 404, { method: "OPTIONS", path: req.url.split("?")[0] });
    const allowed = await allowedOrigin(req, origin);
    if (!allowed) throw new AppError("cors_origin_not_allowed", 403, { origin: origin.slice(0, 200) });
    reply.header("access-control-allow-origin", allowed);
    if (allowed !== "*") reply.header("vary", "Origin");
    reply.header("access-control-allow-methods", METHODS);
    reply.header("access-control-allow-headers", ALLOWED_HEADERS);
    reply.header("access-control-max-age", "600");
    return reply.status(204).send();
  };
  const config = { access: "public" as const, servedBeforeReady: true };
  host.options("/api/v1/projects/:project/*", { config, schema: { hide: true } }, preflight);
  host.options("/realtime/*", { config, schema: { hide: true } }, preflight);
  host.options("/realtime", { config, schema: { hide: true } }, preflight);
}
