import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { ResolvedSession } from "../modules/accounts/service";
import { SESSION_COOKIE } from "../platform/http/access";
import { readCookie, sessionCookieHeader } from "../platform/http/cookies";
import { requestOrigin } from "../platform/http/request-origin";
import type { ErrorCatalog } from "../platform/errors/catalog";
import { localeOf } from "../platform/errors/locale";
import type { Services } from "../platform/module";
import type { TrpcContext } from "./trpc";

/**
 * The console API's per-request context: the services, the caller's language, and the console
 * session from its cookie (resolved on first use, once per request).
 */
export function createTrpcContextFactory(deps: {
  services: Services;
  catalog: ErrorCatalog;
  publicUrl: string;
  allowedOrigins: ReadonlySet<string>;
  resolveSession: (token: string) => Promise<ResolvedSession | null>;
}) {
  const secureCookies = deps.publicUrl.startsWith("https:");
  return ({ req, res }: CreateFastifyContextOptions): TrpcContext => {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE) ?? null;
    let session: Promise<ResolvedSession | null> | undefined;
    return {
      req,
      res,
      locale: localeOf(req.headers),
      requestId: req.id,
      services: deps.services,
      catalog: deps.catalog,
      origin: requestOrigin(req),
      publicUrl: deps.publicUrl,
      allowedOrigins: deps.allowedOrigins,
      sessionToken: () => token,
      session: () => (session ??= token ? deps.resolveSession(token) : Promise.resolve(null)),
      setSessionCookie: (issued) =>
        void res.header("set-cookie", sessionCookieHeader(SESSION_COOKIE, issued, secureCookies || req.protocol === "https")),
    };
  };
}
