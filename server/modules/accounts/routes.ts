import type { FastifyInstance } from "fastify";
import type { AppError } from "../../platform/errors/app-error";
import { isAppError } from "../../platform/errors/app-error";
import { requestOrigin } from "../../platform/http/request-origin";
import type { IssuedSession } from "./service";
import type { SsoService } from "./sso";

/**
 * Browser redirects of single sign-on. Failures come back to the sign-in page with a stable code
 * (`/sign-in?error=sso_domain_not_allowed`), which the console shows in the user's language.
 */
export function registerAccountRoutes(
  app: FastifyInstance,
  deps: {
    sso: SsoService;
    setSessionCookie: (reply: import("fastify").FastifyReply, session: IssuedSession) => void;
    publicUrl: string;
  },
) {
  app.get<{ Params: { provider: string }; Querystring: { redirect?: string } }>(
    "/api/v1/admin/sso/:provider/start",
    { config: { access: "public" } },
    async (req, reply) => {
      try {
        return reply.redirect(await deps.sso.start(req.params.provider, req.query.redirect), 302);
      } catch (err) {
        if (!isAppError(err)) throw err;
        return reply.redirect(`/sign-in?error=${encodeURIComponent((err as AppError).code)}`, 302);
      }
    },
  );

  app.get("/api/v1/admin/sso/callback", { config: { access: "public" } }, async (req, reply) => {
    try {
      const { session, redirectTo } = await deps.sso.complete(new URL(req.url, deps.publicUrl), requestOrigin(req));
      deps.setSessionCookie(reply, session);
      return reply.redirect(redirectTo, 302);
    } catch (err) {
      if (!isAppError(err)) throw err;
      req.log.warn({ code: (err as AppError).code, details: (err as AppError).details }, "single sign-on refused");
      return reply.redirect(`/sign-in?error=${encodeURIComponent((err as AppError).code)}`, 302);
    }
  });
}
