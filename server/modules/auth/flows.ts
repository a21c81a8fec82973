import crypto from "node:crypto";
import type { Selectable } from "kysely";
import type { RequestOrigin } from "../../platform/auth/actor";
import { dummyPasswordHash, hashPassword, verifyPassword, PASSWORD_PARAMS } from "../../platform/crypto/passwords";
import { hashToken, newId, newRecoveryCodes, normalizeRecoveryCode, randomToken } from "../../platform/crypto/tokens";
import { newTotpSecret, otpauthUri, verifyTotp } from "../../platform/crypto/totp";
import { readJson, readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { Locale } from "../../platform/errors/locale";
import type { MailTemplate } from "../../platform/mail/templates";
import { renderMail } from "../../platform/mail/templates";
import { LIMITS } from "../accounts/service";
import type { AuthContext, ProjectRef } from "./context";
import { magicLinkMail, otpMail, resetPasswordMail, verifyEmailMail } from "./mail";
import {
  emailLinkInput,
  mfaInput,
  otpVerifyInput,
  redirectInput,
  refreshInput,
  resetInput,
  signInInput,
  signUpInput,
  tokenInput,
  totpCodeInput,
  type AuthSettings,
} from "./schema";
import type { AuthSettingsService } from "./settings";
import type { ProjectAuthDatabase, ProjectAuthDb } from "./storage";
import type { AccessClaims, TokenService } from "./tokens";

export type UserRow = Selectable<ProjectAuthDatabase["users"]>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OTP_TTL_MS = 10 * MINUTE;
const OTP_MAX_ATTEMPTS = 5;
const MAGIC_LINK_TTL_MS = 15 * MINUTE;
const MFA_CHALLENGE_TTL_MS = 5 * MINUTE;

/** What an app user sees of themselves, and the console of them. */
export interface AppUserView {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  totpEnabled: boolean;
  disabled: boolean;
  hasPassword: boolean;
  roles: string[];
  createdAt: string;
  lastSignInAt: string | null;
}

export interface AppSessionView {
  id: string;
  authMethod: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  refreshedAt: string;
  expiresAt: string;
  current: boolean;
}

export interface SignedIn {
  status: "signed_in";
  accessToken: string;
  tokenType: "Bearer";
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  user: AppUserView;
}

export type SignInResult = SignedIn | { status: "mfa_required"; challenge: string };

export function toUserView(row: UserRow, roles: string[]): AppUserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
    totpEnabled: row.totp_enabled_at !== null,
    disabled: row.disabled_at !== null,
    hasPassword: row.password_hash !== null,
    roles,
    createdAt: readTime(row.created_at),
    lastSignInAt: row.last_sign_in_at ? readTime(row.last_sign_in_at) : null,
  };
}

export async function rolesOf(db: ProjectAuthDb, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("user_roles")
    .innerJoin("roles", "roles.id", "user_roles.role_id")
    .select("roles.name")
    .where("user_roles.user_id", "=", userId)
    .orderBy("roles.name")
    .execute();
  return rows.map((r) => r.name);
}

const sixDigits = () => String(crypto.randomInt(0, 1_000_000)).padStart(6, "0");

/**
 * The app-user flows of a project's public auth API: sign-up, password sign-in, email codes and
 * magic links, TOTP second factor, refresh-token rotation with reuse detection, sessions, password
 * reset and email verification. Every project's users live in its own namespace; brute-force limits
 * are the console's, keyed per project.
 */
export function createAppUserFlows(ctx: AuthContext, deps: { settings: AuthSettingsService; tokens: TokenService }) {
  const params = ctx.passwordParams ?? PASSWORD_PARAMS;
  const { settings: settingsService, tokens } = deps;

  const limitKey = (project: ProjectRef, ...parts: string[]) => `app:${project.id}:${parts.join(":")}`;

  async function findByEmail(db: ProjectAuthDb, email: string): Promise<UserRow | undefined> {
    return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  }

  async function findById(db: ProjectAuthDb, id: string): Promise<UserRow | undefined> {
    return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async function insertUser(
    db: ProjectAuthDb,
    input: { email: string; name?: string; password?: string; emailVerified: boolean },
  ): Promise<UserRow> {
    if (await findByEmail(db, input.email)) throw new AppError("email_taken", 409, { email: input.email });
    const row: UserRow = {
      id: newId("usr"),
      email: input.email,
      name: input.name ?? input.email.split("@")[0]!.slice(0, 100),
      password_hash: input.password ? await hashPassword(input.password, params) : null,
      email_verified_at: input.emailVerified ? ctx.iso() : null,
      disabled_at: null,
      totp_secret: null,
      totp_enabled_at: null,
      totp_last_step: null,
      last_sign_in_at: null,
      created_at: ctx.iso(),
      updated_at: ctx.iso(),
    };
    try {
      await db.insertInto("users").values(row).execute();
    } catch (err) {
      // Two sign-ups of one email at once: the unique index decides, the loser gets the same answer.
      const e = err as { code?: string; message?: string };
      if (e.code === "23505" || /UNIQUE constraint failed/.test(e.message ?? ""))
        throw new AppError("email_taken", 409, { email: input.email });
      throw err;
    }
    return row;
  }

  /** Drops what can never be used again: links, codes, refresh tokens and sessions expired a day ago. */
  async function sweep(db: ProjectAuthDb): Promise<void> {
    const cutoff = ctx.iso(ctx.now() - DAY);
    await db.deleteFrom("one_time_tokens").where("expires_at", "<", cutoff).execute();
    await db.deleteFrom("refresh_tokens").where("expires_at", "<", cutoff).execute();
    await db.deleteFrom("sessions").where("expires_at", "<", cutoff).execute();
  }
  // Anonymous routes write rows (OAuth state, codes); about one write in a hundred also cleans up.
  const maybeSweep = (db: ProjectAuthDb) => {
    if (Math.random() < 0.01) void sweep(db).catch(() => {});
  };

  async function issueOneTime(
    db: ProjectAuthDb,
    kind: string,
    ttlMs: number,
    fields: { userId?: string | null; email?: string | null; data?: unknown },
    secret = randomToken(),
  ): Promise<{ id: string; secret: string }> {
    const id = newId("ott");
    await db
      .insertInto("one_time_tokens")
      .values({
        id,
        kind,
        // Short codes are hashed with their row id, so equal codes of two users never collide.
        token_hash: kind === "email_otp" ? hashToken(`${id}:${secret}`) : hashToken(secret),
        user_id: fields.userId ?? null,
        email: fields.email ?? null,
        data: fields.data === undefined ? null : JSON.stringify(fields.data),
        expires_at: ctx.iso(ctx.now() + ttlMs),
        used_at: null,
        created_at: ctx.iso(),
      })
      .execute();
    maybeSweep(db);
    return { id, secret };
  }

  /** Marks a one-time token used; `token_invalid` when unknown, used, expired or of another kind. */
  async function useOneTime(db: ProjectAuthDb, kind: string, secret: string) {
    const row = await db.selectFrom("one_time_tokens").selectAll().where("token_hash", "=", hashToken(secret)).executeTakeFirst();
    if (!row || row.kind !== kind || row.used_at !== null || Date.parse(readTime(row.expires_at)) <= ctx.now())
      throw new AppError("token_invalid", 400, { kind });
    // The used_at guard makes two concurrent uses yield one winner.
    const claimed = await db
      .updateTable("one_time_tokens")
      .set({ used_at: ctx.iso() })
      .where("id", "=", row.id)
      .where("used_at", "is", null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw new AppError("token_invalid", 400, { kind });
    return { ...row, data: row.data === null ? null : readJson<Record<string, unknown>>(row.data) };
  }

  async function sendMail(template: MailTemplate, locale: Locale, to: string, vars: Record<string, string>): Promise<void> {
    await ctx.mailer.send(renderMail(template, locale, to, vars));
  }

  async function requireMail(): Promise<void> {
    if (!(await ctx.mailer.configured())) throw new AppError("mail_not_configured", 409);
  }

  function linkTo(target: string, token: string, type: string): string {
    const url = new URL(target);
    url.searchParams.set("token", token);
    url.searchParams.set("type", type);
    return url.href;
  }

  function assertMethod(settings: AuthSettings, method: "password" | "email_otp" | "magic_link") {
    const on = method === "password" ? settings.passwordSignIn : method === "email_otp" ? settings.emailOtp : settings.magicLink;
    if (!on) throw new AppError("auth_method_disabled", 403, { method });
  }

  /** A new session (refresh-token family) with its first refresh token, and an access token. */
  async function startSession(project: ProjectRef, user: UserRow, method: string, origin: RequestOrigin): Promise<SignedIn> {
    const settings = await settingsService.get(project.id);
    const refreshToken = randomToken();
    const sessionId = newId("ses");
    const expiresAt = ctx.iso(ctx.now() + settings.refreshTokenTtlSeconds * 1000);
    const roles = await ctx.db.transaction().execute(async (trx) => {
      const db = ctx.users(project.id, trx);
      await db
        .insertInto("sessions")
        .values({
          id: sessionId,
          user_id: user.id,
          auth_method: method,
          ip: origin.ip,
          user_agent: origin.userAgent?.slice(0, 500) ?? null,
          created_at: ctx.iso(),
          refreshed_at: ctx.iso(),
          expires_at: expiresAt,
          revoked_at: null,
          revoked_reason: null,
        })
        .execute();
      await db
        .insertInto("refresh_tokens")
        .values({ token_hash: hashToken(refreshToken), session_id: sessionId, created_at: ctx.iso(), expires_at: expiresAt, used_at: null })
        .execute();
      await db.updateTable("users").set({ last_sign_in_at: ctx.iso() }).where("id", "=", user.id).execute();
      return rolesOf(db, user.id);
    });
    maybeSweep(ctx.users(project.id));
    const access = await tokens.sign(project.id, { sub: user.id, sid: sessionId, roles }, settings.accessTokenTtlSeconds);
    await ctx.emit(project.id, "signed_in", { userId: user.id, sessionId, method });
    const fresh = (await findById(ctx.users(project.id), user.id))!;
    return {
      status: "signed_in",
      accessToken: access.token,
      tokenType: "Bearer",
      expiresIn: settings.accessTokenTtlSeconds,
      refreshToken,
      user: toUserView(fresh, roles),
    };
  }

  /** The last step of every sign-in: refuses disabled users, asks for the second factor when enrolled. */
  async function completeSignIn(project: ProjectRef, user: UserRow, method: string, origin: RequestOrigin): Promise<SignInResult> {
    if (user.disabled_at) throw new AppError("app_user_disabled", 403);
    if (user.totp_enabled_at) {
      const { secret } = await issueOneTime(ctx.users(project.id), "mfa_challenge", MFA_CHALLENGE_TTL_MS, {
        userId: user.id,
        data: { method },
      });
      return { status: "mfa_required", challenge: secret };
    }
    return startSession(project, user, method, origin);
  }

  async function revokeSession(db: ProjectAuthDb, sessionId: string, reason: string): Promise<void> {
    await db
      .updateTable("sessions")
      .set({ revoked_at: ctx.iso(), revoked_reason: reason })
      .where("id", "=", sessionId)
      .where("revoked_at", "is", null)
      .execute();
  }

  /** The live session and enabled user behind a verified access token, for the routes that act as that user. */
  async function requireSession(
    ref: string,
    claims: AccessClaims,
  ): Promise<{ project: ProjectRef; db: ProjectAuthDb; user: UserRow; sessionId: string }> {
    const project = await ctx.project(ref);
    if (claims.prj !== project.id) throw new AppError("access_token_wrong_project", 401);
    const db = ctx.users(project.id);
    const session = await db
      .selectFrom("sessions")
      .select(["user_id", "revoked_at", "expires_at"])
      .where("id", "=", claims.sid)
      .executeTakeFirst();
    if (!session || session.user_id !== claims.sub || session.revoked_at !== null || Date.parse(readTime(session.expires_at)) <= ctx.now())
      throw new AppError("session_revoked", 401);
    const user = await findById(db, claims.sub);
    if (!user) throw new AppError("session_revoked", 401);
    if (user.disabled_at) throw new AppError("app_user_disabled", 403);
    return { project, db, user, sessionId: claims.sid };
  }

  /** An existing user by email, or a new one (when sign-up is on) whose email is proven by the code or link. */
  async function userForEmailProof(project: ProjectRef, settings: AuthSettings, email: string): Promise<UserRow> {
    const db = ctx.users(project.id);
    const existing = await findByEmail(db, email);
    if (existing) {
      if (!existing.email_verified_at) {
        await db.updateTable("users").set({ email_verified_at: ctx.iso(), updated_at: ctx.iso() }).where("id", "=", existing.id).execute();
        return (await findById(db, existing.id))!;
      }
      return existing;
    }
    if (!settings.signUpEnabled) throw new AppError("signup_disabled", 403);
    const user = await insertUser(db, { email, emailVerified: true });
    await ctx.emit(project.id, "user.created", { userId: user.id, email: user.email, method: "email" });
    return user;
  }

  async function sendVerification(project: ProjectRef, user: UserRow, target: string, locale: Locale): Promise<void> {
    const { secret } = await issueOneTime(ctx.users(project.id), "verify_email", DAY, { userId: user.id, email: user.email });
    await sendMail(verifyEmailMail, locale, user.email, {
      project: project.name,
      name: user.name,
      link: linkTo(target, secret, "verify_email"),
    });
  }

  return {
    startSession,
    completeSignIn,
    requireSession,
    insertUser,
    findById,
    findByEmail,
    issueOneTime,
    useOneTime,
    revokeSession,
    linkTo,
    sweep,

    /** What an app needs before signing in: which methods are on, which providers exist. */
    async publicSettings(ref: string) {
      const project = await ctx.project(ref);
      const s = await settingsService.get(project.id);
      return {
        project: { id: project.id, slug: project.slug, name: project.name },
        signUpEnabled: s.signUpEnabled,
        requireEmailVerification: s.requireEmailVerification,
        methods: { password: s.passwordSignIn, emailOtp: s.emailOtp, magicLink: s.magicLink },
        issuer: ctx.issuer(project.id),
        jwksUri: `${ctx.issuer(project.id)}/jwks`,
      };
    },

    /**
     * A new user with email and password. Signed in at once, unless the project requires a
     * confirmed email: then a verification mail goes out and no tokens are issued.
     */
    async signUp(
      ref: string,
      input: unknown,
      origin: RequestOrigin,
      locale: Locale,
    ): Promise<SignedIn | { status: "verification_required"; user: AppUserView }> {
      const parsed = signUpInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      if (!settings.signUpEnabled) throw new AppError("signup_disabled", 403);
      assertMethod(settings, "password");
      const verifyTarget = settings.requireEmailVerification ? settingsService.redirectTarget(settings, undefined) : null;
      if (verifyTarget) await requireMail();
      if (origin.ip) await ctx.limiter.consume(limitKey(project, "signup:ip", origin.ip), LIMITS.signUpPerIp);
      const user = await ctx.db.transaction().execute((trx) =>
        insertUser(ctx.users(project.id, trx), {
          email: parsed.email,
          name: parsed.name,
          password: parsed.password,
          emailVerified: false,
        }),
      );
      await ctx.emit(project.id, "user.created", { userId: user.id, email: user.email, method: "password" });
      if (verifyTarget) {
        await sendVerification(project, user, verifyTarget, locale);
        return { status: "verification_required", user: toUserView(user, []) };
      }
      // Without the requirement, the app asks for a confirmation mail when it wants one (`/email/verify/send`).
      return startSession(project, user, "password", origin);
    },

    async signIn(ref: string, input: unknown, origin: RequestOrigin): Promise<SignInResult> {
      const { email, password } = signInInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      assertMethod(settings, "password");
      if (origin.ip) await ctx.limiter.consume(limitKey(project, "signin:ip", origin.ip), LIMITS.signInPerIp);
      const userKey = limitKey(project, "signin:user", email);
      await ctx.limiter.check(userKey, LIMITS.signInFailuresPerAccount);
      const user = await findByEmail(ctx.users(project.id), email);
      // Unknown users cost a hash check too, so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
      if (!user || !user.password_hash || !ok) {
        await ctx.limiter.record(userKey, LIMITS.signInFailuresPerAccount);
        throw new AppError("invalid_credentials", 401);
      }
      await ctx.limiter.reset(userKey);
      if (settings.requireEmailVerification && !user.email_verified_at) throw new AppError("app_email_not_verified", 403);
      return completeSignIn(project, user, "password", origin);
    },

    /** The second step of a sign-in with TOTP on: a code, or an unused recovery code. */
    async verifyMfa(ref: string, input: unknown, origin: RequestOrigin): Promise<SignedIn> {
      const parsed = mfaInput.parse(input);
      const project = await ctx.project(ref);
      const db = ctx.users(project.id);
      const challenge = await db
        .selectFrom("one_time_tokens")
        .selectAll()
        .where("token_hash", "=", hashToken(parsed.challenge))
        .executeTakeFirst();
      if (
        !challenge ||
        challenge.kind !== "mfa_challenge" ||
        challenge.used_at !== null ||
        Date.parse(readTime(challenge.expires_at)) <= ctx.now() ||
        !challenge.user_id
      ) {
        throw new AppError("token_invalid", 400, { kind: "mfa_challenge" });
      }
      const user = (await findById(db, challenge.user_id))!;
      const key = limitKey(project, "mfa:user", user.id);
      await ctx.limiter.check(key, LIMITS.mfaFailuresPerAccount);
      const first = readJson<{ method: string }>(challenge.data).method;
      let method = `${first}+totp`;
      if (parsed.recoveryCode) {
        const used = await db
          .updateTable("recovery_codes")
          .set({ used_at: ctx.iso() })
          .where("user_id", "=", user.id)
          .where("code_hash", "=", hashToken(normalizeRecoveryCode(parsed.recoveryCode)))
          .where("used_at", "is", null)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) {
          await ctx.limiter.record(key, LIMITS.mfaFailuresPerAccount);
          throw new AppError("mfa_code_invalid", 401);
        }
        method = `${first}+recovery_code`;
      } else {
        const step = user.totp_secret
          ? verifyTotp(
              Buffer.from(ctx.secrets.totp.open(user.totp_secret), "base64"),
              parsed.code!,
              ctx.now(),
              user.totp_last_step === null ? null : Number(user.totp_last_step),
            )
          : null;
        if (step === null) {
          await ctx.limiter.record(key, LIMITS.mfaFailuresPerAccount);
          throw new AppError("mfa_code_invalid", 401);
        }
        await db.updateTable("users").set({ totp_last_step: step }).where("id", "=", user.id).execute();
      }
      await useOneTime(db, "mfa_challenge", parsed.challenge);
      await ctx.limiter.reset(key);
      if (user.disabled_at) throw new AppError("app_user_disabled", 403);
      return startSession(project, user, method, origin);
    },

    /**
     * Exchanges a refresh token for a new pair. The token is rotated: using one that was already
     * rotated away means it leaked, and ends its whole session (every token of the family).
     */
    async refresh(ref: string, input: unknown): Promise<SignedIn> {
      const { refreshToken } = refreshInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      const next = randomToken();
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        const db = ctx.users(project.id, trx);
        const row = await db
          .selectFrom("refresh_tokens")
          .innerJoin("sessions", "sessions.id", "refresh_tokens.session_id")
          .select([
            "refresh_tokens.session_id",
            "refresh_tokens.used_at",
            "refresh_tokens.expires_at",
            "sessions.user_id",
            "sessions.revoked_at",
          ])
          .where("refresh_tokens.token_hash", "=", hashToken(refreshToken))
          .executeTakeFirst();
        if (!row || row.revoked_at !== null || Date.parse(readTime(row.expires_at)) <= ctx.now()) return { kind: "invalid" as const };
        if (row.used_at !== null) return { kind: "reused" as const, sessionId: row.session_id };
        const claimed = await db
          .updateTable("refresh_tokens")
          .set({ used_at: ctx.iso() })
          .where("token_hash", "=", hashToken(refreshToken))
          .where("used_at", "is", null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return { kind: "reused" as const, sessionId: row.session_id };
        const user = await findById(db, row.user_id);
        if (!user || user.disabled_at) return { kind: "invalid" as const };
        const expiresAt = ctx.iso(ctx.now() + settings.refreshTokenTtlSeconds * 1000);
        await db
          .insertInto("refresh_tokens")
          .values({ token_hash: hashToken(next), session_id: row.session_id, created_at: ctx.iso(), expires_at: expiresAt, used_at: null })
          .execute();
        await db.updateTable("sessions").set({ refreshed_at: ctx.iso(), expires_at: expiresAt }).where("id", "=", row.session_id).execute();
        return { kind: "rotated" as const, user, sessionId: row.session_id, roles: await rolesOf(db, user.id) };
      });
      if (outcome.kind === "invalid") throw new AppError("refresh_token_invalid", 401);
      if (outcome.kind === "reused") {
        await revokeSession(ctx.users(project.id), outcome.sessionId, "refresh_token_reused");
        throw new AppError("refresh_token_reused", 401);
      }
      const access = await tokens.sign(
        project.id,
        { sub: outcome.user.id, sid: outcome.sessionId, roles: outcome.roles },
        settings.accessTokenTtlSeconds,
      );
      return {
        status: "signed_in",
        accessToken: access.token,
        tokenType: "Bearer",
        expiresIn: settings.accessTokenTtlSeconds,
        refreshToken: next,
        user: toUserView(outcome.user, outcome.roles),
      };
    },

    /** Ends the caller's session: its refresh tokens stop working; the access token lapses at its expiry. */
    async signOut(ref: string, claims: AccessClaims): Promise<void> {
      const { db, sessionId } = await requireSession(ref, claims);
      await revokeSession(db, sessionId, "sign_out");
    },

    async me(ref: string, claims: AccessClaims): Promise<AppUserView> {
      const { db, user } = await requireSession(ref, claims);
      return toUserView(user, await rolesOf(db, user.id));
    },

    async sessions(ref: string, claims: AccessClaims): Promise<AppSessionView[]> {
      const { db, user, sessionId } = await requireSession(ref, claims);
      const rows = await db
        .selectFrom("sessions")
        .selectAll()
        .where("user_id", "=", user.id)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", ctx.iso())
        .orderBy("refreshed_at", "desc")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        authMethod: r.auth_method,
        ip: r.ip,
        userAgent: r.user_agent,
        createdAt: readTime(r.created_at),
        refreshedAt: readTime(r.refreshed_at),
        expiresAt: readTime(r.expires_at),
        current: r.id === sessionId,
      }));
    },

    async revokeOwnSession(ref: string, claims: AccessClaims, targetId: string): Promise<void> {
      const { db, user } = await requireSession(ref, claims);
      const result = await db
        .updateTable("sessions")
        .set({ revoked_at: ctx.iso(), revoked_reason: "revoked_by_user" })
        .where("id", "=", targetId.slice(0, 64))
        .where("user_id", "=", user.id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new AppError("session_not_found", 404);
    },

    // ── email codes and magic links ──────────────────────────────────────────

    /** Mails a six-digit sign-in code. Answers the same whether or not the email has a user. */
    async sendOtp(ref: string, input: unknown, origin: RequestOrigin, locale: Locale): Promise<void> {
      const { email } = emailLinkInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      assertMethod(settings, "email_otp");
      await requireMail();
      if (origin.ip) await ctx.limiter.consume(limitKey(project, "otp:ip", origin.ip), LIMITS.resetPerIp);
      await ctx.limiter.consume(limitKey(project, "otp:email", email), LIMITS.resetPerEmail);
      const db = ctx.users(project.id);
      const user = await findByEmail(db, email);
      if (user?.disabled_at || (!user && !settings.signUpEnabled)) return;
      // A new code replaces any earlier one.
      await db
        .updateTable("one_time_tokens")
        .set({ used_at: ctx.iso() })
        .where("kind", "=", "email_otp")
        .where("email", "=", email)
        .where("used_at", "is", null)
        .execute();
      const { secret } = await issueOneTime(db, "email_otp", OTP_TTL_MS, { userId: user?.id ?? null, email }, sixDigits());
      await sendMail(otpMail, locale, email, { project: project.name, code: secret });
    },

    /** Signs in with a mailed code; five wrong tries spend it. A new email becomes a user when sign-up is on. */
    async verifyOtp(ref: string, input: unknown, origin: RequestOrigin): Promise<SignInResult> {
      const { email, code } = otpVerifyInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      assertMethod(settings, "email_otp");
      if (origin.ip) await ctx.limiter.consume(limitKey(project, "otp-verify:ip", origin.ip), LIMITS.signInPerIp);
      const key = limitKey(project, "otp-verify:email", email);
      await ctx.limiter.check(key, LIMITS.signInFailuresPerAccount);
      const db = ctx.users(project.id);
      const row = await db
        .selectFrom("one_time_tokens")
        .selectAll()
        .where("kind", "=", "email_otp")
        .where("email", "=", email)
        .where("used_at", "is", null)
        .orderBy("created_at", "desc")
        .executeTakeFirst();
      const live = row && Date.parse(readTime(row.expires_at)) > ctx.now() && Number(row.attempts) < OTP_MAX_ATTEMPTS;
      const expected = Buffer.from(row ? row.token_hash : hashToken("none"));
      const actual = Buffer.from(hashToken(`${row?.id ?? ""}:${code}`));
      if (!row || !live || !crypto.timingSafeEqual(expected, actual)) {
        if (row)
          await db
            .updateTable("one_time_tokens")
            .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
            .where("id", "=", row.id)
            .execute();
        await ctx.limiter.record(key, LIMITS.signInFailuresPerAccount);
        throw new AppError("otp_invalid", 401);
      }
      const claimed = await db
        .updateTable("one_time_tokens")
        .set({ used_at: ctx.iso() })
        .where("id", "=", row.id)
        .where("used_at", "is", null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new AppError("otp_invalid", 401);
      await ctx.limiter.reset(key);
      const user = await userForEmailProof(project, settings, email);
      return completeSignIn(project, user, "email_otp", origin);
    },

    /** Mails a one-time sign-in link to the app (`?token=…&type=magic_link`), which posts the token back. */
    async sendMagicLink(ref: string, input: unknown, origin: RequestOrigin, locale: Locale): Promise<void> {
      const { email, redirectTo } = emailLinkInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      assertMethod(settings, "magic_link");
      const target = settingsService.redirectTarget(settings, redirectTo);
      await requireMail();
      if (origin.ip) await ctx.limiter.consume(limitKey(project, "magic:ip", origin.ip), LIMITS.resetPerIp);
      await ctx.limiter.consume(limitKey(project, "magic:email", email), LIMITS.resetPerEmail);
      const db = ctx.users(project.id);
      const user = await findByEmail(db, email);
      if (user?.disabled_at || (!user && !settings.signUpEnabled)) return;
      const { secret } = await issueOneTime(db, "magic_link", MAGIC_LINK_TTL_MS, { userId: user?.id ?? null, email });
      await sendMail(magicLinkMail, locale, email, { project: project.name, link: linkTo(target, secret, "magic_link") });
    },

    async verifyMagicLink(ref: string, input: unknown, origin: RequestOrigin): Promise<SignInResult> {
      const { token } = tokenInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      assertMethod(settings, "magic_link");
      const used = await useOneTime(ctx.users(project.id), "magic_link", token);
      const user = await userForEmailProof(project, settings, used.email!);
      return completeSignIn(project, user, "magic_link", origin);
    },

    // ── password reset and email verification ────────────────────────────────

    /** Always answers the same way whether or not the email has a user. */
    async requestPasswordReset(ref: string, input: unknown, origin: RequestOrigin, locale: Locale): Promise<void> {
      const { email, redirectTo } = emailLinkInput.parse(input);
      const project = await ctx.project(ref);
      const settings = await settingsService.get(project.id);
      const target = settingsService.redirectTarget(settings, redirectTo);
      await requireMail();
      if (origin.ip) await ctx.limiter.consume(limitKey(project, "reset:ip", origin.ip), LIMITS.resetPerIp);
      await ctx.limiter.consume(limitKey(project, "reset:email", email), LIMITS.resetPerEmail);
      const db = ctx.users(project.id);
      const user = await findByEmail(db, email);
      if (!user || user.disabled_at) return;
      const { secret } = await issueOneTime(db, "reset_password", HOUR, { userId: user.id, email });
      await sendMail(resetPasswordMail, locale, email, {
        project: project.name,
        name: user.name,
        link: linkTo(target, secret, "reset_password"),
      });
    },

    /** Sends a reset mail on a console member's behalf (to the site URL). */
    async sendResetMail(project: ProjectRef, user: UserRow, locale: Locale): Promise<void> {
      const settings = await settingsService.get(project.id);
      const target = settingsService.redirectTarget(settings, undefined);
      await requireMail();
      const { secret } = await issueOneTime(ctx.users(project.id), "reset_password", HOUR, { userId: user.id, email: user.email });
      await sendMail(resetPasswordMail, locale, user.email, {
        project: project.name,
        name: user.name,
        link: linkTo(target, secret, "reset_password"),
      });
    },

    /** Sets a new password from a mailed link, confirms the email, and ends every session of the user. */
    async resetPassword(ref: string, input: unknown): Promise<void> {
      const parsed = resetInput.parse(input);
      const project = await ctx.project(ref);
      const hash = await hashPassword(parsed.password, params);
      await ctx.db.transaction().execute(async (trx) => {
        const db = ctx.users(project.id, trx);
        const token = await useOneTime(db, "reset_password", parsed.token);
        const user = await findById(db, token.user_id!);
        if (!user || user.email !== token.email) throw new AppError("token_invalid", 400, { kind: "reset_password" });
        await db
          .updateTable("users")
          .set({ password_hash: hash, email_verified_at: user.email_verified_at ?? ctx.iso(), updated_at: ctx.iso() })
          .where("id", "=", user.id)
          .execute();
        await db
          .updateTable("sessions")
          .set({ revoked_at: ctx.iso(), revoked_reason: "password_reset" })
          .where("user_id", "=", user.id)
          .where("revoked_at", "is", null)
          .execute();
      });
    },

    async requestEmailVerification(ref: string, claims: AccessClaims, input: unknown, locale: Locale): Promise<void> {
      const { project, user } = await requireSession(ref, claims);
      const { redirectTo } = redirectInput.parse(input ?? {});
      if (user.email_verified_at) return;
      const settings = await settingsService.get(project.id);
      const target = settingsService.redirectTarget(settings, redirectTo);
      await requireMail();
      await ctx.limiter.consume(limitKey(project, "verify:user", user.id), LIMITS.resetPerEmail);
      await sendVerification(project, user, target, locale);
    },

    async verifyEmail(ref: string, input: unknown): Promise<void> {
      const { token } = tokenInput.parse(input);
      const project = await ctx.project(ref);
      await ctx.db.transaction().execute(async (trx) => {
        const db = ctx.users(project.id, trx);
        const used = await useOneTime(db, "verify_email", token);
        await db
          .updateTable("users")
          .set({ email_verified_at: ctx.iso(), updated_at: ctx.iso() })
          .where("id", "=", used.user_id!)
          .where("email", "=", used.email!)
          .execute();
      });
    },

    // ── TOTP ─────────────────────────────────────────────────────────────────

    /** Step one of enrolment: a new secret, inactive until a code confirms it. */
    async beginTotp(ref: string, claims: AccessClaims): Promise<{ secret: string; uri: string }> {
      const { project, db, user } = await requireSession(ref, claims);
      if (user.totp_enabled_at) throw new AppError("totp_already_enabled", 409);
      const secret = newTotpSecret();
      await db
        .updateTable("users")
        .set({ totp_secret: ctx.secrets.totp.seal(secret.toString("base64")), totp_last_step: null, updated_at: ctx.iso() })
        .where("id", "=", user.id)
        .execute();
      const uri = otpauthUri(secret, user.email, project.name);
      return { secret: new URL(uri).searchParams.get("secret")!, uri };
    },

    /** Step two: a valid code turns TOTP on and yields ten recovery codes, shown once. */
    async confirmTotp(ref: string, claims: AccessClaims, input: unknown): Promise<{ recoveryCodes: string[] }> {
      const { project, user } = await requireSession(ref, claims);
      const { code } = totpCodeInput.parse(input);
      if (user.totp_enabled_at) throw new AppError("totp_already_enabled", 409);
      if (!user.totp_secret) throw new AppError("totp_not_started", 409);
      const step = verifyTotp(Buffer.from(ctx.secrets.totp.open(user.totp_secret), "base64"), code, ctx.now());
      if (step === null) throw new AppError("mfa_code_invalid", 401);
      const recoveryCodes = newRecoveryCodes();
      await ctx.db.transaction().execute(async (trx) => {
        const db = ctx.users(project.id, trx);
        await db
          .updateTable("users")
          .set({ totp_enabled_at: ctx.iso(), totp_last_step: step, updated_at: ctx.iso() })
          .where("id", "=", user.id)
          .execute();
        await db.deleteFrom("recovery_codes").where("user_id", "=", user.id).execute();
        await db
          .insertInto("recovery_codes")
          .values(recoveryCodes.map((c) => ({ user_id: user.id, code_hash: hashToken(c), used_at: null })))
          .execute();
      });
      return { recoveryCodes };
    },

    /** Turning TOTP off takes a current code. */
    async disableTotp(ref: string, claims: AccessClaims, input: unknown): Promise<void> {
      const { project, user } = await requireSession(ref, claims);
      const { code } = totpCodeInput.parse(input);
      if (!user.totp_enabled_at || !user.totp_secret) throw new AppError("totp_not_enabled", 409);
      const key = limitKey(project, "mfa:user", user.id);
      await ctx.limiter.check(key, LIMITS.mfaFailuresPerAccount);
      if (
        verifyTotp(
          Buffer.from(ctx.secrets.totp.open(user.totp_secret), "base64"),
          code,
          ctx.now(),
          user.totp_last_step === null ? null : Number(user.totp_last_step),
        ) === null
      ) {
        await ctx.limiter.record(key, LIMITS.mfaFailuresPerAccount);
        throw new AppError("mfa_code_invalid", 401);
      }
      await ctx.db.transaction().execute(async (trx) => {
        const db = ctx.users(project.id, trx);
        await db
          .updateTable("users")
          .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: ctx.iso() })
          .where("id", "=", user.id)
          .execute();
        await db.deleteFrom("recovery_codes").where("user_id", "=", user.id).execute();
      });
    },
  };
}

export type AppUserFlows = ReturnType<typeof createAppUserFlows>;
