import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base32Decode, hotp, totpStep } from "../../platform/crypto/totp";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { linkIn, startSmtpListener, type SmtpListener } from "../../testing/smtp";
import { startTestApp, type TestApp } from "../../testing/app";

const PASSWORD = "correct horse battery";

describe.each(DATABASE_KINDS)("console accounts on %s", (kind) => {
  let t: TestApp;
  let smtp: SmtpListener;
  let admin: ConsoleClient;

  beforeAll(async () => {
    smtp = await startSmtpListener();
    t = await startTestApp(kind);
    admin = consoleClient(t.baseUrl);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const configureSmtp = () =>
    admin.trpc.instance.updateSmtp.mutate({
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      username: "mailer",
      password: "smtp-secret-value",
      fromAddress: "apprun@example.com",
      fromName: "apprun",
    });

  it("asks for setup, makes the first account instance admin, then refuses setup", async () => {
    const before = await admin.trpc.accounts.state.query();
    expect(before).toMatchObject({ needsSetup: true, account: null, signupOpen: false });

    const { account } = await admin.trpc.accounts.setup.mutate({ email: " Admin@Example.COM ", name: "Ada Admin", password: PASSWORD });
    expect(account).toMatchObject({ email: "admin@example.com", instanceAdmin: true, emailVerified: true });
    expect(admin.jar.get("apprun_session")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const after = await admin.trpc.accounts.state.query();
    expect(after).toMatchObject({ needsSetup: false, account: { email: "admin@example.com" } });

    const again = consoleClient(t.baseUrl);
    expect(await failure(again.trpc.accounts.setup.mutate({ email: "eve@example.com", name: "Eve", password: PASSWORD }))).toMatchObject({
      code: "setup_done",
      status: 409,
    });
  });

  it("keeps the SMTP password sealed at rest and never returns it", async () => {
    await configureSmtp();
    const settings = await admin.trpc.instance.settings.query();
    expect(settings.smtp).toMatchObject({ host: "127.0.0.1", username: "mailer", hasPassword: true });
    expect(JSON.stringify(settings)).not.toContain("smtp-secret-value");
    const row = await t.app.database.db.selectFrom("instance_settings").select("value").where("key", "=", "smtp").executeTakeFirstOrThrow();
    expect(JSON.stringify(row.value)).not.toContain("smtp-secret-value");
    const audit = await admin.trpc.instance.audit.query({ action: "settings.smtp.update" });
    expect(audit[0]).toMatchObject({ actor: { label: "admin@example.com" }, action: "settings.smtp.update" });
    expect(JSON.stringify(audit)).not.toContain("smtp-secret-value");
  });

  it("signs in with the right password only, and signs out", async () => {
    const browser = consoleClient(t.baseUrl);
    expect(await failure(browser.trpc.accounts.signIn.mutate({ email: "admin@example.com", password: "wrong password" }))).toMatchObject({
      code: "invalid_credentials",
      status: 401,
    });
    expect(await failure(browser.trpc.accounts.signIn.mutate({ email: "nobody@example.com", password: PASSWORD }))).toMatchObject({
      code: "invalid_credentials",
      status: 401,
    });
    const result = await browser.trpc.accounts.signIn.mutate({ email: "ADMIN@example.com", password: PASSWORD });
    expect(result).toMatchObject({ status: "signed_in", account: { email: "admin@example.com" } });
    expect((await browser.trpc.accounts.state.query()).account?.email).toBe("admin@example.com");
    await browser.trpc.accounts.signOut.mutate();
    expect((await browser.trpc.accounts.state.query()).account).toBeNull();
    expect(await failure(browser.trpc.accounts.sessions.query())).toMatchObject({ code: "not_authenticated", status: 401 });
  });

  it("sets the session cookie HttpOnly and SameSite", async () => {
    const res = await fetch(`${t.baseUrl}/trpc/accounts.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: t.baseUrl },
      body: JSON.stringify({ email: "admin@example.com", password: PASSWORD }),
    });
    const cookie = res.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^apprun_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  });

  it("refuses a mutation from another origin (CSRF)", async () => {
    const evil = consoleClient(t.baseUrl, { origin: "https://evil.example" });
    evil.jar.set("apprun_session", admin.jar.get("apprun_session")!);
    expect(await failure(evil.trpc.accounts.updateProfile.mutate({ name: "Pwned" }))).toMatchObject({ code: "csrf_rejected", status: 403 });
    expect((await admin.trpc.accounts.state.query()).account?.name).toBe("Ada Admin");
  });

  it("lists sessions with the current one marked, revokes one, and signs out everywhere else", async () => {
    const other = consoleClient(t.baseUrl);
    await other.trpc.accounts.signIn.mutate({ email: "admin@example.com", password: PASSWORD });
    const sessions = await admin.trpc.accounts.sessions.query();
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    const otherSession = sessions.find((s) => !s.current)!;
    expect(otherSession).toMatchObject({ ip: "127.0.0.1", authMethod: "password", userAgent: expect.any(String) });

    await admin.trpc.accounts.signOutEverywhere.mutate({ keepCurrent: true });
    expect((await other.trpc.accounts.state.query()).account).toBeNull();
    expect((await admin.trpc.accounts.state.query()).account).not.toBeNull();
    expect(await admin.trpc.accounts.sessions.query()).toHaveLength(1);
    expect(await failure(admin.trpc.accounts.revokeSession.mutate({ sessionId: "ses_unknown" }))).toMatchObject({
      code: "session_not_found",
      status: 404,
    });
  });

  it("locks an account after 5 failures with 429 and Retry-After, even for the right password", async () => {
    await admin.trpc.instance.createAccount.mutate({ email: "locked@example.com", name: "Lou", password: PASSWORD });
    const browser = consoleClient(t.baseUrl);
    for (let i = 0; i < 5; i++) {
      expect(
        (await failure(browser.trpc.accounts.signIn.mutate({ email: "locked@example.com", password: `wrong-${i}-password` }))).code,
      ).toBe("invalid_credentials");
    }
    const locked = await failure(browser.trpc.accounts.signIn.mutate({ email: "locked@example.com", password: PASSWORD }));
    expect(locked).toMatchObject({ code: "rate_limited", status: 429 });
    expect(locked.details.retryAfterSeconds).toBeGreaterThan(0);
    const raw = await fetch(`${t.baseUrl}/trpc/accounts.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: t.baseUrl },
      body: JSON.stringify({ email: "locked@example.com", password: PASSWORD }),
    });
    expect(raw.status).toBe(429);
    // Other accounts are unaffected.
    expect((await browser.trpc.accounts.signIn.mutate({ email: "admin@example.com", password: PASSWORD })).status).toBe("signed_in");
  });

  it("keeps sign-up invitation-only until the instance opens it", async () => {
    const browser = consoleClient(t.baseUrl);
    expect(await failure(browser.trpc.accounts.signUp.mutate({ email: "new@example.com", name: "Neo", password: PASSWORD }))).toMatchObject(
      { code: "signup_closed", status: 403 },
    );
    await admin.trpc.instance.updateSignup.mutate({ mode: "open" });
    const { account } = await browser.trpc.accounts.signUp.mutate({ email: "new@example.com", name: "Neo", password: PASSWORD });
    expect(account).toMatchObject({ email: "new@example.com", instanceAdmin: false, emailVerified: false });
    expect(
      await failure(consoleClient(t.baseUrl).trpc.accounts.signUp.mutate({ email: "new@example.com", name: "Neo 2", password: PASSWORD })),
    ).toMatchObject({ code: "email_taken", status: 409 });

    // The verification mail was sent; its link confirms the address once.
    const mail = await smtp.waitFor("new@example.com");
    expect(mail.subject).toBe("Confirm your email for apprun");
    const token = linkIn(mail).searchParams.get("token")!;
    await browser.trpc.accounts.verifyEmail.mutate({ token });
    expect((await browser.trpc.accounts.state.query()).account?.emailVerified).toBe(true);
    expect(await failure(browser.trpc.accounts.verifyEmail.mutate({ token }))).toMatchObject({ code: "token_invalid", status: 400 });
    await admin.trpc.instance.updateSignup.mutate({ mode: "invite_only" });
  });

  it("resets a password through the mailed link, once, ending every session", async () => {
    const user = consoleClient(t.baseUrl, { locale: "zh-CN" });
    await user.trpc.accounts.signIn.mutate({ email: "new@example.com", password: PASSWORD });
    const anonymous = consoleClient(t.baseUrl, { locale: "zh-CN" });
    await anonymous.trpc.accounts.requestPasswordReset.mutate({ email: "new@example.com" });
    // Unknown emails get the same answer and no mail.
    await anonymous.trpc.accounts.requestPasswordReset.mutate({ email: "ghost@example.com" });

    const mail = await smtp.waitFor("new@example.com");
    expect(mail.subject).toBe("重置您的 apprun 密码");
    const token = linkIn(mail).searchParams.get("token")!;
    await anonymous.trpc.accounts.resetPassword.mutate({ token, password: "a brand new password" });
    expect(await failure(anonymous.trpc.accounts.resetPassword.mutate({ token, password: "another new password" }))).toMatchObject({
      code: "token_invalid",
    });
    expect((await user.trpc.accounts.state.query()).account).toBeNull();
    expect((await failure(anonymous.trpc.accounts.signIn.mutate({ email: "new@example.com", password: PASSWORD }))).code).toBe(
      "invalid_credentials",
    );
    expect((await anonymous.trpc.accounts.signIn.mutate({ email: "new@example.com", password: "a brand new password" })).status).toBe(
      "signed_in",
    );
    expect(smtp.received.filter((m) => m.to.includes("ghost@example.com"))).toEqual([]);
  });

  it("enrols TOTP, then requires a code or a one-time recovery code at sign-in", async () => {
    const user = consoleClient(t.baseUrl);
    await admin.trpc.instance.createAccount.mutate({ email: "totp@example.com", name: "Tess", password: PASSWORD });
    await user.trpc.accounts.signIn.mutate({ email: "totp@example.com", password: PASSWORD });
    const { secret, uri } = await user.trpc.accounts.totp.begin.mutate();
    expect(uri).toMatch(/^otpauth:\/\/totp\/apprun%3Atotp%40example\.com\?secret=/);
    const key = base32Decode(secret);
    expect(await failure(user.trpc.accounts.totp.confirm.mutate({ code: "000000" }))).toMatchObject({ code: "mfa_code_invalid" });
    const { recoveryCodes } = await user.trpc.accounts.totp.confirm.mutate({ code: hotp(key, totpStep(Date.now())) });
    expect(recoveryCodes).toHaveLength(10);
    expect((await user.trpc.accounts.state.query()).account?.totpEnabled).toBe(true);

    const next = consoleClient(t.baseUrl);
    const first = await next.trpc.accounts.signIn.mutate({ email: "totp@example.com", password: PASSWORD });
    expect(first.status).toBe("mfa_required");
    expect(next.jar.has("apprun_session")).toBe(false);
    const challenge = (first as { challenge: string }).challenge;
    expect(await failure(next.trpc.accounts.verifyMfa.mutate({ challenge, code: "123456" }))).toMatchObject({
      code: "mfa_code_invalid",
      status: 401,
    });
    // The code used to confirm enrolment cannot be replayed; the next step's can.
    await next.trpc.accounts.verifyMfa.mutate({ challenge, code: hotp(key, totpStep(Date.now()) + 1) });
    expect((await next.trpc.accounts.state.query()).account?.email).toBe("totp@example.com");

    const withRecovery = consoleClient(t.baseUrl);
    const second = (await withRecovery.trpc.accounts.signIn.mutate({ email: "totp@example.com", password: PASSWORD })) as {
      challenge: string;
    };
    await withRecovery.trpc.accounts.verifyMfa.mutate({ challenge: second.challenge, recoveryCode: recoveryCodes[0]!.toUpperCase() });
    expect(await withRecovery.trpc.accounts.totp.recoveryCodesLeft.query()).toBe(9);
    const third = (await consoleClient(t.baseUrl).trpc.accounts.signIn.mutate({ email: "totp@example.com", password: PASSWORD })) as {
      challenge: string;
    };
    expect(
      await failure(withRecovery.trpc.accounts.verifyMfa.mutate({ challenge: third.challenge, recoveryCode: recoveryCodes[0]! })),
    ).toMatchObject({ code: "mfa_code_invalid" });
    // Challenges are single-use.
    expect(
      await failure(withRecovery.trpc.accounts.verifyMfa.mutate({ challenge: second.challenge, recoveryCode: recoveryCodes[1]! })),
    ).toMatchObject({ code: "token_invalid" });
  });

  it("makes accounts without 2FA enrol first when the instance requires it", async () => {
    await admin.trpc.instance.createAccount.mutate({ email: "policy@example.com", name: "Pat", password: PASSWORD });
    const user = consoleClient(t.baseUrl);
    await user.trpc.accounts.signIn.mutate({ email: "policy@example.com", password: PASSWORD });
    await admin.trpc.accounts.totp.begin
      .mutate()
      .then(async ({ secret }) => admin.trpc.accounts.totp.confirm.mutate({ code: hotp(base32Decode(secret), totpStep(Date.now())) }));
    await admin.trpc.instance.updateSecurity.mutate({ require2fa: true, requireEmailVerification: false });
    try {
      expect((await user.trpc.accounts.state.query()).mfaEnrollmentRequired).toBe(true);
      expect(await failure(user.trpc.accounts.sessions.query())).toMatchObject({ code: "mfa_enrollment_required", status: 403 });
      expect(await failure(user.trpc.projects.list.query())).toMatchObject({ code: "mfa_enrollment_required" });
      const { secret } = await user.trpc.accounts.totp.begin.mutate();
      await user.trpc.accounts.totp.confirm.mutate({ code: hotp(base32Decode(secret), totpStep(Date.now())) });
      expect(await user.trpc.accounts.sessions.query()).toHaveLength(1);
    } finally {
      await admin.trpc.instance.updateSecurity.mutate({ require2fa: false, requireEmailVerification: false });
    }
  });

  it("stores TOTP secrets sealed, never in plain base32", async () => {
    const row = await t.app.database.db
      .selectFrom("accounts")
      .select("totp_secret")
      .where("email", "=", "totp@example.com")
      .executeTakeFirstOrThrow();
    expect(row.totp_secret).toMatch(/^v1\./);
  });

  it("disables an account: its sessions end and it cannot sign in; admins cannot disable themselves", async () => {
    const accounts = await admin.trpc.instance.accounts.query();
    const target = accounts.find((a) => a.email === "new@example.com")!;
    const victim = consoleClient(t.baseUrl);
    await victim.trpc.accounts.signIn.mutate({ email: "new@example.com", password: "a brand new password" });
    await admin.trpc.instance.setAccountDisabled.mutate({ accountId: target.id, disabled: true });
    expect((await victim.trpc.accounts.state.query()).account).toBeNull();
    expect(await failure(victim.trpc.accounts.signIn.mutate({ email: "new@example.com", password: "a brand new password" }))).toMatchObject(
      { code: "account_disabled", status: 403 },
    );
    const self = accounts.find((a) => a.email === "admin@example.com")!;
    expect(await failure(admin.trpc.instance.setAccountDisabled.mutate({ accountId: self.id, disabled: true }))).toMatchObject({
      code: "cannot_disable_self",
    });
  });

  it("keeps instance administration to instance admins", async () => {
    const plain = consoleClient(t.baseUrl);
    await admin.trpc.instance.createAccount.mutate({ email: "plain@example.com", name: "Plain", password: PASSWORD });
    await plain.trpc.accounts.signIn.mutate({ email: "plain@example.com", password: PASSWORD });
    const calls = [
      () => plain.trpc.instance.settings.query(),
      () => plain.trpc.instance.accounts.query(),
      () => plain.trpc.instance.audit.query({}),
      () => plain.trpc.instance.ssoProviders.query(),
    ];
    for (const call of calls) expect(await failure(call())).toMatchObject({ code: "instance_admin_required", status: 403 });
    expect(await failure(plain.trpc.instance.updateSignup.mutate({ mode: "open" }))).toMatchObject({ code: "instance_admin_required" });
  });

  it.each([
    ["a malformed email", { email: "not-an-email", name: "X", password: PASSWORD }, "email"],
    ["an over-long name", { email: "x@example.com", name: "n".repeat(101), password: PASSWORD }, "name"],
    ["a short password", { email: "x@example.com", name: "X", password: "short" }, "password"],
    ["an over-long email", { email: `${"a".repeat(250)}@example.com`, name: "X", password: PASSWORD }, "email"],
  ])("rejects %s with 400 naming the field, writing nothing", async (_label, input, field) => {
    const error = await failure(admin.trpc.instance.createAccount.mutate(input));
    expect(error).toMatchObject({ code: "invalid_input", status: 400 });
    expect(JSON.stringify(error.details.issues)).toContain(`"path":"${field}"`);
    expect((await admin.trpc.instance.accounts.query()).some((a) => a.email === "x@example.com")).toBe(false);
  });

  it("answers in the caller's language", async () => {
    const zh = consoleClient(t.baseUrl, { locale: "zh-CN,zh;q=0.9" });
    expect((await failure(zh.trpc.accounts.signIn.mutate({ email: "admin@example.com", password: "nope nope" }))).message).toBe(
      "邮箱或密码错误",
    );
  });
});
