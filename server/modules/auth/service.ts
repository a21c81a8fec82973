import { createAppUserAdmin } from "./admin";
import { createApiKeys } from "./api-keys";
import { createAuthContext, type AuthDeps } from "./context";
import { createAppUserFlows } from "./flows";
import { createOAuth } from "./oauth";
import { createBearerVerifier } from "./bearer";
import { createAuthSettings } from "./settings";
import { createTokenService } from "./tokens";

export type { AuthDeps } from "./context";

/**
 * App users of every project: the public auth API's flows, tokens and keys, OAuth providers,
 * API keys, and what the console does with users, roles and settings. See README.md.
 */
export function createAuthService(deps: AuthDeps) {
  const ctx = createAuthContext(deps);
  const settings = createAuthSettings(ctx);
  const tokens = createTokenService(ctx);
  const flows = createAppUserFlows(ctx, { settings, tokens });
  const oauth = createOAuth(ctx, { settings, flows });
  const apiKeys = createApiKeys(ctx);
  const admin = createAppUserAdmin(ctx, { flows });
  const bearer = createBearerVerifier({ tokens, apiKeys });

  return {
    settings,
    tokens,
    flows,
    oauth,
    apiKeys,
    admin,
    /** Verifies a bearer credential (the platform's access hook and realtime use it). */
    bearer,
    resolveProject: ctx.project,

    /** The project's JWK Set (public keys of its access tokens). */
    async jwks(ref: string) {
      const project = await ctx.project(ref);
      return tokens.jwks(project.id, (await settings.get(project.id)).accessTokenTtlSeconds);
    },

    /** Rotates the project's signing key; tokens signed before keep verifying until they expire. */
    async rotateSigningKey(actor: Parameters<typeof tokens.rotate>[0], ref: string) {
      const project = await ctx.project(ref).catch(() => null);
      const ttl = project ? (await settings.get(project.id)).accessTokenTtlSeconds : 900;
      return tokens.rotate(actor, ref, ttl);
    },

    /** Forgets everything cached about a deleted project. */
    forgetProject(projectId: string): void {
      ctx.forgetProject(projectId);
      tokens.forget(projectId);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
export { looksLikeApiKey } from "./api-keys";
