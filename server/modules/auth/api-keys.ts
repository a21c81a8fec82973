import crypto from "node:crypto";
import type { Actor } from "../../platform/auth/actor";
import { hashToken, newId, randomToken } from "../../platform/crypto/tokens";
import { readJson, readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { AuthContext } from "./context";
import { apiKeyRef, createApiKeyInput } from "./schema";

export type ApiKeyActor = Extract<Actor, { kind: "apiKey" }>;

export interface ApiKeyView {
  id: string;
  name: string;
  /** The public part, to recognise a key in logs and lists: `ar_<prefix>_…`. */
  prefix: string;
  permissions: string[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdBy: string;
  createdAt: string;
}

const KEY_FORMAT = /^ar_([0-9a-z]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
/** `last_used_at` is written at most this often per key, not on every request. */
const TOUCH_MS = 60_000;

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith("ar_");
}

/**
 * Service-account keys of a project: named, scoped with permissions from the project catalog,
 * optional expiry, shown once, stored as a hash, revocable, with a last-used time. A key acts as
 * an `apiKey` actor and is authorized through `projects.authorize` like any member.
 */
export function createApiKeys(ctx: AuthContext) {
  type Row = {
    id: string;
    name: string;
    prefix: string;
    permissions: unknown;
    expires_at: unknown;
    last_used_at: unknown;
    revoked_at: unknown;
    created_by: string;
    created_at: unknown;
  };
  const toView = (r: Row): ApiKeyView => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    permissions: readJson<string[]>(r.permissions),
    expiresAt: r.expires_at ? readTime(r.expires_at) : null,
    lastUsedAt: r.last_used_at ? readTime(r.last_used_at) : null,
    revokedAt: r.revoked_at ? readTime(r.revoked_at) : null,
    createdBy: r.created_by,
    createdAt: readTime(r.created_at),
  });
  const columns = ["id", "name", "prefix", "permissions", "expires_at", "last_used_at", "revoked_at", "created_by", "created_at"] as const;

  return {
    async list(actor: Actor, ref: string): Promise<ApiKeyView[]> {
      const { project } = await ctx.projects.authorize(actor, ref, "keys:read");
      const rows = await ctx.db
        .selectFrom("api_keys")
        .select(columns)
        .where("project_id", "=", project.id)
        .orderBy("created_at", "desc")
        .execute();
      return rows.map(toView);
    },

    /**
     * A new key; the secret is in the answer and nowhere else. A key holds only permissions its
     * creator holds, so nobody mints more power than they have.
     */
    async create(actor: Actor, input: unknown): Promise<{ key: ApiKeyView; secret: string }> {
      const parsed = createApiKeyInput.parse(input);
      const permissions = ctx.projects.checkPermissions(parsed.permissions);
      if (parsed.expiresAt && Date.parse(parsed.expiresAt) <= ctx.now()) {
        throw new AppError("invalid_input", 400, {
          summary: "expiresAt: must be in the future",
          issues: [{ path: "expiresAt", code: "too_small", message: "must be in the future" }],
        });
      }
      const prefix = Array.from(crypto.randomBytes(12), (b) => PREFIX_ALPHABET[b % 36]).join("");
      const secret = randomToken();
      const id = newId("key");
      await ctx.db.transaction().execute(async (trx) => {
        const access = await ctx.projects.authorize(actor, parsed.project, "keys:manage", trx);
        for (const permission of permissions) {
          if (!access.permissions.has(permission)) throw new AppError("permission_not_held", 403, { permission });
        }
        await trx
          .insertInto("api_keys")
          .values({
            id,
            project_id: access.project.id,
            name: parsed.name,
            prefix,
            secret_hash: hashToken(secret),
            permissions: JSON.stringify(parsed.permissions),
            expires_at: parsed.expiresAt ? new Date(parsed.expiresAt).toISOString() : null,
            last_used_at: null,
            revoked_at: null,
            created_by: actor.kind === "account" ? actor.email : actor.kind === "apiKey" ? `key:${actor.name}` : "system",
            created_at: ctx.iso(),
          })
          .execute();
        await ctx.audit.record(
          actor,
          {
            projectId: access.project.id,
            action: "api_key.create",
            target: { kind: "api_key", id },
            data: { name: parsed.name, prefix, permissions: parsed.permissions, expiresAt: parsed.expiresAt },
          },
          trx,
        );
      });
      const row = await ctx.db.selectFrom("api_keys").select(columns).where("id", "=", id).executeTakeFirstOrThrow();
      return { key: toView(row), secret: `ar_${prefix}_${secret}` };
    },

    async revoke(actor: Actor, input: unknown): Promise<void> {
      const parsed = apiKeyRef.parse(input);
      await ctx.db.transaction().execute(async (trx) => {
        const { project } = await ctx.projects.authorize(actor, parsed.project, "keys:manage", trx);
        const result = await trx
          .updateTable("api_keys")
          .set({ revoked_at: ctx.iso() })
          .where("project_id", "=", project.id)
          .where("id", "=", parsed.keyId)
          .where("revoked_at", "is", null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw new AppError("api_key_not_found", 404);
        await ctx.audit.record(
          actor,
          { projectId: project.id, action: "api_key.revoke", target: { kind: "api_key", id: parsed.keyId } },
          trx,
        );
      });
    },

    /**
     * The actor a presented key stands for. Looked up by its public prefix; the secret's hash is
     * compared in constant time. 401 `api_key_invalid`, `api_key_revoked` or `api_key_expired`.
     */
    async verify(token: string): Promise<ApiKeyActor> {
      const match = KEY_FORMAT.exec(token);
      if (!match) throw new AppError("api_key_invalid", 401);
      const [, prefix, secret] = match;
      const row = await ctx.db.selectFrom("api_keys").selectAll().where("prefix", "=", prefix!).executeTakeFirst();
      const expected = Buffer.from(row?.secret_hash ?? hashToken("no such key"));
      const matches = crypto.timingSafeEqual(expected, Buffer.from(hashToken(secret!)));
      if (!row || !matches) throw new AppError("api_key_invalid", 401);
      if (row.revoked_at) throw new AppError("api_key_revoked", 401);
      if (row.expires_at && Date.parse(readTime(row.expires_at)) <= ctx.now()) throw new AppError("api_key_expired", 401);
      if (!row.last_used_at || Date.parse(readTime(row.last_used_at)) + TOUCH_MS <= ctx.now()) {
        await ctx.db.updateTable("api_keys").set({ last_used_at: ctx.iso() }).where("id", "=", row.id).execute();
      }
      return {
        kind: "apiKey",
        id: row.id,
        projectId: row.project_id,
        name: row.name,
        // A permission no module declares any more (a module removed) grants nothing.
        permissions: readJson<string[]>(row.permissions).filter((p) => ctx.projects.checkPermissions.known(p)),
      };
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeys>;
