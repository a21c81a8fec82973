import crypto from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { restClient } from "./test-helpers";

const PASSWORD = "correct horse battery";
const SITE = "https://app.example.com/auth";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * A browser: follows redirects by hand, keeps the identity provider's cookies, and submits the
 * provider's login and consent forms, until the provider sends it back to apprun's callback.
 */
async function browseToCallback(start: string, callbackPrefix: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = start;
  let method = "GET";
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(callbackPrefix)) return new URL(url);
    const res = await fetch(url, {
      method,
      body,
      redirect: "manual",
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    method = "GET";
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location")!, url).href;
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action) throw new Error(`unexpected page at ${url}: ${res.status} ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields.set(m[1]!, m[2]!);
    if (fields.get("prompt") === "login") {
      fields.set("login", login);
      fields.set("password", "any");
    }
    url = new URL(action.replace(/&amp;/g, "&"), url).href;
    method = "POST";
    body = fields.toString();
  }
  throw new Error("too many redirects");
}

/**
 * A stand-in for GitHub Enterprise Server at a loopback address, speaking GitHub's documented
 * OAuth web flow (`/login/oauth/authorize`, `/login/oauth/access_token`) and REST API
 * (`/api/v3/user`, `/api/v3/user/emails`), with client-secret and PKCE checks. It is not GitHub:
 * it shows apprun's side of the exchange is right for that contract, not that github.com agrees.
 */
async function startGithubStandIn(
  clientId: string,
  clientSecret: string,
  user: { id: number; login: string; name: string; emails: Array<{ email: string; primary: boolean; verified: boolean }> },
) {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const tokens = new Set<string>();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, "http://x");
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      if (url.searchParams.get("client_id") !== clientId) return json(400, { error: "unknown client" });
      const code = crypto.randomBytes(10).toString("hex");
      codes.set(code, { challenge: url.searchParams.get("code_challenge") ?? "", redirectUri: url.searchParams.get("redirect_uri")! });
      const back = new URL(url.searchParams.get("redirect_uri")!);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state")!);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      const basic = req.headers.authorization?.startsWith("Basic ")
        ? Buffer.from(req.headers.authorization.slice(6), "base64").toString().split(":").map(decodeURIComponent)
        : null;
      const [id, secret] = basic ?? [form.get("client_id"), form.get("client_secret")];
      const grant = codes.get(form.get("code") ?? "");
      if (id !== clientId || secret !== clientSecret) return json(200, { error: "incorrect_client_credentials" });
      const verifier = form.get("code_verifier") ?? "";
      if (
        !grant ||
        crypto.createHash("sha256").update(verifier).digest("base64url") !== grant.challenge ||
        form.get("redirect_uri") !== grant.redirectUri
      )
        return json(200, { error: "bad_verification_code" });
      codes.delete(form.get("code")!);
      const token = `gho_${crypto.randomBytes(12).toString("hex")}`;
      tokens.add(token);
      return json(200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    if (!tokens.has(bearer)) return json(401, { message: "Bad credentials" });
    if (url.pathname === "/api/v3/user") return json(200, { id: user.id, login: user.login, name: user.name });
    if (url.pathname === "/api/v3/user/emails") return json(200, user.emails);
    return json(404, { message: "Not Found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.each(DATABASE_KINDS)("OAuth and OIDC sign-in on %s", (kind) => {
  let t: TestApp;
  let owner: ConsoleClient;
  let projectId: string;
  let idp: http.Server;
  let idpUrl: string;
  let callbackUrl: string;
  let github: Awaited<ReturnType<typeof startGithubStandIn>>;
  const accounts: Record<string, { email: string; email_verified: boolean; name: string }> = {
    alice: { email: "alice@corp.example", email_verified: true, name: "Alice Corp" },
    bob: { email: "bob@corp.example", email_verified: true, name: "Bob Corp" },
    mallory: { email: "victim@corp.example", email_verified: false, name: "Not Victim" },
    newbie: { email: "newbie@corp.example", email_verified: true, name: "New" },
  };

  beforeAll(async () => {
    const appPort = await freePort();
    t = await startTestApp(kind, { config: { port: appPort, publicUrl: `http://127.0.0.1:${appPort}`, trustProxy: true } });
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Olga Owner", password: PASSWORD });
    projectId = (await owner.trpc.projects.create.mutate({ name: "Corp app", slug: "corp" })).id;
    await owner.trpc.auth.settings.update.mutate({ project: "corp", siteUrl: SITE });
    callbackUrl = `${t.baseUrl}/api/v1/projects/${projectId}/auth/oauth/callback`;

    const idpPort = await freePort();
    idpUrl = `http://127.0.0.1:${idpPort}`;
    const provider = new Provider(idpUrl, {
      clients: [
        {
          client_id: "apprun-corp",
          client_secret: "idp-client-secret",
          redirect_uris: [callbackUrl],
          grant_types: ["authorization_code"],
          response_types: ["code"],
        },
      ],
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      findAccount: async (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: async () => ({ sub, ...(accounts[sub] ?? { email: `${sub}@corp.example`, email_verified: true, name: sub }) }),
      }),
      cookies: { keys: ["a cookie signing key for tests"] },
      // ID tokens carry the claims (no userinfo round trip needed by the relying party).
      conformIdTokenClaims: false,
    });
    idp = provider.listen(idpPort);
    await owner.trpc.auth.providers.create.mutate({
      project: "corp",
      provider: {
        kind: "oidc",
        name: "corp-sso",
        displayName: "Corp SSO",
        issuer: idpUrl,
        clientId: "apprun-corp",
        clientSecret: "idp-client-secret",
      },
    });

    github = await startGithubStandIn("gh-client", "gh-client-secret", {
      id: 4242,
      login: "octo",
      name: "Octo Cat",
      emails: [
        { email: "octo@old.example", primary: false, verified: false },
        { email: "Octo@Users.example", primary: true, verified: true },
      ],
    });
    await owner.trpc.auth.providers.create.mutate({
      project: "corp",
      provider: {
        kind: "github",
        name: "github",
        displayName: "GitHub Enterprise",
        clientId: "gh-client",
        clientSecret: "gh-client-secret",
        baseUrl: github.url,
      },
    });
  });
  afterAll(async () => {
    await new Promise<void>((r) => (idp ? idp.close(() => r()) : r()));
    await github?.close();
    await t?.close();
  });

  async function signInWith(provider: string, login: string, ip: string) {
    const api = restClient(t, ip);
    const start = await api.get(`/api/v1/projects/corp/auth/oauth/${provider}/start?redirect_to=${encodeURIComponent(`${SITE}/done`)}`);
    expect(start.status).toBe(302);
    const callback = await browseToCallback(start.headers.get("location")!, callbackUrl, login);
    const back = await api.get(`${callback.pathname}${callback.search}`);
    expect(back.status).toBe(302);
    return { api, back: new URL(back.headers.get("location")!) };
  }

  it("signs in through a real OpenID provider: code flow with PKCE, state and nonce; the app exchanges a one-time code", async () => {
    const { api, back } = await signInWith("corp-sso", "alice", "10.2.0.1");
    expect(`${back.origin}${back.pathname}`).toBe(`${SITE}/done`);
    expect(back.searchParams.get("error")).toBeNull();
    const code = back.searchParams.get("code")!;
    const tokens = await api.post("/api/v1/projects/corp/auth/oauth/exchange", { code });
    expect(tokens.body).toMatchObject({
      status: "signed_in",
      user: { email: "alice@corp.example", name: "Alice Corp", emailVerified: true, hasPassword: false },
    });
    expect((await api.post("/api/v1/projects/corp/auth/oauth/exchange", { code })).body.error.code).toBe("token_invalid");
    const sessions = await api.get("/api/v1/projects/corp/auth/sessions", tokens.body.accessToken);
    expect(sessions.body[0].authMethod).toBe("oauth:corp-sso");

    // The same identity signs in as the same user.
    const again = await signInWith("corp-sso", "alice", "10.2.0.1");
    const second = await again.api.post("/api/v1/projects/corp/auth/oauth/exchange", { code: again.back.searchParams.get("code") });
    expect(second.body.user.id).toBe(tokens.body.user.id);
    const detail = await owner.trpc.auth.users.get.query({ project: "corp", userId: tokens.body.user.id });
    expect(detail.identities).toHaveLength(1);
  });

  it("links a provider-verified email to the existing user, and refuses an unverified one", async () => {
    const api = restClient(t, "10.2.0.2");
    const bob = await api.post("/api/v1/projects/corp/auth/sign-up", { email: "bob@corp.example", password: PASSWORD });
    const linked = await signInWith("corp-sso", "bob", "10.2.0.2");
    const exchanged = await linked.api.post("/api/v1/projects/corp/auth/oauth/exchange", { code: linked.back.searchParams.get("code") });
    expect(exchanged.body.user.id).toBe(bob.body.user.id);

    await api.post("/api/v1/projects/corp/auth/sign-up", { email: "victim@corp.example", password: PASSWORD });
    const refused = await signInWith("corp-sso", "mallory", "10.2.0.2");
    expect(refused.back.searchParams.get("error")).toBe("oauth_link_refused");
    expect(refused.back.searchParams.get("code")).toBeNull();
  });

  it("creates new users only while sign-up is on", async () => {
    await owner.trpc.auth.settings.update.mutate({ project: "corp", signUpEnabled: false });
    try {
      const closed = await signInWith("corp-sso", "newbie", "10.2.0.3");
      expect(closed.back.searchParams.get("error")).toBe("signup_disabled");
      expect(await owner.trpc.auth.users.list.query({ project: "corp", search: "newbie" })).toEqual([]);
    } finally {
      await owner.trpc.auth.settings.update.mutate({ project: "corp", signUpEnabled: true });
    }
  });

  it("refuses a replayed callback and a forged state", async () => {
    const api = restClient(t, "10.2.0.4");
    const start = await api.get(`/api/v1/projects/corp/auth/oauth/corp-sso/start`);
    const callback = await browseToCallback(start.headers.get("location")!, callbackUrl, "alice");
    expect((await api.get(`${callback.pathname}${callback.search}`)).status).toBe(302);
    expect((await api.get(`${callback.pathname}${callback.search}`)).body.error.code).toBe("token_invalid");
    const forged = new URL(callback);
    forged.searchParams.set("state", "x".repeat(43));
    expect((await api.get(`${forged.pathname}${forged.search}`)).body.error.code).toBe("token_invalid");
  });

  it("signs in with GitHub's OAuth flow and REST API (GitHub Enterprise stand-in), using the primary verified email", async () => {
    const { api, back } = await signInWith("github", "octo", "10.2.0.5");
    expect(back.searchParams.get("error")).toBeNull();
    const tokens = await api.post("/api/v1/projects/corp/auth/oauth/exchange", { code: back.searchParams.get("code") });
    expect(tokens.body).toMatchObject({
      status: "signed_in",
      user: { email: "octo@users.example", name: "Octo Cat", emailVerified: true },
    });
    const again = await signInWith("github", "octo", "10.2.0.5");
    expect(
      (await again.api.post("/api/v1/projects/corp/auth/oauth/exchange", { code: again.back.searchParams.get("code") })).body.user.id,
    ).toBe(tokens.body.user.id);
  });
});
