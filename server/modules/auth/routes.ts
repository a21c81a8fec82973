import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { RequestOrigin } from "../../platform/auth/actor";
import { oauthStartQuery } from "./schema";
import type { AuthService } from "./service";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The route answers callers without credentials (sign-in, JWKS…). The isolation walk requires
     * such a route to answer another project's principal exactly as it answers nobody.
     */
    anonymous?: boolean;
  }
}

type P = { Params: { project: string } };
const anonymous = { config: { anonymous: true } };
const listQuery = z.object({
  search: z.string().max(254).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(64).optional(),
});

/**
 * The public auth API of each project's app users (`/api/v1/projects/{project}/auth/…`) and the
 * management REST for scripting (`/api/v1/admin/projects/{project}/…`, API keys only). Handlers
 * parse, call the service and reply; credentials are resolved before any body is read.
 */
export function registerAuthRoutes(
  app: FastifyInstance,
  deps: { auth: AuthService; origin: (req: FastifyRequest) => RequestOrigin; publicUrl: string },
) {
  const { auth } = deps;
  const { flows, oauth, requestAuth } = auth;
  const base = "/api/v1/projects/:project/auth";
  const user = (req: FastifyRequest) => requestAuth.user(req);

  // ── anonymous ──────────────────────────────────────────────────────────────

  app.get<P>(`${base}/settings`, anonymous, async (req) => ({
    ...(await flows.publicSettings(req.params.project)),
    providers: await oauth.publicList(req.params.project),
  }));

  app.get<P>(`${base}/jwks`, anonymous, async (req, reply) => {
    const jwks = await auth.jwks(req.params.project);
    // Verifiers refetch on an unknown `kid`; five minutes keeps the load off without delaying rotations much.
    reply.header("cache-control", "public, max-age=300");
    reply.header("content-type", "application/jwk-set+json");
    return jwks;
  });

  app.post<P>(`${base}/sign-up`, anonymous, async (req, reply) => {
    const result = await flows.signUp(req.params.project, req.body, deps.origin(req), req.locale);
    return reply.status(201).send(result);
  });
  app.post<P>(`${base}/sign-in`, anonymous, async (req) => flows.signIn(req.params.project, req.body, deps.origin(req)));
  app.post<P>(`${base}/mfa/verify`, anonymous, async (req) => flows.verifyMfa(req.params.project, req.body, deps.origin(req)));
  app.post<P>(`${base}/refresh`, anonymous, async (req) => flows.refresh(req.params.project, req.body));
  app.post<P>(`${base}/otp/send`, anonymous, async (req) => {
    await flows.sendOtp(req.params.project, req.body, deps.origin(req), req.locale);
    return { ok: true };
  });
  app.post<P>(`${base}/otp/verify`, anonymous, async (req) => flows.verifyOtp(req.params.project, req.body, deps.origin(req)));
  app.post<P>(`${base}/magic-link/send`, anonymous, async (req) => {
    await flows.sendMagicLink(req.params.project, req.body, deps.origin(req), req.locale);
    return { ok: true };
  });
  app.post<P>(`${base}/magic-link/verify`, anonymous, async (req) => flows.verifyMagicLink(req.params.project, req.body, deps.origin(req)));
  app.post<P>(`${base}/password/forgot`, anonymous, async (req) => {
    await flows.requestPasswordReset(req.params.project, req.body, deps.origin(req), req.locale);
    return { ok: true };
  });
  app.post<P>(`${base}/password/reset`, anonymous, async (req) => {
    await flows.resetPassword(req.params.project, req.body);
    return { ok: true };
  });
  app.post<P>(`${base}/email/verify`, anonymous, async (req) => {
    await flows.verifyEmail(req.params.project, req.body);
    return { ok: true };
  });

  app.get<P & { Params: { provider: string } }>(`${base}/oauth/:provider/start`, anonymous, async (req, reply) => {
    const { redirect_to } = oauthStartQuery.parse(req.query ?? {});
    return reply.redirect(await oauth.start(req.params.project, req.params.provider, redirect_to), 302);
  });
  app.get<P>(`${base}/oauth/callback`, anonymous, async (req, reply) => {
    const to = await oauth.callback(req.params.project, new URL(req.url, deps.publicUrl));
    return reply.redirect(to, 302);
  });
  app.post<P>(`${base}/oauth/exchange`, anonymous, async (req) => oauth.exchange(req.params.project, req.body, deps.origin(req)));

  // ── as the signed-in app user (Bearer access token) ───────────────────────

  app.get<P>(`${base}/me`, async (req) => flows.me(req.params.project, await user(req)));
  app.post<P>(`${base}/sign-out`, async (req) => {
    await flows.signOut(req.params.project, await user(req));
    return { ok: true };
  });
  app.get<P>(`${base}/sessions`, async (req) => flows.sessions(req.params.project, await user(req)));
  app.delete<P & { Params: { session: string } }>(`${base}/sessions/:session`, async (req) => {
    await flows.revokeOwnSession(req.params.project, await user(req), req.params.session);
    return { ok: true };
  });
  app.post<P>(`${base}/email/verify/send`, async (req) => {
    const claims = await user(req);
    await flows.requestEmailVerification(req.params.project, claims, req.body, req.locale);
    return { ok: true };
  });
  app.post<P>(`${base}/mfa/totp/enroll`, async (req) => flows.beginTotp(req.params.project, await user(req)));
  app.post<P>(`${base}/mfa/totp/confirm`, async (req) => {
    const claims = await user(req);
    return flows.confirmTotp(req.params.project, claims, req.body);
  });
  app.post<P>(`${base}/mfa/totp/disable`, async (req) => {
    const claims = await user(req);
    await flows.disableTotp(req.params.project, claims, req.body);
    return { ok: true };
  });

  // ── management (API keys) ─────────────────────────────────────────────────

  const admin = "/api/v1/admin/projects/:project";
  type U = { Params: { project: string; user: string } };
  const key = (req: FastifyRequest) => requestAuth.apiKey(req);

  app.get<P>(`${admin}/users`, async (req) => {
    const actor = await key(req);
    const query = listQuery.parse(req.query ?? {});
    return { users: await auth.admin.list(actor, { project: req.params.project, ...query }) };
  });
  app.get<U>(`${admin}/users/:user`, async (req) =>
    auth.admin.get(await key(req), { project: req.params.project, userId: req.params.user }),
  );
  app.post<U>(`${admin}/users/:user/disable`, async (req) =>
    auth.admin.setDisabled(await key(req), { project: req.params.project, userId: req.params.user, disabled: true }),
  );
  app.post<U>(`${admin}/users/:user/enable`, async (req) =>
    auth.admin.setDisabled(await key(req), { project: req.params.project, userId: req.params.user, disabled: false }),
  );
  app.delete<U>(`${admin}/users/:user/sessions`, async (req) =>
    auth.admin.revokeSessions(await key(req), { project: req.params.project, userId: req.params.user }),
  );
  app.put<U>(`${admin}/users/:user/roles`, async (req) => {
    const actor = await key(req);
    const body = (req.body ?? {}) as { roles?: unknown };
    return auth.admin.setRoles(actor, { project: req.params.project, userId: req.params.user, roles: body.roles });
  });
  app.delete<U>(`${admin}/users/:user`, async (req, reply: FastifyReply) => {
    await auth.admin.remove(await key(req), { project: req.params.project, userId: req.params.user });
    return reply.status(204).send();
  });
  app.get<P>(`${admin}/roles`, async (req) => ({ roles: await auth.admin.roles(await key(req), req.params.project) }));
}
