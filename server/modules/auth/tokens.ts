import crypto, { type KeyObject } from "node:crypto";
import { SignJWT, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWK } from "jose";
import type { Actor } from "../../platform/auth/actor";
import { newId } from "../../platform/crypto/tokens";
import { readBool, readJson, readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { AuthContext } from "./context";

export const JWT_ALGORITHM = "EdDSA";
/** RFC 9068: access tokens say what they are, so an ID token or another JWT cannot pass as one. */
export const ACCESS_TOKEN_TYPE = "at+jwt";
/** A retired key stays published this long beyond the longest token it signed (nodes cache the active key for `SIGNING_CACHE_MS`). */
const RETIRE_MARGIN_MS = 5 * 60_000;
const SIGNING_CACHE_MS = 30_000;
const VERIFYING_CACHE_MS = 60_000;
/** An unknown `kid` reloads a project's keys at most this often (a rotation on another node). */
const RELOAD_MIN_MS = 2_000;
const VERIFIED_CACHE_SIZE = 10_000;
const PROJECT_ID = /^prj_[0-9a-z]{19}$/;

/** An app user as a verified access token describes them. */
export interface AccessClaims {
  sub: string;
  prj: string;
  sid: string;
  roles: string[];
  iat: number;
  exp: number;
}

export interface SigningKeyView {
  kid: string;
  algorithm: string;
  active: boolean;
  createdAt: string;
  retiredAt: string | null;
  /** Until when tokens it signed still verify (retired keys). */
  verifyUntil: string | null;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  maxTtlSeconds: number;
  loadedAt: number;
}

interface VerifyingKeys {
  keys: Map<string, KeyObject>;
  loadedAt: number;
}

/**
 * Per-project Ed25519 keys and the access tokens they sign. The private key is sealed with the
 * master key; the public keys are published as the project's JWKS so gateways and services verify
 * offline. Rotation makes a new key active and keeps the old one published (and accepted) until
 * every token it signed has expired, so nobody is signed out. Verified tokens are remembered in a
 * bounded LRU until they expire: a repeated token costs a map lookup.
 */
export function createTokenService(ctx: AuthContext) {
  const signing = new Map<string, SigningKey>();
  const verifying = new Map<string, VerifyingKeys>();
  /**
   * Verified tokens until they expire; `used` is the second-chance bit of a CLOCK eviction (an LRU
   * approximation whose hit costs one lookup, no reordering).
   */
  const verified = new Map<string, { claims: AccessClaims; used: boolean }>();

  function toView(row: {
    id: string;
    algorithm: string;
    active: unknown;
    created_at: unknown;
    retired_at: unknown;
    verify_until: unknown;
  }): SigningKeyView {
    return {
      kid: row.id,
      algorithm: row.algorithm,
      active: readBool(row.active),
      createdAt: readTime(row.created_at),
      retiredAt: row.retired_at ? readTime(row.retired_at) : null,
      verifyUntil: row.verify_until ? readTime(row.verify_until) : null,
    };
  }

  async function createKey(projectId: string, ttlSeconds: number, trx = ctx.db): Promise<string> {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    const kid = newId("key");
    const publicJwk = { ...(publicKey.export({ format: "jwk" }) as JWK), kid, alg: JWT_ALGORITHM, use: "sig" };
    await trx
      .insertInto("auth_signing_keys")
      .values({
        id: kid,
        project_id: projectId,
        algorithm: JWT_ALGORITHM,
        public_jwk: JSON.stringify(publicJwk),
        private_jwk: ctx.secrets.jwt.seal(JSON.stringify(privateKey.export({ format: "jwk" }))),
        active: true,
        max_token_ttl_seconds: ttlSeconds,
        created_at: ctx.iso(),
        retired_at: null,
        verify_until: null,
      })
      .execute();
    // This node's verifiers learn the new key at once; other nodes on the first token with its kid.
    verifying.delete(projectId);
    return kid;
  }

  /** Keys whose tokens may still be valid: the active ones and retired ones within their window. */
  async function publishedRows(projectId: string) {
    const rows = await ctx.db
      .selectFrom("auth_signing_keys")
      .selectAll()
      .where("project_id", "=", projectId)
      .orderBy("created_at", "desc")
      .execute();
    const t = ctx.now();
    return rows.filter((r) => readBool(r.active) || (r.verify_until !== null && Date.parse(readTime(r.verify_until)) > t));
  }

  async function activeKey(projectId: string, ttlSeconds: number): Promise<SigningKey> {
    const hit = signing.get(projectId);
    if (hit && Date.now() - hit.loadedAt < SIGNING_CACHE_MS && hit.maxTtlSeconds >= ttlSeconds) return hit;
    let row = await ctx.db
      .selectFrom("auth_signing_keys")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("active", "=", true)
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    if (!row) {
      await createKey(projectId, ttlSeconds);
      row = await ctx.db
        .selectFrom("auth_signing_keys")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("active", "=", true)
        .orderBy("created_at", "desc")
        .executeTakeFirstOrThrow();
    }
    // The key must stay published as long as the longest token it signs lives.
    if (Number(row.max_token_ttl_seconds) < ttlSeconds) {
      await ctx.db
        .updateTable("auth_signing_keys")
        .set({ max_token_ttl_seconds: ttlSeconds })
        .where("id", "=", row.id)
        .where("max_token_ttl_seconds", "<", ttlSeconds)
        .execute();
    }
    const key: SigningKey = {
      kid: row.id,
      privateKey: crypto.createPrivateKey({ key: JSON.parse(ctx.secrets.jwt.open(row.private_jwk)) as crypto.JsonWebKey, format: "jwk" }),
      maxTtlSeconds: Math.max(Number(row.max_token_ttl_seconds), ttlSeconds),
      loadedAt: Date.now(),
    };
    signing.set(projectId, key);
    return key;
  }

  async function verifyingKeys(projectId: string, kid: string): Promise<KeyObject | undefined> {
    let entry = verifying.get(projectId);
    const stale = !entry || Date.now() - entry.loadedAt > VERIFYING_CACHE_MS;
    const unknownKid = entry !== undefined && !entry.keys.has(kid) && Date.now() - entry.loadedAt > RELOAD_MIN_MS;
    if (stale || unknownKid) {
      const rows = await publishedRows(projectId);
      entry = {
        keys: new Map(rows.map((r) => [r.id, crypto.createPublicKey({ key: readJson<crypto.JsonWebKey>(r.public_jwk), format: "jwk" })])),
        loadedAt: Date.now(),
      };
      if (verifying.size > 10_000) verifying.clear();
      verifying.set(projectId, entry);
    }
    return entry!.keys.get(kid);
  }

  function remember(token: string, claims: AccessClaims): void {
    // Evict the oldest entry not used since it was last passed over; used ones get a second chance at the back.
    for (let scanned = 0; verified.size >= VERIFIED_CACHE_SIZE && scanned <= VERIFIED_CACHE_SIZE; scanned++) {
      const [oldest, entry] = verified.entries().next().value!;
      verified.delete(oldest);
      if (entry.used && entry.claims.exp * 1000 > ctx.now()) {
        entry.used = false;
        verified.set(oldest, entry);
      }
    }
    verified.set(token, { claims, used: false });
  }

  /** A token verified before and not yet expired: one map lookup. Undefined otherwise (including expired ones). */
  function cached(token: string): AccessClaims | undefined {
    const hit = verified.get(token);
    if (hit === undefined) return undefined;
    if (hit.claims.exp * 1000 <= ctx.now()) {
      verified.delete(token);
      return undefined;
    }
    hit.used = true;
    return hit.claims;
  }

  const invalid = () => new AppError("access_token_invalid", 401);

  return {
    cached,

    /** Signs an access token for an app user of a project. */
    async sign(
      projectId: string,
      claims: { sub: string; sid: string; roles: string[] },
      ttlSeconds: number,
    ): Promise<{ token: string; expiresAt: number }> {
      const key = await activeKey(projectId, ttlSeconds);
      const iat = Math.floor(ctx.now() / 1000);
      const exp = iat + ttlSeconds;
      const token = await new SignJWT({ prj: projectId, sid: claims.sid, roles: claims.roles })
        .setProtectedHeader({ alg: JWT_ALGORITHM, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setSubject(claims.sub)
        .setIssuer(ctx.issuer(projectId))
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key.privateKey);
      return { token, expiresAt: exp * 1000 };
    },

    /**
     * Verifies an access token of any project (its `prj` claim names which; its `iss` must match).
     * Throws 401 `access_token_expired` or `access_token_invalid`.
     */
    async verify(token: string): Promise<AccessClaims> {
      const hit = cached(token);
      if (hit) return hit;
      if (token.length > 4096) throw invalid();
      let kid: string | undefined;
      let projectId: unknown;
      try {
        kid = decodeProtectedHeader(token).kid;
        projectId = decodeJwt(token).prj;
      } catch {
        throw invalid();
      }
      if (typeof kid !== "string" || typeof projectId !== "string" || !PROJECT_ID.test(projectId)) throw invalid();
      const key = await verifyingKeys(projectId, kid);
      if (!key) throw invalid();
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ctx.issuer(projectId),
          algorithms: [JWT_ALGORITHM],
          typ: ACCESS_TOKEN_TYPE,
          currentDate: new Date(ctx.now()),
          requiredClaims: ["sub", "sid", "iat", "exp"],
        });
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
        if (typeof payload.sid !== "string") throw invalid();
        const claims: AccessClaims = { sub: payload.sub!, prj: projectId, sid: payload.sid, roles, iat: payload.iat!, exp: payload.exp! };
        remember(token, claims);
        return claims;
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw new AppError("access_token_expired", 401);
        if (err instanceof AppError) throw err;
        throw invalid();
      }
    },

    /** The project's public keys as a JWK Set; makes the first key when there is none. */
    async jwks(projectId: string, ttlSeconds: number): Promise<{ keys: JWK[] }> {
      let rows = await publishedRows(projectId);
      if (rows.length === 0) {
        await activeKey(projectId, ttlSeconds);
        rows = await publishedRows(projectId);
      }
      return { keys: rows.map((r) => readJson<JWK>(r.public_jwk)) };
    },

    async list(actor: Actor, ref: string): Promise<SigningKeyView[]> {
      const { project } = await ctx.projects.authorize(actor, ref, "auth:configure");
      const rows = await ctx.db
        .selectFrom("auth_signing_keys")
        .select(["id", "algorithm", "active", "created_at", "retired_at", "verify_until"])
        .where("project_id", "=", project.id)
        .orderBy("created_at", "desc")
        .execute();
      return rows.map(toView);
    },

    /**
     * A new active key; the previous ones retire but stay published (and accepted) until every
     * token they signed has expired, so nobody is signed out by a rotation.
     */
    async rotate(actor: Actor, ref: string, ttlSeconds: number): Promise<SigningKeyView> {
      const kid = await ctx.db.transaction().execute(async (trx) => {
        const { project } = await ctx.projects.authorize(actor, ref, "auth:configure", trx);
        const active = await trx
          .selectFrom("auth_signing_keys")
          .select(["id", "max_token_ttl_seconds"])
          .where("project_id", "=", project.id)
          .where("active", "=", true)
          .execute();
        for (const old of active) {
          const verifyUntil = ctx.now() + Number(old.max_token_ttl_seconds) * 1000 + RETIRE_MARGIN_MS;
          await trx
            .updateTable("auth_signing_keys")
            .set({ active: false, retired_at: ctx.iso(), verify_until: ctx.iso(verifyUntil) })
            .where("id", "=", old.id)
            .execute();
        }
        const created = await createKey(project.id, ttlSeconds, trx);
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: "auth.signing_key.rotate",
            target: { kind: "signing_key", id: created },
            data: { retired: active.map((k) => k.id) },
          },
          trx,
        );
        signing.delete(project.id);
        verifying.delete(project.id);
        return created;
      });
      const row = await ctx.db
        .selectFrom("auth_signing_keys")
        .select(["id", "algorithm", "active", "created_at", "retired_at", "verify_until"])
        .where("id", "=", kid)
        .executeTakeFirstOrThrow();
      return toView(row);
    },

    /** Forgets cached keys and tokens of a project (deleted). */
    forget(projectId: string): void {
      signing.delete(projectId);
      verifying.delete(projectId);
      for (const [token, entry] of verified) if (entry.claims.prj === projectId) verified.delete(token);
    },

    /** For tests and metrics: how many verified tokens are remembered. */
    cachedTokens: () => verified.size,
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
