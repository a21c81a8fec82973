import type { FastifyRequest } from "fastify";
import { AppError } from "../../platform/errors/app-error";
import { looksLikeApiKey, type ApiKeyActor, type ApiKeysService } from "./api-keys";
import type { AccessClaims, TokenService } from "./tokens";

/** Who a request's `Authorization: Bearer …` stands for: an app user (JWT) or an API key. */
export type Principal = { kind: "user"; claims: AccessClaims } | { kind: "apiKey"; actor: ApiKeyActor };

/** The short form `GET /api/v1/ping` reports. */
export interface CallerSummary {
  kind: "user" | "apiKey";
  id: string;
  project: string;
}

/**
 * The credential of an `Authorization: Bearer <credential>` header; 401 for anything else. (Node
 * strips the whitespace around header values; what the credential itself may contain is checked by
 * the token and key parsers.)
 */
export function bearerCredential(header: string | string[]): string {
  const value = Array.isArray(header) ? (header[0] ?? "") : header;
  if (value.length < 8 || value.charCodeAt(6) !== 32 || !/^bearer$/i.test(value.slice(0, 6)))
    throw new AppError("access_token_invalid", 401);
  const credential = value.slice(7).trimStart();
  if (credential === "" || credential.includes(" ")) throw new AppError("access_token_invalid", 401);
  return credential;
}

/**
 * Resolves the bearer credential of a request: an access token (verified against its project's
 * keys, then remembered until it expires) or an API key (looked up). Callers read the header
 * first, so requests without one never reach this code and anonymous traffic pays nothing; a
 * handler resolves it once.
 */
export function createRequestAuth(deps: { tokens: TokenService; apiKeys: ApiKeysService }) {
  async function principal(req: FastifyRequest): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (header === undefined) return null;
    const credential = bearerCredential(header);
    if (looksLikeApiKey(credential)) return { kind: "apiKey", actor: await deps.apiKeys.verify(credential) };
    return { kind: "user", claims: await deps.tokens.verify(credential) };
  }

  const summaryOf = (p: Principal | null): CallerSummary | null =>
    p === null
      ? null
      : p.kind === "user"
        ? { kind: "user", id: p.claims.sub, project: p.claims.prj }
        : { kind: "apiKey", id: p.actor.id, project: p.actor.projectId };

  return {
    principal,

    /** An app user's verified claims, or 401 (`access_token_required` without a token; API keys are not users). */
    async user(req: FastifyRequest): Promise<AccessClaims> {
      const p = await principal(req);
      if (!p || p.kind !== "user") throw new AppError("access_token_required", 401);
      return p.claims;
    },

    /** The API-key actor, or 401 `api_key_required`. */
    async apiKey(req: FastifyRequest): Promise<ApiKeyActor> {
      const p = await principal(req);
      if (!p || p.kind !== "apiKey") throw new AppError("api_key_required", 401);
      return p.actor;
    },

    /**
     * For `GET /api/v1/ping`: null without a header, else who is calling (401 for a bad credential).
     * A remembered access token answers synchronously: no promise, no lookup beyond one map.
     */
    summary(req: FastifyRequest): CallerSummary | null | Promise<CallerSummary | null> {
      const header = req.headers.authorization;
      if (header === undefined) return null;
      const credential = bearerCredential(header);
      const claims = looksLikeApiKey(credential) ? undefined : deps.tokens.cached(credential);
      if (claims) return { kind: "user", id: claims.sub, project: claims.prj };
      return principal(req).then(summaryOf);
    },
  };
}

export type RequestAuth = ReturnType<typeof createRequestAuth>;
