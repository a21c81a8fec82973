import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, base64url } from "jose";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base32Decode, hotp, totpStep } from "../../platform/crypto/totp";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { linkIn, startSmtpListener, type SmtpListener } from "../../testing/smtp";
import { dropProjectNamespace, projectNamespace } from "../../platform/db/project-namespace";
import { authDb } from "./storage";
import { restClient } from "./test-helpers";

const PASSWORD = "correct horse battery";
const SITE = "https://app.example.com/auth";
const MINUTE = 60_000;

describe.each(DATABASE_KINDS)("app users on %s", (kind) => {
  let t: TestApp;
  let smtp: SmtpListener;
  let owner: ConsoleClient;
  let shop: string;
  let blog: string;
  let offset = 0;
  const clock = () => Date.now() + offset;
  const auth = (project = "shop") => `/api/v1/projects/${project}/auth`;
  /** The shop's own auth tables, read directly (to check what is stored at rest). */
  const users = () => authDb(t.app.database.db as Kysely<unknown>, kind, shop);

  async function signUp(email: string, ip = "10.1.0.1", project = "shop") {
    const res = await restClient(t, ip).post(`${auth(project)}/sign-up`, { email, password: PASSWORD });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { accessToken: string; refreshToken: string; user: { id: string } };
  }

  async function signIn(email: string, ip = "10.1.0.2", password = PASSWORD) {
    const res = await restClient(t, ip).post(`${auth()}/sign-in`, { email, password });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { status: string; accessToken: string; refreshToken: string; challenge?: string };
  }

  beforeAll(async () => {
    smtp = await startSmtpListener();
    t = await startTestApp(kind, { clock, config: { trustProxy: true } });
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Olga Owner", password: PASSWORD });
    await owner.trpc.instance.updateSmtp.mutate({
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      fromAddress: "apprun@example.com",
      fromName: "apprun",
    });
    shop = (await owner.trpc.projects.create.mutate({ name: "Shop", slug: "shop" })).id;
    blog = (await owner.trpc.projects.create.mutate({ name: "Blog", slug: "blog" })).id;
    await owner.trpc.auth.settings.update.mutate({ project: "shop", siteUrl: SITE });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("signs up and in; the access token is an EdDSA JWT with sub, prj, roles, sid and iss, verifiable offline from the JWKS", async () => {
    const api = restClient(t, "10.1.1.1");
    const created = await signUp("Ada@Example.com", "10.1.1.1");
    expect(created).toMatchObject({
      status: "signed_in",
      tokenType: "Bearer",
      expiresIn: 900,
      user: { email: "ada@example.com", emailVerified: false, roles: [] },
    });
    expect(created.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const header = decodeProtectedHeader(created.accessToken);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt", kid: expect.stringMatching(/^key_/) });
    const claims = decodeJwt(created.accessToken);
    expect(claims).toMatchObject({ sub: created.user.id, prj: shop, roles: [], sid: expect.stringMatching(/^ses_/) });
    expect(claims.iss).toMatch(new RegExp(`/api/v1/projects/${shop}/auth$`));
    expect(claims.exp! - claims.iat!).toBe(900);

    // A gateway verifies with nothing but the published keys.
    const jwks = await api.get(`${auth()}/jwks`);
    expect(jwks.headers.get("cache-control")).toBe("public, max-age=300");
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", kid: header.kid })]);
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d":/);
    const offline = await jwtVerify(created.accessToken, createLocalJWKSet(jwks.body), {
      issuer: claims.iss,
      currentDate: new Date(clock()),
    });
    expect(offline.payload.sub).toBe(created.user.id);
    // By slug or id, the same keys.
    expect((await api.get(`${auth(shop)}/jwks`)).body).toEqual(jwks.body);

    const me = await api.get(`${auth()}/me`, created.accessToken);
    expect(me).toMatchObject({ status: 200, body: { id: created.user.id, email: "ada@example.com", hasPassword: true } });
    const signedIn = await signIn("ada@example.com", "10.1.1.1");
    expect(signedIn.status).toBe("signed_in");
    expect(decodeJwt(signedIn.accessToken).sid).not.toBe(claims.sid);

    // Verified tokens are remembered until they expire: a repeated token costs a map lookup.
    expect(t.app.services.auth.tokens.cachedTokens()).toBeGreaterThan(0);
    const ping = await api.get("/api/v1/ping", signedIn.accessToken);
    expect(ping.body).toEqual({ pong: true, auth: { kind: "user", id: created.user.id, project: shop } });
    expect((await api.get("/api/v1/ping")).body).toEqual({ pong: true, auth: null });
  });

  it.each([
    ["a malformed email", { email: "not-an-email", password: PASSWORD }, "email"],
    ["an over-long email", { email: `${"a".repeat(250)}@example.com`, password: PASSWORD }, "email"],
    ["an over-long name", { email: "long@example.com", password: PASSWORD, name: "n".repeat(101) }, "name"],
    ["a short password", { email: "short@example.com", password: "short" }, "password"],
    ["an over-long password", { email: "huge@example.com", password: "p".repeat(257) }, "password"],
  ])("refuses sign-up with %s: 400 invalid_input naming the field, nothing written", async (_label, body, field) => {
    const res = await restClient(t, "10.1.2.1").post(`${auth()}/sign-up`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_input");
    expect(JSON.stringify(res.body.error.details.issues)).toContain(`"path":"${field}"`);
    const users = await owner.trpc.auth.users.list.query({ project: "shop", search: String(body.email).slice(0, 20) });
    expect(users).toEqual([]);
  });

  it("refuses a taken email, a disabled sign-up and a disabled method with stable codes", async () => {
    const api = restClient(t, "10.1.3.1");
    await signUp("taken@example.com", "10.1.3.1");
    expect((await api.post(`${auth()}/sign-up`, { email: "TAKEN@example.com", password: PASSWORD })).body.error).toMatchObject({
      code: "email_taken",
      details: { email: "taken@example.com" },
    });
    // Concurrent sign-ups of one new email: one wins, the others are told it is taken.
    const race = await Promise.all(
      [1, 2, 3].map((i) => restClient(t, `10.1.3.${10 + i}`).post(`${auth()}/sign-up`, { email: "race@example.com", password: PASSWORD })),
    );
    expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    await owner.trpc.auth.settings.update.mutate({ project: "shop", signUpEnabled: false });
    try {
      const closed = await api.post(`${auth()}/sign-up`, { email: "later@example.com", password: PASSWORD });
      expect(closed).toMatchObject({ status: 403, body: { error: { code: "signup_disabled" } } });
    } finally {
      await owner.trpc.auth.settings.update.mutate({ project: "shop", signUpEnabled: true });
    }
    await owner.trpc.auth.settings.update.mutate({ project: "shop", passwordSignIn: false });
    try {
      const off = await api.post(`${auth()}/sign-in`, { email: "taken@example.com", password: PASSWORD });
      expect(off).toMatchObject({ status: 403, body: { error: { code: "auth_method_disabled", details: { method: "password" } } } });
    } finally {
      await owner.trpc.auth.settings.update.mutate({ project: "shop", passwordSignIn: true });
    }
    expect((await api.post(`${auth("no-such-project")}/sign-in`, { email: "taken@example.com", password: PASSWORD })).body.error.code).toBe(
      "project_not_found",
    );
    const zh = await api.call("POST", `${auth()}/sign-in`, {
      body: { email: "taken@example.com", password: "wrong password" },
      headers: { "accept-language": "zh-CN" },
    });
    expect(zh.body.error).toMatchObject({ code: "invalid_credentials", message: "邮箱或密码错误" });
  });

  it("rotates refresh tokens; replaying a rotated one ends the whole family", async () => {
    const api = restClient(t, "10.1.4.1");
    const first = await signUp("rotate@example.com", "10.1.4.1");
    const second = await api.post(`${auth()}/refresh`, { refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect(decodeJwt(second.body.accessToken).sid).toBe(decodeJwt(first.accessToken).sid);
    const third = await api.post(`${auth()}/refresh`, { refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);

    // The first token comes back: it leaked. The family ends, including the newest token.
    const replay = await api.post(`${auth()}/refresh`, { refreshToken: first.refreshToken });
    expect(replay).toMatchObject({ status: 401, body: { error: { code: "refresh_token_reused" } } });
    expect((await api.post(`${auth()}/refresh`, { refreshToken: third.body.refreshToken })).body.error.code).toBe("refresh_token_invalid");
    expect((await api.get(`${auth()}/me`, third.body.accessToken)).body.error.code).toBe("session_revoked");
    // Other sessions of the user are untouched.
    const other = await signIn("rotate@example.com", "10.1.4.1");
    expect((await api.post(`${auth()}/refresh`, { refreshToken: other.refreshToken })).status).toBe(200);
    for (const bad of ["", "x".repeat(201), "unknown-token"]) {
      const res = await api.post(`${auth()}/refresh`, { refreshToken: bad });
      expect(res.status, bad).toBeGreaterThanOrEqual(400);
      expect(["invalid_input", "refresh_token_invalid"]).toContain(res.body.error.code);
    }
  });

  it("expires access tokens on time, and refresh tokens after their window", async () => {
    const api = restClient(t, "10.1.5.1");
    const session = await signUp("expiry@example.com", "10.1.5.1");
    expect((await api.get(`${auth()}/me`, session.accessToken)).status).toBe(200);
    offset += 16 * MINUTE;
    try {
      expect((await api.get(`${auth()}/me`, session.accessToken)).body.error.code).toBe("access_token_expired");
      const renewed = await api.post(`${auth()}/refresh`, { refreshToken: session.refreshToken });
      expect((await api.get(`${auth()}/me`, renewed.body.accessToken)).status).toBe(200);
      offset += 31 * 24 * 60 * MINUTE;
      expect((await api.post(`${auth()}/refresh`, { refreshToken: renewed.body.refreshToken })).body.error.code).toBe(
        "refresh_token_invalid",
      );
      // Expired sessions and their tokens are swept a day later.
      offset += 2 * 24 * 60 * MINUTE;
      const sid = decodeJwt(session.accessToken).sid as string;
      await t.app.services.auth.flows.sweep(users());
      expect(await users().selectFrom("sessions").select("id").where("id", "=", sid).execute()).toEqual([]);
      expect(await users().selectFrom("refresh_tokens").select("token_hash").where("session_id", "=", sid).execute()).toEqual([]);
    } finally {
      offset = 0;
    }
  });

  it("refuses tampered, forged, foreign and malformed tokens with 401", async () => {
    const api = restClient(t, "10.1.6.1");
    const session = await signUp("tamper@example.com", "10.1.6.1");
    const [h, p, s] = session.accessToken.split(".") as [string, string, string];
    const claims = decodeJwt(session.accessToken);
    const forge = (payload: Record<string, unknown>) => `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith("AA") ? "BB" : "AA"}`;
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt" }))}.${p}.`;
    const hs256 = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: decodeProtectedHeader(session.accessToken).kid })
      .sign(new TextEncoder().encode("a guessed secret of 32 bytes!!!!"));
    const cases: Array<[string, string]> = [
      ["a flipped signature", flipped],
      ["a changed subject", forge({ ...claims, sub: "usr_someone_else" })],
      ["a changed role list", forge({ ...claims, roles: ["admin"] })],
      ["a moved project", forge({ ...claims, prj: blog })],
      ["alg none", none],
      ["HS256 with a guessed secret", hs256],
      ["garbage", "not.a.jwt"],
      ["an unknown kid", `${base64url.encode(JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid: "key_nope" }))}.${p}.${s}`],
    ];
    for (const [label, token] of cases) {
      const res = await api.get(`${auth()}/me`, token);
      expect(`${label}: ${res.status} ${res.body.error.code}`).toBe(`${label}: 401 access_token_invalid`);
    }
    expect((await api.call("GET", `${auth()}/me`, { headers: { authorization: "Basic abc" } })).body.error.code).toBe(
      "access_token_invalid",
    );
    expect((await api.get(`${auth()}/me`)).body.error.code).toBe("access_token_required");

    // A valid token of another project is refused on this project's routes.
    const blogUser = await signUp("tamper@example.com", "10.1.6.2", "blog");
    expect(decodeJwt(blogUser.accessToken).prj).toBe(blog);
    const foreign = await api.get(`${auth("shop")}/me`, blogUser.accessToken);
    expect(foreign).toMatchObject({ status: 401, body: { error: { code: "access_token_wrong_project" } } });
    expect((await api.get(`${auth("blog")}/me`, blogUser.accessToken)).status).toBe(200);
  });

  it("rotates signing keys without signing anyone out; the old key leaves the JWKS once its tokens have expired", async () => {
    const api = restClient(t, "10.1.7.1");
    const before = await signUp("rotation@example.com", "10.1.7.1");
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const rotated = await owner.trpc.auth.signingKeys.rotate.mutate({ project: "shop" });
    expect(rotated.kid).not.toBe(oldKid);
    const keys = await owner.trpc.auth.signingKeys.list.query({ project: "shop" });
    expect(keys.find((k) => k.kid === oldKid)).toMatchObject({
      active: false,
      retiredAt: expect.any(String),
      verifyUntil: expect.any(String),
    });

    expect((await api.get(`${auth()}/me`, before.accessToken)).status).toBe(200);
    const after = await signIn("rotation@example.com", "10.1.7.1");
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(rotated.kid);
    expect((await api.get(`${auth()}/jwks`)).body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, rotated.kid].sort());

    offset += 21 * MINUTE;
    try {
      expect((await api.get(`${auth()}/jwks`)).body.keys.map((k: { kid: string }) => k.kid)).toEqual([rotated.kid]);
      expect((await api.get(`${auth()}/me`, before.accessToken)).status).toBe(401);
      const renewed = await api.post(`${auth()}/refresh`, { refreshToken: before.refreshToken });
      expect(decodeProtectedHeader(renewed.body.accessToken).kid).toBe(rotated.kid);
    } finally {
      offset = 0;
    }
    const audit = await owner.trpc.projects.audit.query({ project: "shop", action: "auth.signing_key.rotate" });
    expect(audit[0]).toMatchObject({ actor: { label: "owner@example.com" }, data: { retired: [oldKid] } });
  });

  it("gives the console the project's auth addresses, the same the public API announces", async () => {
    const endpoints = await owner.trpc.auth.endpoints.query({ project: shop });
    const api = restClient(t, "10.1.7.9");
    const announced = (await api.get(`${auth()}/settings`)).body;
    // Built from the instance's public URL (here the default, http://localhost:<port>), by slug for REST, by id for the issuer.
    const publicUrl = String(announced.issuer).replace(`/api/v1/projects/${shop}/auth`, "");
    expect(publicUrl).toMatch(/^http:\/\/localhost:\d+$/);
    expect(endpoints).toEqual({
      restBase: `${publicUrl}/api/v1/projects/shop/auth`,
      adminBase: `${publicUrl}/api/v1/admin/projects/shop`,
      issuer: announced.issuer,
      jwksUri: announced.jwksUri,
      callbackUrl: `${announced.issuer}/oauth/callback`,
    });
    expect((await api.get(new URL(endpoints.jwksUri).pathname)).status).toBe(200);
    const provider = await owner.trpc.auth.providers.create.mutate({
      project: "blog",
      provider: { kind: "github", name: "gh-endpoints", displayName: "GitHub", clientId: "id", clientSecret: "secret" },
    });
    expect(provider.callbackUrl).toBe((await owner.trpc.auth.endpoints.query({ project: "blog" })).callbackUrl);
    await owner.trpc.auth.providers.delete.mutate({ project: "blog", providerId: provider.id });
  });

  it("lists sessions with the current one marked; revokes one; signs out", async () => {
    const api = restClient(t, "10.1.8.1");
    const a = await signUp("sessions@example.com", "10.1.8.1");
    const b = await signIn("sessions@example.com", "10.1.8.1");
    const list = await api.get(`${auth()}/sessions`, a.accessToken);
    expect(list.body).toHaveLength(2);
    expect(list.body.filter((s: { current: boolean }) => s.current)).toEqual([
      expect.objectContaining({ id: decodeJwt(a.accessToken).sid, authMethod: "password", ip: "10.1.8.1" }),
    ]);
    const del = await api.call("DELETE", `${auth()}/sessions/${decodeJwt(b.accessToken).sid}`, { token: a.accessToken });
    expect(del.status).toBe(200);
    expect((await api.post(`${auth()}/refresh`, { refreshToken: b.refreshToken })).body.error.code).toBe("refresh_token_invalid");
    expect((await api.call("DELETE", `${auth()}/sessions/ses_unknown`, { token: a.accessToken })).body.error.code).toBe(
      "session_not_found",
    );
    expect((await api.post(`${auth()}/sign-out`, {}, a.accessToken)).status).toBe(200);
    expect((await api.get(`${auth()}/me`, a.accessToken)).body.error.code).toBe("session_revoked");
    expect((await api.post(`${auth()}/refresh`, { refreshToken: a.refreshToken })).body.error.code).toBe("refresh_token_invalid");
  });

  it("locks a user after 5 wrong passwords with 429 and Retry-After, and an address after 30 attempts", async () => {
    // The limiter counts in fixed 15-minute windows of real time; do not straddle a boundary.
    const intoWindow = Date.now() % (15 * MINUTE);
    if (intoWindow > 15 * MINUTE - 15_000) await new Promise((r) => setTimeout(r, 15 * MINUTE - intoWindow + 100));
    await signUp("locked@example.com", "10.1.9.1");
    const api = restClient(t, "10.1.9.2");
    for (let i = 0; i < 5; i++)
      expect((await api.post(`${auth()}/sign-in`, { email: "locked@example.com", password: `wrong-${i}-password` })).body.error.code).toBe(
        "invalid_credentials",
      );
    const locked = await api.post(`${auth()}/sign-in`, { email: "locked@example.com", password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("rate_limited");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // The same email in another project is another account.
    await signUp("locked@example.com", "10.1.9.3", "blog");
    expect(
      (await restClient(t, "10.1.9.3").post(`${auth("blog")}/sign-in`, { email: "locked@example.com", password: PASSWORD })).status,
    ).toBe(200);

    const flood = restClient(t, "10.1.9.9");
    for (let i = 0; i < 30; i++) await flood.post(`${auth()}/sign-in`, { email: `nobody-${i}@example.com`, password: "whatever-password" });
    const refused = await flood.post(`${auth()}/sign-in`, { email: "nobody@example.com", password: "whatever-password" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("signs in with a mailed code: wrong codes fail, the code works once, new emails become users", async () => {
    const api = restClient(t, "10.1.10.1");
    expect((await api.post(`${auth()}/otp/send`, { email: "otp@example.com" })).body).toEqual({ ok: true });
    const mail = await smtp.waitFor("otp@example.com");
    expect(mail.subject).toMatch(/^Your sign-in code for Shop: \d{6}$/);
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const wrong = code === "000000" ? "111111" : "000000";
    expect((await api.post(`${auth()}/otp/verify`, { email: "otp@example.com", code: wrong })).body.error.code).toBe("otp_invalid");
    expect((await api.post(`${auth()}/otp/verify`, { email: "otp@example.com", code: "12345" })).body.error.code).toBe("invalid_input");
    const ok = await api.post(`${auth()}/otp/verify`, { email: "otp@example.com", code });
    expect(ok).toMatchObject({
      status: 200,
      body: { status: "signed_in", user: { email: "otp@example.com", emailVerified: true, hasPassword: false } },
    });
    expect((await api.post(`${auth()}/otp/verify`, { email: "otp@example.com", code })).body.error.code).toBe("otp_invalid");
    // Codes are stored hashed.
    const stored = await users()
      .selectFrom("one_time_tokens")
      .select(["token_hash", "data"])
      .where("email", "=", "otp@example.com")
      .execute();
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain(code);
  });

  it("limits code, link and reset mails per address (3 an hour) and per client address (10 an hour), with 429 and Retry-After", async () => {
    const api = restClient(t, "10.1.10.5");
    for (let i = 0; i < 3; i++) expect((await api.post(`${auth()}/otp/send`, { email: "otp-flood@example.com" })).status).toBe(200);
    const fourth = await api.post(`${auth()}/otp/send`, { email: "otp-flood@example.com" });
    expect(fourth).toMatchObject({ status: 429, body: { error: { code: "rate_limited" } } });
    expect(Number(fourth.headers.get("retry-after"))).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await api.post(`${auth()}/password/forgot`, { email: "reset-flood@example.com" });
    expect((await api.post(`${auth()}/password/forgot`, { email: "reset-flood@example.com" })).status).toBe(429);
    const spray = restClient(t, "10.1.10.6");
    for (let i = 0; i < 10; i++) await spray.post(`${auth()}/password/forgot`, { email: `spray-${i}@example.com` });
    expect((await spray.post(`${auth()}/password/forgot`, { email: "spray-x@example.com" })).status).toBe(429);
    // Mails to addresses without a user are never sent.
    expect(smtp.received.filter((m) => m.to.some((to) => to.startsWith("spray-") || to === "reset-flood@example.com"))).toEqual([]);
    for (let i = 0; i < 3; i++) await smtp.waitFor("otp-flood@example.com");
  });

  it("spends an emailed code after five wrong tries", async () => {
    const api = restClient(t, "10.1.10.2");
    await api.post(`${auth()}/otp/send`, { email: "otp-spent@example.com" });
    const code = /\b(\d{6})\b/.exec((await smtp.waitFor("otp-spent@example.com")).text)![1]!;
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) await api.post(`${auth()}/otp/verify`, { email: "otp-spent@example.com", code: wrong });
    const after = await api.post(`${auth()}/otp/verify`, { email: "otp-spent@example.com", code });
    expect([401, 429]).toContain(after.status);
    expect(["otp_invalid", "rate_limited"]).toContain(after.body.error.code);
  });

  it("signs in with a magic link to the app's page, once; other redirect targets are refused", async () => {
    const api = restClient(t, "10.1.11.1");
    expect(
      (await api.post(`${auth()}/magic-link/send`, { email: "magic@example.com", redirectTo: "https://evil.example/steal" })).body.error,
    ).toMatchObject({ code: "redirect_url_not_allowed" });
    await api.post(`${auth()}/magic-link/send`, { email: "magic@example.com", redirectTo: `${SITE}/callback?next=/cart` });
    const link = linkIn(await smtp.waitFor("magic@example.com"));
    expect(`${link.origin}${link.pathname}`).toBe(`${SITE}/callback`);
    expect(link.searchParams.get("next")).toBe("/cart");
    expect(link.searchParams.get("type")).toBe("magic_link");
    const token = link.searchParams.get("token")!;
    const ok = await api.post(`${auth()}/magic-link/verify`, { token });
    expect(ok.body).toMatchObject({ status: "signed_in", user: { email: "magic@example.com", emailVerified: true } });
    expect((await api.post(`${auth()}/magic-link/verify`, { token })).body.error.code).toBe("token_invalid");
    // A link of one project means nothing in another.
    await api.post(`${auth()}/magic-link/send`, { email: "magic@example.com" });
    const again = linkIn(await smtp.waitFor("magic@example.com")).searchParams.get("token")!;
    expect((await api.post(`${auth("blog")}/magic-link/verify`, { token: again })).body.error.code).toBe("token_invalid");
  });

  it("resets a password through the mailed link, once, ending every session", async () => {
    const api = restClient(t, "10.1.12.1");
    const session = await signUp("reset@example.com", "10.1.12.1");
    await api.post(`${auth()}/password/forgot`, { email: "reset@example.com" });
    await api.post(`${auth()}/password/forgot`, { email: "ghost@example.com" });
    const mail = await smtp.waitFor("reset@example.com");
    expect(mail.subject).toBe("Reset your Shop password");
    const token = linkIn(mail).searchParams.get("token")!;
    expect((await api.post(`${auth()}/password/reset`, { token, password: "short" })).body.error.code).toBe("invalid_input");
    expect((await api.post(`${auth()}/password/reset`, { token, password: "a brand new password" })).status).toBe(200);
    expect((await api.post(`${auth()}/password/reset`, { token, password: "another new password" })).body.error.code).toBe("token_invalid");
    expect((await api.post(`${auth()}/refresh`, { refreshToken: session.refreshToken })).body.error.code).toBe("refresh_token_invalid");
    expect((await api.post(`${auth()}/sign-in`, { email: "reset@example.com", password: PASSWORD })).body.error.code).toBe(
      "invalid_credentials",
    );
    expect((await api.post(`${auth()}/sign-in`, { email: "reset@example.com", password: "a brand new password" })).status).toBe(200);
    expect(smtp.received.filter((m) => m.to.includes("ghost@example.com"))).toEqual([]);
  });

  it("requires a confirmed email when the project says so", async () => {
    const api = restClient(t, "10.1.13.1");
    await owner.trpc.auth.settings.update.mutate({ project: "shop", requireEmailVerification: true });
    try {
      const res = await api.post(`${auth()}/sign-up`, { email: "verify@example.com", password: PASSWORD, name: "Vera" });
      expect(res).toMatchObject({
        status: 201,
        body: { status: "verification_required", user: { email: "verify@example.com", emailVerified: false } },
      });
      expect(res.body.accessToken).toBeUndefined();
      expect((await api.post(`${auth()}/sign-in`, { email: "verify@example.com", password: PASSWORD })).body.error.code).toBe(
        "app_email_not_verified",
      );
      const mail = await smtp.waitFor("verify@example.com");
      expect(mail.subject).toBe("Confirm your email for Shop");
      const token = linkIn(mail).searchParams.get("token")!;
      expect((await api.post(`${auth()}/email/verify`, { token })).status).toBe(200);
      expect((await api.post(`${auth()}/email/verify`, { token })).body.error.code).toBe("token_invalid");
      expect((await api.post(`${auth()}/sign-in`, { email: "verify@example.com", password: PASSWORD })).body).toMatchObject({
        status: "signed_in",
        user: { emailVerified: true },
      });
    } finally {
      await owner.trpc.auth.settings.update.mutate({ project: "shop", requireEmailVerification: false });
    }
  });

  it("enrols TOTP; sign-in then needs a code or a one-time recovery code; wrong codes fail and lock", async () => {
    const api = restClient(t, "10.1.14.1");
    const session = await signUp("totp@example.com", "10.1.14.1");
    const enrol = await api.post(`${auth()}/mfa/totp/enroll`, {}, session.accessToken);
    expect(enrol.body.uri).toMatch(/^otpauth:\/\/totp\/Shop%3Atotp%40example\.com\?secret=/);
    const key = base32Decode(enrol.body.secret);
    expect((await api.post(`${auth()}/mfa/totp/confirm`, { code: "000000" }, session.accessToken)).body.error.code).toBe(
      "mfa_code_invalid",
    );
    expect((await api.post(`${auth()}/mfa/totp/confirm`, { code: "abc" }, session.accessToken)).body.error.code).toBe("invalid_input");
    const confirmed = await api.post(`${auth()}/mfa/totp/confirm`, { code: hotp(key, totpStep(clock())) }, session.accessToken);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    const row = await users().selectFrom("users").select("totp_secret").where("email", "=", "totp@example.com").executeTakeFirstOrThrow();
    expect(row.totp_secret).toMatch(/^v1\./);

    const first = await signIn("totp@example.com", "10.1.14.1");
    expect(first).toEqual({ status: "mfa_required", challenge: expect.any(String) });
    expect((await api.post(`${auth()}/mfa/verify`, { challenge: first.challenge, code: "123456" })).body.error.code).toBe(
      "mfa_code_invalid",
    );
    const done = await api.post(`${auth()}/mfa/verify`, { challenge: first.challenge, code: hotp(key, totpStep(clock()) + 1) });
    expect(done.body).toMatchObject({ status: "signed_in", user: { totpEnabled: true } });
    expect((await api.get(`${auth()}/sessions`, done.body.accessToken)).body.find((s: { current: boolean }) => s.current).authMethod).toBe(
      "password+totp",
    );
    expect(
      (await api.post(`${auth()}/mfa/verify`, { challenge: first.challenge, code: hotp(key, totpStep(clock()) + 1) })).body.error.code,
    ).toBe("token_invalid");

    const second = await signIn("totp@example.com", "10.1.14.1");
    const recovered = await api.post(`${auth()}/mfa/verify`, {
      challenge: second.challenge,
      recoveryCode: confirmed.body.recoveryCodes[0].toUpperCase(),
    });
    expect(recovered.body.status).toBe("signed_in");
    const third = await signIn("totp@example.com", "10.1.14.1");
    expect(
      (await api.post(`${auth()}/mfa/verify`, { challenge: third.challenge, recoveryCode: confirmed.body.recoveryCodes[0] })).body.error
        .code,
    ).toBe("mfa_code_invalid");

    // Five wrong codes lock the second step for a while.
    for (let i = 0; i < 4; i++) await api.post(`${auth()}/mfa/verify`, { challenge: third.challenge, code: "000001" });
    const locked = await api.post(`${auth()}/mfa/verify`, { challenge: third.challenge, code: hotp(key, totpStep(clock()) - 1) });
    expect(locked.status).toBe(429);
  });

  it("defines app roles in the console, assigns them, and carries them in the roles claim", async () => {
    const api = restClient(t, "10.1.15.1");
    const session = await signUp("roles@example.com", "10.1.15.1");
    const editor = await owner.trpc.auth.roles.create.mutate({ project: "shop", name: "editor", description: "Edits posts" });
    await owner.trpc.auth.roles.create.mutate({ project: "shop", name: "billing" });
    expect(await failure(owner.trpc.auth.roles.create.mutate({ project: "shop", name: "editor" }))).toMatchObject({
      code: "app_role_name_taken",
      status: 409,
    });
    expect(await failure(owner.trpc.auth.roles.create.mutate({ project: "shop", name: "1nvalid name" }))).toMatchObject({
      code: "invalid_input",
    });
    await owner.trpc.auth.users.setRoles.mutate({ project: "shop", userId: session.user.id, roles: ["editor", "billing"] });
    expect(
      await failure(owner.trpc.auth.users.setRoles.mutate({ project: "shop", userId: session.user.id, roles: ["ghost"] })),
    ).toMatchObject({ code: "app_role_not_found", details: { role: "ghost" } });
    const refreshed = await api.post(`${auth()}/refresh`, { refreshToken: session.refreshToken });
    expect(decodeJwt(refreshed.body.accessToken).roles).toEqual(["billing", "editor"]);
    expect((await owner.trpc.auth.roles.list.query({ project: "shop" })).find((r) => r.name === "editor")).toMatchObject({
      users: 1,
      description: "Edits posts",
    });
    await owner.trpc.auth.roles.delete.mutate({ project: "shop", roleId: editor.id });
    const again = await api.post(`${auth()}/refresh`, { refreshToken: refreshed.body.refreshToken });
    expect(decodeJwt(again.body.accessToken).roles).toEqual(["billing"]);
    const audit = (await owner.trpc.projects.audit.query({ project: "shop" })).map((e) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["app_role.create", "app_role.delete", "app_user.roles.set"]));
  });

  it("manages users from the console: search, details, disable (ends sessions), reset mail, revoke sessions, delete", async () => {
    const api = restClient(t, "10.1.16.1");
    const session = await signUp("managed@example.com", "10.1.16.1");
    const found = await owner.trpc.auth.users.list.query({ project: "shop", search: "MANAGED" });
    expect(found.map((u) => u.email)).toEqual(["managed@example.com"]);
    expect(await owner.trpc.auth.users.list.query({ project: "shop", search: "%" })).toEqual([]);
    const page = await owner.trpc.auth.users.list.query({ project: "shop", limit: 2 });
    const next = await owner.trpc.auth.users.list.query({ project: "shop", limit: 2, after: page[1]!.id });
    expect(next[0]!.id < page[1]!.id).toBe(true);
    const detail = await owner.trpc.auth.users.get.query({ project: "shop", userId: session.user.id });
    expect(detail.sessions).toHaveLength(1);

    await owner.trpc.auth.users.setDisabled.mutate({ project: "shop", userId: session.user.id, disabled: true });
    expect((await api.get(`${auth()}/me`, session.accessToken)).body.error.code).toBe("session_revoked");
    expect((await api.post(`${auth()}/sign-in`, { email: "managed@example.com", password: PASSWORD })).body.error.code).toBe(
      "app_user_disabled",
    );
    await owner.trpc.auth.users.setDisabled.mutate({ project: "shop", userId: session.user.id, disabled: false });

    await owner.trpc.auth.users.sendPasswordReset.mutate({ project: "shop", userId: session.user.id });
    expect(linkIn(await smtp.waitFor("managed@example.com")).href.startsWith(SITE)).toBe(true);

    const s2 = await signIn("managed@example.com", "10.1.16.1");
    expect(await owner.trpc.auth.users.revokeSessions.mutate({ project: "shop", userId: session.user.id })).toEqual({ revoked: 1 });
    expect((await api.post(`${auth()}/refresh`, { refreshToken: s2.refreshToken })).body.error.code).toBe("refresh_token_invalid");

    await owner.trpc.auth.users.delete.mutate({ project: "shop", userId: session.user.id });
    expect(await failure(owner.trpc.auth.users.get.query({ project: "shop", userId: session.user.id }))).toMatchObject({
      code: "app_user_not_found",
      status: 404,
    });
    const actions = (await owner.trpc.projects.audit.query({ project: "shop" })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "app_user.disable",
        "app_user.enable",
        "app_user.password_reset.send",
        "app_user.sessions.revoke",
        "app_user.delete",
      ]),
    );
  });

  it("keeps app-user management to members with the permission", async () => {
    await owner.trpc.instance.createAccount.mutate({ email: "viewer@example.com", name: "Vic", password: PASSWORD });
    const viewerId = (await t.app.services.accounts.findByEmail("viewer@example.com"))!.id;
    await t.app.services.projects.join(shop, viewerId, "viewer");
    const viewer = consoleClient(t.baseUrl);
    await viewer.trpc.accounts.signIn.mutate({ email: "viewer@example.com", password: PASSWORD });
    const someone = (await viewer.trpc.auth.users.list.query({ project: "shop", limit: 1 }))[0]!;
    expect(await failure(viewer.trpc.auth.users.setDisabled.mutate({ project: "shop", userId: someone.id, disabled: true }))).toMatchObject(
      { code: "forbidden", status: 403, details: { permission: "users:manage" } },
    );
    expect(await failure(viewer.trpc.auth.settings.update.mutate({ project: "shop", signUpEnabled: false }))).toMatchObject({
      code: "forbidden",
      details: { permission: "auth:configure" },
    });
    expect(await failure(viewer.trpc.auth.signingKeys.rotate.mutate({ project: "shop" }))).toMatchObject({ code: "forbidden" });
    expect(
      await failure(viewer.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "x", permissions: ["users:read"] })),
    ).toMatchObject({ code: "forbidden", details: { permission: "keys:manage" } });
    expect(await viewer.trpc.auth.apiKeys.list.query({ project: "shop" })).toEqual(expect.any(Array));
  });

  it("issues API keys: shown once, hashed at rest, scoped, expiring, revocable, with a last-used time", async () => {
    const api = restClient(t, "10.1.17.1");
    const reader = await owner.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "reporting", permissions: ["users:read"] });
    expect(reader.secret).toMatch(/^ar_[0-9a-z]{12}_[A-Za-z0-9_-]{43}$/);
    expect(reader.secret.slice(16)).toHaveLength(43);
    expect(reader.key).toMatchObject({ name: "reporting", permissions: ["users:read"], lastUsedAt: null, expiresAt: null });
    expect(JSON.stringify(await owner.trpc.auth.apiKeys.list.query({ project: "shop" }))).not.toContain(reader.secret.slice(16));
    const stored = await t.app.database.db.selectFrom("api_keys").selectAll().where("id", "=", reader.key.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(reader.secret.slice(16));

    const users = await api.get(`/api/v1/admin/projects/shop/users?limit=5`, reader.secret);
    expect(users.status).toBe(200);
    expect(users.body.users.length).toBeGreaterThan(0);
    const target = users.body.users[0].id as string;
    expect((await api.get(`/api/v1/admin/projects/shop/users/${target}`, reader.secret)).body.id).toBe(target);
    expect((await api.post(`/api/v1/admin/projects/shop/users/${target}/disable`, {}, reader.secret)).body.error).toMatchObject({
      code: "forbidden",
      details: { permission: "users:manage" },
    });
    expect((await api.get("/api/v1/ping", reader.secret)).body).toEqual({
      pong: true,
      auth: { kind: "apiKey", id: reader.key.id, project: shop },
    });
    expect((await owner.trpc.auth.apiKeys.list.query({ project: "shop" })).find((k) => k.id === reader.key.id)!.lastUsedAt).not.toBeNull();

    const manager = await owner.trpc.auth.apiKeys.create.mutate({
      project: "shop",
      name: "ops",
      permissions: ["users:read", "users:manage"],
      expiresAt: new Date(clock() + 60 * MINUTE).toISOString(),
    });
    expect((await api.post(`/api/v1/admin/projects/shop/users/${target}/disable`, {}, manager.secret)).body).toMatchObject({
      id: target,
      disabled: true,
    });
    expect((await api.post(`/api/v1/admin/projects/shop/users/${target}/enable`, {}, manager.secret)).body).toMatchObject({
      disabled: false,
    });
    expect(
      (await api.call("PUT", `/api/v1/admin/projects/shop/users/${target}/roles`, { body: { roles: ["billing"] }, token: manager.secret }))
        .body.roles,
    ).toEqual(["billing"]);
    expect((await api.call("DELETE", `/api/v1/admin/projects/shop/users/${target}/sessions`, { token: manager.secret })).body).toEqual({
      revoked: expect.any(Number),
    });
    expect((await api.get("/api/v1/admin/projects/shop/roles", manager.secret)).body.roles.map((r: { name: string }) => r.name)).toContain(
      "billing",
    );

    // Keys of one project reach nothing of another; app-user tokens are not keys.
    expect((await api.get(`/api/v1/admin/projects/blog/users`, manager.secret)).body.error.code).toBe("project_not_found");
    const user = await signUp("keyless@example.com", "10.1.17.1");
    expect((await api.get(`/api/v1/admin/projects/shop/users`, user.accessToken)).body.error.code).toBe("api_key_required");
    expect((await api.get(`/api/v1/admin/projects/shop/users`)).status).toBe(401);

    offset += 61 * MINUTE;
    try {
      expect((await api.get(`/api/v1/admin/projects/shop/users`, manager.secret)).body.error.code).toBe("api_key_expired");
    } finally {
      offset = 0;
    }
    await owner.trpc.auth.apiKeys.revoke.mutate({ project: "shop", keyId: reader.key.id });
    expect((await api.get(`/api/v1/admin/projects/shop/users`, reader.secret)).body.error.code).toBe("api_key_revoked");
    expect(await failure(owner.trpc.auth.apiKeys.revoke.mutate({ project: "shop", keyId: reader.key.id }))).toMatchObject({
      code: "api_key_not_found",
    });
    const forged = `${reader.secret.slice(0, -4)}AAAA`;
    expect((await api.get(`/api/v1/admin/projects/shop/users`, forged)).body.error.code).toBe("api_key_invalid");
    expect((await api.get(`/api/v1/admin/projects/shop/users`, "ar_nope")).body.error.code).toBe("api_key_invalid");

    expect(
      await failure(
        owner.trpc.auth.apiKeys.create.mutate({
          project: "shop",
          name: "past",
          permissions: ["users:read"],
          expiresAt: "2000-01-01T00:00:00Z",
        }),
      ),
    ).toMatchObject({ code: "invalid_input" });
    expect(await failure(owner.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "none", permissions: [] }))).toMatchObject({
      code: "invalid_input",
    });
    expect(
      await failure(owner.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "bogus", permissions: ["data:destroy" as never] })),
    ).toMatchObject({ code: "invalid_input" });
    const actions = (await owner.trpc.projects.audit.query({ project: "shop" }))
      .filter((e) => e.action.startsWith("api_key."))
      .map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["api_key.create", "api_key.revoke"]));
    expect(JSON.stringify(await owner.trpc.projects.audit.query({ project: "shop" }))).not.toContain(manager.secret.slice(16));
  });

  it("lets a key carry only permissions its creator holds", async () => {
    await owner.trpc.instance.createAccount.mutate({ email: "keyadmin@example.com", name: "Kim", password: PASSWORD });
    const id = (await t.app.services.accounts.findByEmail("keyadmin@example.com"))!.id;
    const role = await owner.trpc.projects.createRole.mutate({
      project: "shop",
      name: "Key maker",
      permissions: ["keys:manage", "keys:read", "users:read"],
    });
    await t.app.services.projects.join(shop, id, role.id);
    const keyAdmin = consoleClient(t.baseUrl);
    await keyAdmin.trpc.accounts.signIn.mutate({ email: "keyadmin@example.com", password: PASSWORD });
    expect(
      await failure(
        keyAdmin.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "escalate", permissions: ["users:read", "members:manage"] }),
      ),
    ).toMatchObject({ code: "permission_not_held", status: 403, details: { permission: "members:manage" } });
    expect(
      (await keyAdmin.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "fine", permissions: ["users:read"] })).key.permissions,
    ).toEqual(["users:read"]);
  });

  it("configures providers with secrets sealed and never returned; unknown providers are 404", async () => {
    const api = restClient(t, "10.1.18.1");
    const github = await owner.trpc.auth.providers.create.mutate({
      project: "shop",
      provider: { kind: "github", name: "github", displayName: "GitHub", clientId: "gh-client", clientSecret: "gh-secret-value" },
    });
    expect(github).toMatchObject({
      kind: "github",
      issuer: null,
      scopes: "read:user user:email",
      callbackUrl: expect.stringMatching(new RegExp(`/api/v1/projects/${shop}/auth/oauth/callback$`)),
    });
    const google = await owner.trpc.auth.providers.create.mutate({
      project: "shop",
      provider: {
        kind: "google",
        name: "google",
        displayName: "Google",
        clientId: "g-client.apps.googleusercontent.com",
        clientSecret: "g-secret-value",
      },
    });
    expect(google.issuer).toBe("https://accounts.google.com");
    const tenant = "0b5c5d1f-7a3e-4c6b-9f1e-2d3c4b5a6978";
    const microsoft = await owner.trpc.auth.providers.create.mutate({
      project: "shop",
      provider: {
        kind: "microsoft",
        name: "microsoft",
        displayName: "Microsoft",
        clientId: "ms-client",
        clientSecret: "ms-secret-value",
        tenant,
      },
    });
    expect(microsoft).toMatchObject({ issuer: `https://login.microsoftonline.com/${tenant}/v2.0`, options: { tenant } });
    expect(
      await failure(
        owner.trpc.auth.providers.create.mutate({
          project: "shop",
          provider: { kind: "microsoft", name: "ms2", displayName: "MS", clientId: "x", clientSecret: "y", tenant: "common" },
        }),
      ),
    ).toMatchObject({ code: "invalid_input" });
    expect(
      await failure(
        owner.trpc.auth.providers.create.mutate({
          project: "shop",
          provider: { kind: "github", name: "github", displayName: "Again", clientId: "x", clientSecret: "y" },
        }),
      ),
    ).toMatchObject({ code: "oauth_provider_name_taken" });
    expect(
      await failure(
        owner.trpc.auth.providers.create.mutate({
          project: "shop",
          provider: {
            kind: "oidc",
            name: "plain",
            displayName: "Plain",
            clientId: "x",
            clientSecret: "y",
            issuer: "http://idp.example.com",
          },
        }),
      ),
    ).toMatchObject({ code: "oauth_provider_invalid" });
    expect(
      await failure(
        owner.trpc.auth.providers.create.mutate({
          project: "shop",
          provider: { kind: "oidc", name: "nosecret", displayName: "No secret", clientId: "x", issuer: "https://idp.example.com" },
        }),
      ),
    ).toMatchObject({ code: "invalid_input" });
    expect(
      await failure(
        owner.trpc.auth.providers.create.mutate({
          project: "shop",
          provider: { kind: "saml" as never, name: "saml", displayName: "SAML", clientId: "x", clientSecret: "y" } as never,
        }),
      ),
    ).toMatchObject({ code: "invalid_input" });

    const listed = JSON.stringify(await owner.trpc.auth.providers.list.query({ project: "shop" }));
    for (const secret of ["gh-secret-value", "g-secret-value", "ms-secret-value"]) expect(listed).not.toContain(secret);
    const rows = JSON.stringify(await t.app.database.db.selectFrom("auth_providers").selectAll().execute());
    for (const secret of ["gh-secret-value", "g-secret-value", "ms-secret-value"]) expect(rows).not.toContain(secret);
    expect(JSON.stringify(await owner.trpc.projects.audit.query({ project: "shop" }))).not.toContain("secret-value");

    // The presets build their authorization URLs without reaching the provider.
    const starts: Array<[string, string]> = [
      ["github", "https://github.com/login/oauth/authorize"],
      ["google", "https://accounts.google.com/o/oauth2/v2/auth"],
      ["microsoft", `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`],
    ];
    for (const [name, endpoint] of starts) {
      const res = await api.get(`${auth()}/oauth/${name}/start?redirect_to=${encodeURIComponent(SITE)}`);
      expect(res.status, name).toBe(302);
      const location = new URL(res.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(endpoint);
      expect(location.searchParams.get("redirect_uri")).toBe(github.callbackUrl);
      expect(location.searchParams.get("code_challenge_method")).toBe("S256");
      expect(location.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(location.searchParams.has("nonce")).toBe(name !== "github");
    }
    expect((await api.get(`${auth()}/oauth/gitlab/start`)).body.error).toMatchObject({
      code: "oauth_provider_not_found",
      details: { provider: "gitlab" },
    });
    expect((await api.get(`${auth()}/oauth/github/start?redirect_to=${encodeURIComponent("https://evil.example/")}`)).body.error.code).toBe(
      "redirect_url_not_allowed",
    );
    expect((await api.get(`${auth()}/oauth/callback?state=forged&code=x`)).body.error.code).toBe("token_invalid");
    expect((await api.get(`${auth()}/settings`)).body.providers.map((p: { name: string }) => p.name)).toEqual([
      "github",
      "google",
      "microsoft",
    ]);

    await owner.trpc.auth.providers.update.mutate({
      project: "shop",
      providerId: google.id,
      provider: {
        kind: "google",
        name: "google",
        displayName: "Google (off)",
        clientId: "g-client.apps.googleusercontent.com",
        enabled: false,
      },
    });
    expect((await api.get(`${auth()}/oauth/google/start`)).body.error.code).toBe("oauth_provider_not_found");
    await owner.trpc.auth.providers.delete.mutate({ project: "shop", providerId: microsoft.id });
    expect((await owner.trpc.auth.providers.list.query({ project: "shop" })).map((p) => p.name)).toEqual(["github", "google"]);
  });

  it("brings projects whose storage is behind up to date at start-up, and only those", async () => {
    const storage = t.app.projectStorage;
    expect(await storage.migratePending()).toEqual([]);
    // A project whose storage was never made (say, the node stopped right after creating it).
    await t.app.database.db.deleteFrom("project_storage_versions").where("project_id", "=", blog).execute();
    await dropProjectNamespace(t.app.database.db as Kysely<unknown>, projectNamespace(kind, blog));
    expect(await storage.migratePending()).toEqual([blog]);
    expect(await storage.migratePending()).toEqual([]);
    const api = restClient(t, "10.1.20.1");
    expect((await api.post(`${auth("blog")}/sign-up`, { email: "after-restart@example.com", password: PASSWORD })).status).toBe(201);
    const version = await t.app.database.db
      .selectFrom("project_storage_versions")
      .select("version")
      .where("project_id", "=", blog)
      .executeTakeFirstOrThrow();
    expect(version.version).toBe(storage.latest);
  });

  it("drops a deleted project's users with its namespace", async () => {
    const temp = await owner.trpc.projects.create.mutate({ name: "Temp", slug: "temp-users" });
    await signUp("gone@example.com", "10.1.19.1", "temp-users");
    await owner.trpc.projects.delete.mutate({ project: "temp-users", confirm: "temp-users" });
    const tables =
      kind === "postgres"
        ? await t.app.database.db
            .selectFrom("information_schema.schemata" as never)
            .select("schema_name" as never)
            .where("schema_name" as never, "=", temp.id as never)
            .execute()
        : await t.app.database.db
            .selectFrom("sqlite_master" as never)
            .select("name" as never)
            .where("name" as never, "like", `${temp.id}%` as never)
            .execute();
    expect(tables).toEqual([]);
    expect(
      (await restClient(t, "10.1.19.1").post(`${auth("temp-users")}/sign-in`, { email: "gone@example.com", password: PASSWORD })).body.error
        .code,
    ).toBe("project_not_found");
    expect(await t.app.database.db.selectFrom("auth_signing_keys").select("id").where("project_id", "=", temp.id).execute()).toEqual([]);
  });
});
