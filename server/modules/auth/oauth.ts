import type { Selectable } from "kysely";
import * as oidc from "openid-client";
import { z } from "zod";
import type { AuthProvidersTable } from "./tables";
import type { Actor, RequestOrigin } from "../../platform/auth/actor";
import { newId } from "../../platform/crypto/tokens";
import { readBool, readJson, readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { AuthContext, ProjectRef } from "./context";
import {
  oauthExchangeInput,
  providerInput,
  providerRef,
  createProviderInput,
  updateProviderInput,
  type ParsedProviderInput,
} from "./schema";
import type { AppUserFlows, SignInResult, UserRow } from "./flows";
import type { AuthSettingsService } from "./settings";

type ProviderRow = Selectable<AuthProvidersTable>;
export type ProviderKind = ParsedProviderInput["kind"];

const STATE_TTL_MS = 10 * 60_000;
const LOGIN_CODE_TTL_MS = 60_000;
const DISCOVERY_CACHE_MS = 3_600_000;
const FETCH_TIMEOUT_MS = 10_000;

export interface ProviderView {
  id: string;
  name: string;
  kind: ProviderKind;
  displayName: string;
  /** OIDC issuer (oidc, google, microsoft); null for GitHub. */
  issuer: string | null;
  clientId: string;
  scopes: string;
  /** Microsoft: `tenant`; GitHub Enterprise: `baseUrl`. */
  options: Record<string, string>;
  enabled: boolean;
  /** Register this as the redirect (callback) URL at the provider. */
  callbackUrl: string;
  createdAt: string;
}

/** What a provider says about the person signing in. */
interface ExternalIdentity {
  subject: string;
  email: string;
  /** Whether the provider vouches that the person controls this address. */
  emailVerified: boolean;
  name: string | null;
}

/**
 * Static metadata of the presets: their endpoints are documented and stable, so no discovery is
 * needed to start a sign-in (and a misconfigured network fails at the callback, not before).
 */
function presetMetadata(kind: ProviderKind, options: Record<string, string>): oidc.ServerMetadata | null {
  switch (kind) {
    case "google":
      return {
        issuer: "https://accounts.google.com",
        authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
        token_endpoint: "https://oauth2.googleapis.com/token",
        jwks_uri: "https://www.googleapis.com/oauth2/v3/certs",
        userinfo_endpoint: "https://openidconnect.googleapis.com/v1/userinfo",
      };
    case "microsoft": {
      const base = `https://login.microsoftonline.com/${options.tenant}`;
      return {
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
      };
    }
    case "github": {
      const base = (options.baseUrl ?? "https://github.com").replace(/\/+$/, "");
      return { issuer: base, authorization_endpoint: `${base}/login/oauth/authorize`, token_endpoint: `${base}/login/oauth/access_token` };
    }
    case "oidc":
      return null;
  }
}

/** GitHub's REST API: api.github.com, or `<base>/api/v3` on GitHub Enterprise Server. */
function githubApi(options: Record<string, string>): string {
  return options.baseUrl ? `${options.baseUrl.replace(/\/+$/, "")}/api/v3` : "https://api.github.com";
}

function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
}

function checkUrl(value: string | undefined, field: string) {
  if (!value) return;
  const url = new URL(value);
  if (url.protocol !== "https:" && !isLoopback(url))
    throw new AppError("oauth_provider_invalid", 400, { reason: `${field} must be https (http only on localhost)` });
}

/**
 * Sign-in with OAuth2/OIDC providers configured per project: any OpenID Connect provider by
 * discovery, presets for Google and Microsoft (OIDC) and GitHub (OAuth2 and its REST API).
 * Authorization code flow with PKCE, state and (OIDC) nonce. The browser returns to the app with a
 * one-time code (never tokens in a URL), which the app exchanges for tokens.
 */
export function createOAuth(ctx: AuthContext, deps: { settings: AuthSettingsService; flows: AppUserFlows }) {
  const discovered = new Map<string, { config: oidc.Configuration; at: number; key: string }>();

  const callbackUrl = (projectId: string) => `${ctx.issuer(projectId)}/oauth/callback`;

  function toView(row: ProviderRow): ProviderView {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind as ProviderKind,
      displayName: row.display_name,
      issuer: row.issuer,
      clientId: row.client_id,
      scopes: row.scopes,
      options: readJson<Record<string, string>>(row.options),
      enabled: readBool(row.enabled),
      callbackUrl: callbackUrl(row.project_id),
      createdAt: readTime(row.created_at),
    };
  }

  function columnsOf(p: ParsedProviderInput) {
    const options: Record<string, string> = {};
    if (p.kind === "microsoft") options.tenant = p.tenant;
    if (p.kind === "github" && p.baseUrl) options.baseUrl = p.baseUrl.replace(/\/+$/, "");
    const issuer = p.kind === "oidc" ? p.issuer.replace(/\/+$/, "") : p.kind === "github" ? null : presetMetadata(p.kind, options)!.issuer!;
    if (p.kind === "oidc") checkUrl(p.issuer, "issuer");
    if (p.kind === "github") checkUrl(p.baseUrl, "baseUrl");
    return {
      name: p.name,
      kind: p.kind,
      display_name: p.displayName,
      issuer,
      client_id: p.clientId,
      scopes: p.scopes,
      options: JSON.stringify(options),
      enabled: p.enabled,
    };
  }

  async function configOf(row: ProviderRow): Promise<oidc.Configuration> {
    const key = `${row.issuer}|${row.client_id}|${row.client_secret}|${JSON.stringify(row.options)}`;
    const hit = discovered.get(row.id);
    if (hit && hit.key === key && Date.now() - hit.at < DISCOVERY_CACHE_MS) return hit.config;
    const secret = ctx.secrets.oauth.open(row.client_secret);
    const options = readJson<Record<string, string>>(row.options);
    const preset = presetMetadata(row.kind as ProviderKind, options);
    let config: oidc.Configuration;
    try {
      if (preset) {
        config = new oidc.Configuration(preset, row.client_id, secret);
        config.timeout = FETCH_TIMEOUT_MS / 1000;
        if (isLoopback(new URL(preset.issuer))) oidc.allowInsecureRequests(config);
      } else {
        const issuer = new URL(row.issuer!);
        config = await oidc.discovery(
          issuer,
          row.client_id,
          secret,
          undefined,
          isLoopback(issuer)
            ? { execute: [oidc.allowInsecureRequests], timeout: FETCH_TIMEOUT_MS / 1000 }
            : { timeout: FETCH_TIMEOUT_MS / 1000 },
        );
      }
    } catch (err) {
      throw new AppError("oauth_failed", 502, { reason: `discovery of ${row.issuer} failed: ${(err as Error).message}`.slice(0, 300) });
    }
    discovered.set(row.id, { config, at: Date.now(), key });
    return config;
  }

  async function providerByName(project: ProjectRef, name: string): Promise<ProviderRow> {
    const row = await ctx.db
      .selectFrom("auth_providers")
      .selectAll()
      .where("project_id", "=", project.id)
      .where("name", "=", name.toLowerCase().slice(0, 40))
      .executeTakeFirst();
    if (!row || !readBool(row.enabled)) throw new AppError("oauth_provider_not_found", 404, { provider: name.slice(0, 40) });
    return row;
  }

  async function githubIdentity(row: ProviderRow, accessToken: string): Promise<ExternalIdentity> {
    const api = githubApi(readJson<Record<string, string>>(row.options));
    const get = async (path: string) => {
      const res = await fetch(`${api}${path}`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: "application/vnd.github+json", "user-agent": "apprun" },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!res.ok) throw new AppError("oauth_failed", 502, { reason: `GitHub ${path} answered ${res.status}` });
      return res.json() as Promise<unknown>;
    };
    const user = z.object({ id: z.number(), login: z.string(), name: z.string().nullable().optional() }).parse(await get("/user"));
    const emails = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() })).parse(await get("/user/emails"));
    const chosen = emails.find((e) => e.primary && e.verified) ?? emails.find((e) => e.verified);
    if (!chosen) throw new AppError("oauth_no_email", 400);
    return { subject: String(user.id), email: chosen.email.toLowerCase(), emailVerified: true, name: user.name ?? user.login };
  }

  function oidcIdentity(kind: ProviderKind, claims: oidc.IDToken): ExternalIdentity {
    // Microsoft often has no `email` claim; its preferred_username is the sign-in name, not a vouched-for address.
    const raw = claims.email ?? (kind === "microsoft" ? claims.preferred_username : undefined);
    const email = typeof raw === "string" ? raw.trim().toLowerCase() : "";
    if (!z.email().safeParse(email).success) throw new AppError("oauth_no_email", 400);
    const verified = kind !== "microsoft" && claims.email_verified === true;
    const name = typeof claims.name === "string" ? claims.name.slice(0, 100) : null;
    return { subject: claims.sub, email, emailVerified: verified, name };
  }

  /**
   * The user an external identity signs in as: the one linked before; else the user with that email
   * when the provider vouches for the address (then linked); else a new user, when sign-up is on.
   */
  async function userFor(project: ProjectRef, row: ProviderRow, identity: ExternalIdentity): Promise<UserRow> {
    const settings = await deps.settings.get(project.id);
    let created = false;
    const found = await ctx.db.transaction().execute(async (trx) => {
      const db = ctx.users(project.id, trx);
      const link = await db
        .selectFrom("identities")
        .select("user_id")
        .where("provider_id", "=", row.id)
        .where("subject", "=", identity.subject)
        .executeTakeFirst();
      if (link) return (await deps.flows.findById(db, link.user_id))!;
      let user = await deps.flows.findByEmail(db, identity.email);
      if (user && !identity.emailVerified) throw new AppError("oauth_link_refused", 409, { email: identity.email });
      if (!user) {
        if (!settings.signUpEnabled) throw new AppError("signup_disabled", 403);
        user = await deps.flows.insertUser(db, {
          email: identity.email,
          name: identity.name ?? undefined,
          emailVerified: identity.emailVerified,
        });
        created = true;
      }
      await db
        .insertInto("identities")
        .values({ provider_id: row.id, subject: identity.subject, user_id: user.id, email: identity.email, created_at: ctx.iso() })
        .execute();
      return user;
    });
    if (created) await ctx.emit(project.id, "user.created", { userId: found.id, email: found.email, method: `oauth:${row.name}` });
    return found;
  }

  return {
    callbackUrl,

    async list(actor: Actor, ref: string): Promise<ProviderView[]> {
      const { project } = await ctx.projects.authorize(actor, ref, "project:read");
      const rows = await ctx.db.selectFrom("auth_providers").selectAll().where("project_id", "=", project.id).orderBy("name").execute();
      return rows.map(toView);
    },

    /** Enabled providers by name, for an app's sign-in page. */
    async publicList(ref: string): Promise<Array<{ name: string; kind: string; displayName: string; startUrl: string }>> {
      const project = await ctx.project(ref);
      const rows = await ctx.db
        .selectFrom("auth_providers")
        .select(["name", "kind", "display_name", "enabled"])
        .where("project_id", "=", project.id)
        .orderBy("name")
        .execute();
      return rows
        .filter((r) => readBool(r.enabled))
        .map((r) => ({
          name: r.name,
          kind: r.kind,
          displayName: r.display_name,
          startUrl: `${ctx.issuer(project.id)}/oauth/${r.name}/start`,
        }));
    },

    async create(actor: Actor, input: unknown): Promise<ProviderView> {
      const { project: ref, provider } = createProviderInput.parse(input);
      if (!provider.clientSecret)
        throw new AppError("invalid_input", 400, {
          summary: "provider.clientSecret: required",
          issues: [{ path: "provider.clientSecret", code: "required", message: "required" }],
        });
      const columns = columnsOf(provider);
      const id = newId("idp");
      await ctx.db.transaction().execute(async (trx) => {
        const { project } = await ctx.projects.authorize(actor, ref, "auth:configure", trx);
        const clash = await trx
          .selectFrom("auth_providers")
          .select("id")
          .where("project_id", "=", project.id)
          .where("name", "=", columns.name)
          .executeTakeFirst();
        if (clash) throw new AppError("oauth_provider_name_taken", 409, { name: columns.name });
        await trx
          .insertInto("auth_providers")
          .values({ id, project_id: project.id, ...columns, client_secret: ctx.secrets.oauth.seal(provider.clientSecret!) })
          .execute();
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: "auth.provider.create",
            target: { kind: "auth_provider", id },
            data: { name: columns.name, kind: columns.kind, issuer: columns.issuer },
          },
          trx,
        );
      });
      return toView((await ctx.db.selectFrom("auth_providers").selectAll().where("id", "=", id).executeTakeFirst())!);
    },

    async update(actor: Actor, input: unknown): Promise<ProviderView> {
      const { project: ref, providerId, provider } = updateProviderInput.parse(input);
      const columns = columnsOf(provider);
      await ctx.db.transaction().execute(async (trx) => {
        const { project } = await ctx.projects.authorize(actor, ref, "auth:configure", trx);
        const row = await trx
          .selectFrom("auth_providers")
          .selectAll()
          .where("project_id", "=", project.id)
          .where("id", "=", providerId)
          .executeTakeFirst();
        if (!row) throw new AppError("oauth_provider_not_found", 404, { provider: providerId });
        if (columns.name !== row.name) {
          const clash = await trx
            .selectFrom("auth_providers")
            .select("id")
            .where("project_id", "=", project.id)
            .where("name", "=", columns.name)
            .executeTakeFirst();
          if (clash) throw new AppError("oauth_provider_name_taken", 409, { name: columns.name });
        }
        await trx
          .updateTable("auth_providers")
          .set({
            ...columns,
            client_secret: provider.clientSecret ? ctx.secrets.oauth.seal(provider.clientSecret) : row.client_secret,
            updated_at: ctx.iso(),
          })
          .where("id", "=", row.id)
          .execute();
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: "auth.provider.update",
            target: { kind: "auth_provider", id: row.id },
            data: { name: columns.name, kind: columns.kind, issuer: columns.issuer, secretChanged: Boolean(provider.clientSecret) },
          },
          trx,
        );
      });
      discovered.delete(providerId);
      return toView((await ctx.db.selectFrom("auth_providers").selectAll().where("id", "=", providerId).executeTakeFirst())!);
    },

    async remove(actor: Actor, input: unknown): Promise<void> {
      const { project: ref, providerId } = providerRef.parse(input);
      await ctx.db.transaction().execute(async (trx) => {
        const { project } = await ctx.projects.authorize(actor, ref, "auth:configure", trx);
        const result = await trx
          .deleteFrom("auth_providers")
          .where("project_id", "=", project.id)
          .where("id", "=", providerId)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) !== 1) throw new AppError("oauth_provider_not_found", 404, { provider: providerId });
        await ctx.users(project.id, trx).deleteFrom("identities").where("provider_id", "=", providerId).execute();
        await ctx.audit.record(
          actor,
          { projectId: project.id, action: "auth.provider.delete", target: { kind: "auth_provider", id: providerId } },
          trx,
        );
      });
      discovered.delete(providerId);
    },

    /** Step one: where to send the browser. State, nonce and PKCE verifier wait server-side for ten minutes. */
    async start(ref: string, providerName: string, redirectTo: string | undefined): Promise<string> {
      const project = await ctx.project(ref);
      const row = await providerByName(project, providerName);
      const target = deps.settings.redirectTarget(await deps.settings.get(project.id), redirectTo);
      const config = await configOf(row);
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = row.kind === "github" ? null : oidc.randomNonce();
      const { secret: state } = await deps.flows.issueOneTime(ctx.users(project.id), "oauth_state", STATE_TTL_MS, {
        data: { providerId: row.id, verifier, nonce, redirectTo: target },
      });
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: callbackUrl(project.id),
        scope: row.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        ...(nonce ? { nonce } : {}),
      });
      return url.href;
    },

    /**
     * Step two, on the callback: checks the state, exchanges the code, reads the identity, finds,
     * links or creates the user, and returns where to send the browser: the app's page with a
     * one-time `code` (or `error=<code>` when it failed after the state was known).
     */
    async callback(ref: string, callback: URL): Promise<string> {
      const project = await ctx.project(ref);
      const db = ctx.users(project.id);
      const state = callback.searchParams.get("state") ?? "";
      const used = await deps.flows.useOneTime(db, "oauth_state", state.slice(0, 200));
      const saved = used.data as { providerId: string; verifier: string; nonce: string | null; redirectTo: string };
      const back = (params: Record<string, string>) => {
        const url = new URL(saved.redirectTo);
        for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
        return url.href;
      };
      try {
        const error = callback.searchParams.get("error");
        if (error)
          throw new AppError("oauth_failed", 400, {
            reason: `${error}: ${callback.searchParams.get("error_description") ?? ""}`.slice(0, 300),
          });
        const row = await ctx.db
          .selectFrom("auth_providers")
          .selectAll()
          .where("project_id", "=", project.id)
          .where("id", "=", saved.providerId)
          .executeTakeFirst();
        if (!row || !readBool(row.enabled)) throw new AppError("oauth_provider_not_found", 404, { provider: saved.providerId });
        const config = await configOf(row);
        const current = new URL(callbackUrl(project.id));
        current.search = callback.search;
        let identity: ExternalIdentity;
        try {
          const tokens = await oidc.authorizationCodeGrant(config, current, {
            pkceCodeVerifier: saved.verifier,
            expectedState: state,
            ...(saved.nonce ? { expectedNonce: saved.nonce, idTokenExpected: true } : {}),
          });
          if (row.kind === "github") identity = await githubIdentity(row, tokens.access_token);
          else {
            const claims = tokens.claims();
            if (!claims) throw new AppError("oauth_failed", 400, { reason: "no ID token" });
            identity = oidcIdentity(row.kind as ProviderKind, claims);
          }
        } catch (err) {
          if (err instanceof AppError) throw err;
          throw new AppError("oauth_failed", 400, { reason: (err as Error).message.slice(0, 300) });
        }
        const user = await userFor(project, row, identity);
        if (user.disabled_at) throw new AppError("app_user_disabled", 403);
        const { secret } = await deps.flows.issueOneTime(db, "oauth_login", LOGIN_CODE_TTL_MS, {
          userId: user.id,
          data: { provider: row.name },
        });
        return back({ code: secret });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return back({ error: err.code });
      }
    },

    /** Step three, from the app: the one-time code becomes tokens (or an MFA challenge). */
    async exchange(ref: string, input: unknown, origin: RequestOrigin): Promise<SignInResult> {
      const { code } = oauthExchangeInput.parse(input);
      const project = await ctx.project(ref);
      const db = ctx.users(project.id);
      const used = await deps.flows.useOneTime(db, "oauth_login", code);
      const user = await deps.flows.findById(db, used.user_id!);
      if (!user) throw new AppError("token_invalid", 400, { kind: "oauth_login" });
      const provider = (used.data as { provider: string }).provider;
      return deps.flows.completeSignIn(project, user, `oauth:${provider}`, origin);
    },

    /** The parsed provider input, for callers that validate before sending (console forms). */
    parse: (input: unknown) => providerInput.parse(input),
  };
}

export type OAuthService = ReturnType<typeof createOAuth>;
