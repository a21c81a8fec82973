import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { projectOf, type ApiKeyActor, type Caller } from "../../platform/http/access";
import { requestOrigin } from "../../platform/http/request-origin";
import { projectRef } from "../projects/schema";
import {
  emailLinkInput,
  idSchema,
  mfaInput,
  oauthExchangeInput,
  oauthStartQuery,
  otpVerifyInput,
  redirectInput,
  refreshInput,
  resetInput,
  roleNameSchema,
  signInInput,
  signUpInput,
  tokenInput,
  totpCodeInput,
} from "./schema";
import type { AuthService } from "./service";
import type { AccessClaims } from "./tokens";

const P = z.object({ project: projectRef });
const U = P.extend({ user: idSchema });
const listQuery = z.object({
  search: z.string().max(254).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(64).optional(),
});
const publicAccess = { config: { access: "public" as const } };
const asUser = { config: { access: { user: true } as const } };
const ok = { ok: true } as const;

/** The signed-in app user of a route that accepts only users. */
const claimsOf = (req: { caller: Caller }): AccessClaims => (req.caller as Extract<Caller, { kind: "user" }>).claims as AccessClaims;
const keyOf = (req: { caller: Caller }): ApiKeyActor => (req.caller as Extract<Caller, { kind: "apiKey" }>).actor;

/**
 * The public auth API of each project's app users (`/api/v1/projects/{project}/auth/…`) and the
 * management REST for scripting (`/api/v1/admin/projects/{project}/…`, API keys). Who may call each
 * route is declared on it; handlers parse, call the service and reply.
 */
export function registerAuthRoutes(host: FastifyInstance, deps: { auth: AuthService; publicUrl: string }) {
  const app = host.withTypeProvider<ZodTypeProvider>();
  const { auth } = deps;
  const { flows, oauth } = auth;
  const base = "/api/v1/projects/:project/auth";

  // ── anonymous: credentials are not read ──────────────────────────────────────

  app.get(`${base}/settings`, { ...publicAccess, schema: { params: P } }, async (req) => ({
    ...(await flows.publicSettings(req.params.project)),
    providers: await oauth.publicList(req.params.project),
  }));

  app.get(`${base}/jwks`, { ...publicAccess, schema: { params: P } }, async (req, reply) => {
    const jwks = await auth.jwks(req.params.project);
    // Verifiers refetch on an unknown `kid`; five minutes keeps the load off without delaying rotations much.
    reply.header("cache-control", "public, max-age=300");
    reply.header("content-type", "application/jwk-set+json");
    return jwks;
  });

  app.post(`${base}/sign-up`, { ...publicAccess, schema: { params: P, body: signUpInput } }, async (req, reply) => {
    const result = await flows.signUp(req.params.project, req.body, requestOrigin(req), req.locale);
    return reply.status(201).send(result);
  });
  app.post(`${base}/sign-in`, { ...publicAccess, schema: { params: P, body: signInInput } }, async (req) =>
    flows.signIn(req.params.project, req.body, requestOrigin(req)),
  );
  app.post(`${base}/mfa/verify`, { ...publicAccess, schema: { params: P, body: mfaInput } }, async (req) =>
    flows.verifyMfa(req.params.project, req.body, requestOrigin(req)),
  );
  app.post(`${base}/refresh`, { ...publicAccess, schema: { params: P, body: refreshInput } }, async (req) =>
    flows.refresh(req.params.project, req.body),
  );
  app.post(`${base}/otp/send`, { ...publicAccess, schema: { params: P, body: emailLinkInput } }, async (req) => {
    await flows.sendOtp(req.params.project, req.body, requestOrigin(req), req.locale);
    return ok;
  });
  app.post(`${base}/otp/verify`, { ...publicAccess, schema: { params: P, body: otpVerifyInput } }, async (req) =>
    flows.verifyOtp(req.params.project, req.body, requestOrigin(req)),
  );
  app.post(`${base}/magic-link/send`, { ...publicAccess, schema: { params: P, body: emailLinkInput } }, async (req) => {
    await flows.sendMagicLink(req.params.project, req.body, requestOrigin(req), req.locale);
    return ok;
  });
  app.post(`${base}/magic-link/verify`, { ...publicAccess, schema: { params: P, body: tokenInput } }, async (req) =>
    flows.verifyMagicLink(req.params.project, req.body, requestOrigin(req)),
  );
  app.post(`${base}/password/forgot`, { ...publicAccess, schema: { params: P, body: emailLinkInput } }, async (req) => {
    await flows.requestPasswordReset(req.params.project, req.body, requestOrigin(req), req.locale);
    return ok;
  });
  app.post(`${base}/password/reset`, { ...publicAccess, schema: { params: P, body: resetInput } }, async (req) => {
    await flows.resetPassword(req.params.project, req.body);
    return ok;
  });
  app.post(`${base}/email/verify`, { ...publicAccess, schema: { params: P, body: tokenInput } }, async (req) => {
    await flows.verifyEmail(req.params.project, req.body);
    return ok;
  });

  app.get(
    `${base}/oauth/:provider/start`,
    { ...publicAccess, schema: { params: P.extend({ provider: z.string().max(100) }), querystring: oauthStartQuery } },
    async (req, reply) => reply.redirect(await oauth.start(req.params.project, req.params.provider, req.query.redirect_to), 302),
  );
  app.get(`${base}/oauth/callback`, { ...publicAccess, schema: { params: P } }, async (req, reply) => {
    const to = await oauth.callback(req.params.project, new URL(req.url, deps.publicUrl));
    return reply.redirect(to, 302);
  });
  app.post(`${base}/oauth/exchange`, { ...publicAccess, schema: { params: P, body: oauthExchangeInput } }, async (req) =>
    oauth.exchange(req.params.project, req.body, requestOrigin(req)),
  );

  // ── as the signed-in app user (Bearer access token of the project) ──────────

  app.get(`${base}/me`, { ...asUser, schema: { params: P } }, async (req) => flows.me(projectOf(req).id, claimsOf(req)));
  app.post(`${base}/sign-out`, { ...asUser, schema: { params: P } }, async (req) => {
    await flows.signOut(projectOf(req).id, claimsOf(req));
    return ok;
  });
  app.get(`${base}/sessions`, { ...asUser, schema: { params: P } }, async (req) => flows.sessions(projectOf(req).id, claimsOf(req)));
  app.delete(`${base}/sessions/:session`, { ...asUser, schema: { params: P.extend({ session: idSchema }) } }, async (req) => {
    await flows.revokeOwnSession(projectOf(req).id, claimsOf(req), req.params.session);
    return ok;
  });
  app.post(`${base}/email/verify/send`, { ...asUser, schema: { params: P, body: redirectInput.optional() } }, async (req) => {
    await flows.requestEmailVerification(projectOf(req).id, claimsOf(req), req.body ?? {}, req.locale);
    return ok;
  });
  app.post(`${base}/mfa/totp/enroll`, { ...asUser, schema: { params: P } }, async (req) =>
    flows.beginTotp(projectOf(req).id, claimsOf(req)),
  );
  app.post(`${base}/mfa/totp/confirm`, { ...asUser, schema: { params: P, body: totpCodeInput } }, async (req) =>
    flows.confirmTotp(projectOf(req).id, claimsOf(req), req.body),
  );
  app.post(`${base}/mfa/totp/disable`, { ...asUser, schema: { params: P, body: totpCodeInput } }, async (req) => {
    await flows.disableTotp(projectOf(req).id, claimsOf(req), req.body);
    return ok;
  });

  // ── management (API keys of the project) ───────────────────────────────────

  const admin = "/api/v1/admin/projects/:project";
  const reader = { config: { access: { apiKey: "users:read" } as const } };
  const manager = { config: { access: { apiKey: "users:manage" } as const } };
  const target = (req: { params: { project: string; user: string } }) => ({ project: req.params.project, userId: req.params.user });

  app.get(`${admin}/users`, { ...reader, schema: { params: P, querystring: listQuery } }, async (req) => ({
    users: await auth.admin.list(keyOf(req), { project: req.params.project, ...req.query }),
  }));
  app.get(`${admin}/users/:user`, { ...reader, schema: { params: U } }, async (req) => auth.admin.get(keyOf(req), target(req)));
  app.post(`${admin}/users/:user/disable`, { ...manager, schema: { params: U } }, async (req) =>
    auth.admin.setDisabled(keyOf(req), { ...target(req), disabled: true }),
  );
  app.post(`${admin}/users/:user/enable`, { ...manager, schema: { params: U } }, async (req) =>
    auth.admin.setDisabled(keyOf(req), { ...target(req), disabled: false }),
  );
  app.delete(`${admin}/users/:user/sessions`, { ...manager, schema: { params: U } }, async (req) =>
    auth.admin.revokeSessions(keyOf(req), target(req)),
  );
  app.put(
    `${admin}/users/:user/roles`,
    { ...manager, schema: { params: U, body: z.object({ roles: z.array(roleNameSchema).max(100) }) } },
    async (req) => auth.admin.setRoles(keyOf(req), { ...target(req), roles: req.body.roles }),
  );
  app.delete(`${admin}/users/:user`, { ...manager, schema: { params: U } }, async (req, reply) => {
    await auth.admin.remove(keyOf(req), target(req));
    return reply.status(204).send();
  });
  app.get(`${admin}/roles`, { ...reader, schema: { params: P } }, async (req) => ({
    roles: await auth.admin.roles(keyOf(req), req.params.project),
  }));
}
