import type { Kysely, Selectable } from "kysely";
import * as oidc from "openid-client";
import { z } from "zod";
import type { SsoProvidersTable, AccountsTables } from "./tables";
import type { Actor, RequestOrigin } from "../../platform/auth/actor";
import type { SecretBox } from "../../platform/crypto/secret-box";
import { hashToken, newId, randomToken } from "../../platform/crypto/tokens";
import { readBool, readJson, readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { AuditService } from "../audit/service";
import { ssoProviderInput, type SsoProviderInput } from "./schema";
import { accountActor, toAccountView, type AccountsService, type IssuedSession } from "./service";

type Db = Kysely<AccountsTables>;
type ProviderRow = Selectable<SsoProvidersTable>;

export { ssoProviderInput, type SsoProviderInput } from "./schema";

export interface SsoProviderView {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  scopes: string;
  claimMapping: { email: string; name: string };
  allowedDomains: string[];
  jitProvisioning: boolean;
  defaultProjectId: string | null;
  defaultRole: string | null;
  enabled: boolean;
  createdAt: string;
}

function toView(row: ProviderRow): SsoProviderView {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    scopes: row.scopes,
    claimMapping: readJson(row.claim_mapping),
    allowedDomains: readJson(row.allowed_domains),
    jitProvisioning: readBool(row.jit_provisioning),
    defaultProjectId: row.default_project_id,
    defaultRole: row.default_role,
    enabled: readBool(row.enabled),
    createdAt: readTime(row.created_at),
  };
}

function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
}

/** A path inside the console, never an absolute URL: no open redirects. */
export function safeRedirect(target: string | undefined): string {
  if (!target || !target.startsWith("/") || target.startsWith("//") || target.includes("\\")) return "/";
  return target.slice(0, 500);
}

/**
 * Enterprise single sign-on for console accounts through any OpenID Connect provider:
 * authorization code flow with PKCE, state and nonce; claims mapped to email and name; optional
 * domain allow-list; just-in-time provisioning into a default project role.
 */
export function createSsoService(deps: {
  db: Db;
  secrets: SecretBox;
  accounts: AccountsService;
  audit: AuditService;
  publicUrl: string;
  /** Adds a just-provisioned account to a project (the projects module). */
  joinProject?: (projectId: string, accountId: string, role: string) => Promise<void>;
  clock?: () => number;
}) {
  const { db } = deps;
  const now = deps.clock ?? Date.now;
  const callbackUrl = `${deps.publicUrl}/api/v1/admin/sso/callback`;
  const discovered = new Map<string, { config: oidc.Configuration; at: number; key: string }>();

  async function requireProvider(id: string, trx: Db = db): Promise<ProviderRow> {
    const row = await trx.selectFrom("sso_providers").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new AppError("sso_provider_not_found", 404);
    return row;
  }

  /** Discovery results are kept for an hour per provider and refreshed when its settings change. */
  async function configOf(row: ProviderRow): Promise<oidc.Configuration> {
    const key = `${row.issuer}|${row.client_id}|${row.client_secret}`;
    const hit = discovered.get(row.id);
    if (hit && hit.key === key && now() - hit.at < 3_600_000) return hit.config;
    const issuer = new URL(row.issuer);
    try {
      const config = await oidc.discovery(
        issuer,
        row.client_id,
        deps.secrets.open(row.client_secret),
        undefined,
        isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      discovered.set(row.id, { config, at: now(), key });
      return config;
    } catch (err) {
      throw new AppError("sso_failed", 502, { reason: `discovery of ${row.issuer} failed: ${(err as Error).message}`.slice(0, 300) });
    }
  }

  function checkIssuer(issuer: string) {
    const url = new URL(issuer);
    if (url.protocol !== "https:" && !isLoopback(url))
      throw new AppError("invalid_input", 400, { summary: "issuer: must be https (http only on localhost)" });
  }

  return {
    async list(): Promise<SsoProviderView[]> {
      const rows = await db.selectFrom("sso_providers").selectAll().orderBy("name").execute();
      return rows.map(toView);
    },

    /** What the sign-in page shows: enabled providers by name. */
    async publicList(): Promise<Array<{ id: string; name: string }>> {
      const rows = await db.selectFrom("sso_providers").select(["id", "name", "enabled"]).orderBy("name").execute();
      return rows.filter((r) => readBool(r.enabled)).map((r) => ({ id: r.id, name: r.name }));
    },

    async create(input: SsoProviderInput, actor: Actor): Promise<SsoProviderView> {
      const p = ssoProviderInput.parse(input);
      checkIssuer(p.issuer);
      if (!p.clientSecret) throw new AppError("invalid_input", 400, { summary: "clientSecret: required" });
      const id = newId("sso");
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("sso_providers")
          .values({
            id,
            name: p.name,
            issuer: p.issuer,
            client_id: p.clientId,
            client_secret: deps.secrets.seal(p.clientSecret!),
            scopes: p.scopes,
            claim_mapping: JSON.stringify(p.claimMapping),
            allowed_domains: JSON.stringify(p.allowedDomains),
            jit_provisioning: p.jitProvisioning,
            default_project_id: p.defaultProjectId,
            default_role: p.defaultRole,
            enabled: p.enabled,
          })
          .execute();
        await deps.audit.record(
          actor,
          {
            projectId: null,
            action: "sso.provider.create",
            target: { kind: "sso_provider", id },
            data: { name: p.name, issuer: p.issuer },
          },
          trx,
        );
      });
      return toView(await requireProvider(id));
    },

    async update(id: string, input: SsoProviderInput, actor: Actor): Promise<SsoProviderView> {
      const p = ssoProviderInput.parse(input);
      checkIssuer(p.issuer);
      await db.transaction().execute(async (trx) => {
        const row = await requireProvider(id, trx);
        await trx
          .updateTable("sso_providers")
          .set({
            name: p.name,
            issuer: p.issuer,
            client_id: p.clientId,
            client_secret: p.clientSecret ? deps.secrets.seal(p.clientSecret) : row.client_secret,
            scopes: p.scopes,
            claim_mapping: JSON.stringify(p.claimMapping),
            allowed_domains: JSON.stringify(p.allowedDomains),
            jit_provisioning: p.jitProvisioning,
            default_project_id: p.defaultProjectId,
            default_role: p.defaultRole,
            enabled: p.enabled,
            updated_at: new Date(now()).toISOString(),
          })
          .where("id", "=", id)
          .execute();
        await deps.audit.record(
          actor,
          {
            projectId: null,
            action: "sso.provider.update",
            target: { kind: "sso_provider", id },
            data: { name: p.name, issuer: p.issuer, secretChanged: Boolean(p.clientSecret) },
          },
          trx,
        );
      });
      discovered.delete(id);
      return toView(await requireProvider(id));
    },

    async remove(id: string, actor: Actor): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await requireProvider(id, trx);
        await trx.deleteFrom("sso_providers").where("id", "=", id).execute();
        await deps.audit.record(actor, { projectId: null, action: "sso.provider.delete", target: { kind: "sso_provider", id } }, trx);
      });
      discovered.delete(id);
    },

    /** Step one: where to send the browser. State, nonce and the PKCE verifier wait server-side for ten minutes. */
    async start(providerId: string, redirectTo: string | undefined): Promise<string> {
      const row = await requireProvider(providerId);
      if (!readBool(row.enabled)) throw new AppError("sso_provider_not_found", 404);
      const config = await configOf(row);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = randomToken();
      const nonce = oidc.randomNonce();
      await db
        .insertInto("account_tokens")
        .values({
          id: newId("tok"),
          kind: "sso_state",
          token_hash: hashToken(state),
          account_id: null,
          email: null,
          data: JSON.stringify({ providerId, verifier, nonce, redirectTo: safeRedirect(redirectTo) }),
          expires_at: new Date(now() + 600_000).toISOString(),
          used_at: null,
        })
        .execute();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: callbackUrl,
        scope: row.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      return url.href;
    },

    /**
     * Step two, on the callback: exchanges the code, checks the ID token, maps the claims, finds
     * or provisions the account and opens a session.
     */
    async complete(callback: URL, origin: RequestOrigin): Promise<{ session: IssuedSession; redirectTo: string }> {
      const state = callback.searchParams.get("state") ?? "";
      const stateRow = await db.selectFrom("account_tokens").selectAll().where("token_hash", "=", hashToken(state)).executeTakeFirst();
      if (!stateRow || stateRow.kind !== "sso_state" || stateRow.used_at || Date.parse(readTime(stateRow.expires_at)) <= now())
        throw new AppError("token_invalid", 400, { kind: "sso_state" });
      await db
        .updateTable("account_tokens")
        .set({ used_at: new Date(now()).toISOString() })
        .where("id", "=", stateRow.id)
        .execute();
      const saved = readJson<{ providerId: string; verifier: string; nonce: string; redirectTo: string }>(stateRow.data);
      const error = callback.searchParams.get("error");
      if (error)
        throw new AppError("sso_failed", 400, {
          reason: `${error}: ${callback.searchParams.get("error_description") ?? ""}`.slice(0, 300),
        });

      const row = await requireProvider(saved.providerId);
      const provider = toView(row);
      const config = await configOf(row);
      const current = new URL(callbackUrl);
      current.search = callback.search;
      let claims: Record<string, unknown> & { sub: string };
      try {
        const tokens = await oidc.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: saved.verifier,
          expectedState: state,
          expectedNonce: saved.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims();
        if (!idToken) throw new Error("no ID token");
        claims = { ...idToken };
        // Providers may keep profile claims out of the ID token when they issue an access token (OIDC Core 5.4); ask UserInfo then.
        if (claims[provider.claimMapping.email] === undefined || claims[provider.claimMapping.name] === undefined) {
          const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
          claims = { ...userInfo, ...claims };
        }
      } catch (err) {
        throw new AppError("sso_failed", 400, { reason: (err as Error).message.slice(0, 300) });
      }

      const email = String(claims[provider.claimMapping.email] ?? "")
        .trim()
        .toLowerCase();
      const name =
        String(claims[provider.claimMapping.name] ?? email.split("@")[0] ?? "")
          .trim()
          .slice(0, 100) || email;
      if (!z.email().safeParse(email).success)
        throw new AppError("sso_failed", 400, { reason: `claim ${provider.claimMapping.email} is not an email` });
      const domain = email.split("@")[1]!;
      if (provider.allowedDomains.length > 0 && !provider.allowedDomains.includes(domain))
        throw new AppError("sso_domain_not_allowed", 403, { domain });

      const identity = await db
        .selectFrom("account_identities")
        .select("account_id")
        .where("provider_id", "=", row.id)
        .where("subject", "=", claims.sub)
        .executeTakeFirst();
      let accountId = identity?.account_id;
      if (!accountId) {
        const existing = await deps.accounts.findByEmail(email);
        if (existing) {
          // Linking by email is safe because the provider is configured by an instance admin and its domain is trusted.
          accountId = existing.id;
        } else {
          if (!provider.jitProvisioning) throw new AppError("sso_no_account", 403);
          accountId = await db.transaction().execute(async (trx) => {
            const account = await deps.accounts.insertAccount(trx, { email, name, emailVerified: true });
            await deps.audit.record(
              accountActor(toAccountView(account), null),
              {
                projectId: null,
                action: "account.provision",
                target: { kind: "account", id: account.id },
                data: { provider: provider.name },
              },
              trx,
            );
            return account.id;
          });
          if (provider.defaultProjectId && provider.defaultRole && deps.joinProject)
            await deps.joinProject(provider.defaultProjectId, accountId, provider.defaultRole);
        }
        await db
          .insertInto("account_identities")
          .values({ provider_id: row.id, subject: claims.sub, account_id: accountId, email })
          .onConflict((oc) => oc.columns(["provider_id", "subject"]).doNothing())
          .execute();
      }
      const account = await deps.accounts.get(accountId);
      if (account.disabled) throw new AppError("account_disabled", 403);
      const session = await deps.accounts.issueSession(accountId, origin, "sso");
      await deps.audit.record(accountActor(account, null), {
        projectId: null,
        action: "account.sign_in",
        target: { kind: "account", id: accountId },
        data: { method: "sso", provider: provider.name },
        ip: origin.ip,
      });
      return { session, redirectTo: saved.redirectTo };
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
