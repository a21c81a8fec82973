import { authedProcedure, router } from "../../trpc/trpc";
import {
  apiKeyRef,
  appRoleRef,
  byProject,
  createApiKeyInput,
  createAppRoleInput,
  createProviderInput,
  listUsersInput,
  providerRef,
  setDisabledInput,
  setRolesInput,
  updateAppRoleInput,
  updateProviderInput,
  updateSettingsInput,
  userRef,
} from "./schema";

/**
 * The console's API for a project's app users. Every procedure takes `project` (id or slug) and is
 * authorized with `projects.authorize`; the permission each needs is noted beside it. Secrets
 * (client secrets, signing keys) are never returned; an API key's secret only once, on creation.
 */
export const authRouter = router({
  /** project:read. The project's auth addresses (REST base, issuer, JWKS, OAuth callback) from the public URL. */
  endpoints: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.auth.settings.endpoints(ctx.actor, input.project)),

  settings: router({
    /** project:read */
    get: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.auth.settings.view(ctx.actor, input.project)),
    /** auth:configure. Only the fields given change. */
    update: authedProcedure.input(updateSettingsInput).mutation(({ ctx, input }) => ctx.services.auth.settings.update(ctx.actor, input)),
  }),

  providers: router({
    /** project:read */
    list: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.auth.oauth.list(ctx.actor, input.project)),
    /** auth:configure */
    create: authedProcedure.input(createProviderInput).mutation(({ ctx, input }) => ctx.services.auth.oauth.create(ctx.actor, input)),
    /** auth:configure. Omit `clientSecret` to keep the stored one. */
    update: authedProcedure.input(updateProviderInput).mutation(({ ctx, input }) => ctx.services.auth.oauth.update(ctx.actor, input)),
    /** auth:configure. Users keep their accounts; their links to this provider go. */
    delete: authedProcedure.input(providerRef).mutation(async ({ ctx, input }) => {
      await ctx.services.auth.oauth.remove(ctx.actor, input);
      return { ok: true };
    }),
  }),

  signingKeys: router({
    /** auth:configure */
    list: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.auth.tokens.list(ctx.actor, input.project)),
    /** auth:configure. Tokens signed before keep working until they expire. */
    rotate: authedProcedure.input(byProject).mutation(({ ctx, input }) => ctx.services.auth.rotateSigningKey(ctx.actor, input.project)),
  }),

  users: router({
    /** users:read */
    list: authedProcedure.input(listUsersInput).query(({ ctx, input }) => ctx.services.auth.admin.list(ctx.actor, input)),
    /** users:read. With active sessions and linked identities. */
    get: authedProcedure.input(userRef).query(({ ctx, input }) => ctx.services.auth.admin.get(ctx.actor, input)),
    /** users:manage. Disabling ends every session. */
    setDisabled: authedProcedure
      .input(setDisabledInput)
      .mutation(({ ctx, input }) => ctx.services.auth.admin.setDisabled(ctx.actor, input)),
    /** users:manage. Mails a reset link to the app's site URL. */
    sendPasswordReset: authedProcedure.input(userRef).mutation(async ({ ctx, input }) => {
      await ctx.services.auth.admin.sendPasswordReset(ctx.actor, input, ctx.locale);
      return { ok: true };
    }),
    /** users:manage */
    revokeSessions: authedProcedure.input(userRef).mutation(({ ctx, input }) => ctx.services.auth.admin.revokeSessions(ctx.actor, input)),
    /** users:manage. Replaces the user's app roles, by name. */
    setRoles: authedProcedure.input(setRolesInput).mutation(({ ctx, input }) => ctx.services.auth.admin.setRoles(ctx.actor, input)),
    /** users:manage */
    delete: authedProcedure.input(userRef).mutation(async ({ ctx, input }) => {
      await ctx.services.auth.admin.remove(ctx.actor, input);
      return { ok: true };
    }),
  }),

  roles: router({
    /** users:read */
    list: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.auth.admin.roles(ctx.actor, input.project)),
    /** auth:configure */
    create: authedProcedure.input(createAppRoleInput).mutation(({ ctx, input }) => ctx.services.auth.admin.createRole(ctx.actor, input)),
    /** auth:configure */
    update: authedProcedure.input(updateAppRoleInput).mutation(async ({ ctx, input }) => {
      await ctx.services.auth.admin.updateRole(ctx.actor, input);
      return { ok: true };
    }),
    /** auth:configure. Takes the role from every user who held it. */
    delete: authedProcedure.input(appRoleRef).mutation(async ({ ctx, input }) => {
      await ctx.services.auth.admin.deleteRole(ctx.actor, input);
      return { ok: true };
    }),
  }),

  apiKeys: router({
    /** keys:read */
    list: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.auth.apiKeys.list(ctx.actor, input.project)),
    /** keys:manage. Returns `secret` once; only its hash is stored. A key gets only permissions its creator holds. */
    create: authedProcedure.input(createApiKeyInput).mutation(({ ctx, input }) => ctx.services.auth.apiKeys.create(ctx.actor, input)),
    /** keys:manage */
    revoke: authedProcedure.input(apiKeyRef).mutation(async ({ ctx, input }) => {
      await ctx.services.auth.apiKeys.revoke(ctx.actor, input);
      return { ok: true };
    }),
  }),
});
