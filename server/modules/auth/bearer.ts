import type { BearerPrincipal } from "../../platform/http/access";
import { looksLikeApiKey, type ApiKeysService } from "./api-keys";
import type { TokenService } from "./tokens";

/**
 * Verifies the credential of an `Authorization: Bearer …` header: an API key (looked up) or an app
 * user's access token (verified against its project's keys, then remembered until it expires, so a
 * remembered token answers synchronously: no promise, no lookup beyond one map).
 */
export function createBearerVerifier(deps: { tokens: TokenService; apiKeys: ApiKeysService }) {
  return function bearer(credential: string): BearerPrincipal | Promise<BearerPrincipal> {
    if (looksLikeApiKey(credential)) return deps.apiKeys.verify(credential).then((actor) => ({ kind: "apiKey", actor }));
    const claims = deps.tokens.cached(credential);
    if (claims) return { kind: "user", claims };
    return deps.tokens.verify(credential).then((verified) => ({ kind: "user", claims: verified }));
  };
}
