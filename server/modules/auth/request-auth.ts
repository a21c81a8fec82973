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
 * Resolves the bearer credential of a request once, on first use, and remembers the answer for
 * the rest of the request. Requests without an Authorization header never reach this code (callers
 * check the header first), so anonymous traffic pays nothing.
 */
export function createRequestAuth(deps: { tokens: TokenService; apiKeys: ApiKeysService }) {
  const resolved = new WeakMap<FastifyRequest, Promise<Principal | null>>();

  async function resolve(header: string | undefined): Promise<Principal | null> {
    if (header === undefined) return null;
    const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
    if (!match) throw new AppError("access_token_invalid", 401);
    const token = match[1]!;
    if (looksLikeApiKey(token)) return { kind: "apiKey", actor: await deps.apiKeys.verify(token) };
    return { kind: "user", claims: await deps.tokens.verify(token) };
  }

  function principal(req: FastifyRequest): Promise<Principal | null> {
    let p = resolved.get(req);
    if (!p) {
      const header = req.headers.authorization;
      p = resolve(Array.isArray(header) ? header[0] : header);
      resolved.set(req, p);
    }
    return p;
  }

  return {
    principal,

    /** An app user's verified claims, or 401 (`access_token_required` without a token; API keys are not users). */
    async user(req: FastifyRequest): Promise<AccessClaims> {
      const p = await principal(req);
      if (!p) throw new AppError("access_token_required", 401);
      if (p.kind !== "user") throw new AppError("access_token_required", 401);
      return p.claims;
    },

    /** The API-key actor, or 401 `api_key_required`. */
    async apiKey(req: FastifyRequest): Promise<ApiKeyActor> {
      const p = await principal(req);
      if (!p || p.kind !== "apiKey") throw new AppError("api_key_required", 401);
      return p.actor;
    },

    /** For `GET /api/v1/ping`: null without a header, else who is calling (401 for a bad credential). */
    async summary(req: FastifyRequest): Promise<CallerSummary | null> {
      const p = await principal(req);
      if (!p) return null;
      return p.kind === "user" ? { kind: "user", id: p.claims.sub, project: p.claims.prj } : { kind: "apiKey", id: p.actor.id, project: p.actor.projectId };
    },
  };
}

export type RequestAuth = ReturnType<typeof createRequestAuth>;
