import type { Kysely, Selectable } from "kysely";
import type { AccountsTable, AccountsTables } from "./tables";
import type { Actor, RequestOrigin } from "../../platform/auth/actor";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword, PASSWORD_PARAMS } from "../../platform/crypto/passwords";
import type { SecretBox } from "../../platform/crypto/secret-box";
import { hashToken, newId, newRecoveryCodes, normalizeRecoveryCode, randomToken } from "../../platform/crypto/tokens";
import { newTotpSecret, otpauthUri, verifyTotp } from "../../platform/crypto/totp";
import { readBool, readJson, readTime } from "../../platform/db/dialect";
import type { Tx } from "../../platform/db/column-types";
import { AppError } from "../../platform/errors/app-error";
import type { Locale } from "../../platform/errors/locale";
import type { Mailer } from "../../platform/mail/mailer";
import { renderMail } from "../../platform/mail/templates";
import type { RateLimiter } from "../../platform/ratelimit/limiter";
import type { AuditService } from "../audit/service";
import type { InstanceService } from "../instance/service";
import { resetPasswordMail, verifyEmailMail } from "./mail";
import {
  changePasswordInput,
  disableTotpInput,
  mfaInput,
  resetInput,
  resetRequestInput,
  setupInput,
  signInInput,
  signUpInput,
  totpCodeInput,
  updateProfileInput,
  type MfaInput,
  type SetupInput,
  type SignInInput,
  type SignUpInput,
} from "./schema";

type Db = Kysely<AccountsTables>;
type AccountRow = Selectable<AccountsTable>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Sessions slide for a week of inactivity and end after 30 days regardless. */
export const SESSION_IDLE_MS = 7 * DAY;
export const SESSION_MAX_MS = 30 * DAY;
/** How stale `last_seen_at` may get before a request refreshes it (saves a write per request). */
const SESSION_TOUCH_MS = MINUTE;

/** Brute-force limits: shared by every node through the SQL rate limiter. */
export const LIMITS = {
  signInPerIp: { limit: 30, windowMs: 15 * MINUTE },
  signInFailuresPerAccount: { limit: 5, windowMs: 15 * MINUTE },
  mfaFailuresPerAccount: { limit: 5, windowMs: 15 * MINUTE },
  resetPerIp: { limit: 10, windowMs: HOUR },
  resetPerEmail: { limit: 3, windowMs: HOUR },
  signUpPerIp: { limit: 10, windowMs: HOUR },
};

export interface AccountView {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  instanceAdmin: boolean;
  totpEnabled: boolean;
  disabled: boolean;
  hasPassword: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

export interface SessionView {
  id: string;
  ip: string | null;
  userAgent: string | null;
  authMethod: string;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

/** A session just created: the token goes into the cookie and nowhere else. */
export interface IssuedSession {
  token: string;
  expiresAt: string;
}

export interface ResolvedSession {
  account: AccountView;
  sessionId: string;
  /** The instance requires 2FA and this account has not enrolled: only enrolment is allowed. */
  mfaEnrollmentRequired: boolean;
}

export type SignInResult =
  { status: "signed_in"; session: IssuedSession; account: AccountView } | { status: "mfa_required"; challenge: string };

export interface AccountsDeps {
  db: Db;
  /** Seals TOTP secrets (purpose-bound key from the master key). */
  secrets: SecretBox;
  limiter: RateLimiter;
  mailer: Mailer;
  instance: InstanceService;
  audit: AuditService;
  /** Base for links in mails, e.g. https://apprun.example.com */
  publicUrl: string;
  clock?: () => number;
  /** Tests pass cheaper scrypt parameters. */
  passwordParams?: { ln: number; r: number; p: number };
}

export function toAccountView(row: AccountRow): AccountView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
    instanceAdmin: readBool(row.is_instance_admin),
    totpEnabled: row.totp_enabled_at !== null,
    disabled: row.disabled_at !== null,
    hasPassword: row.password_hash !== null,
    createdAt: readTime(row.created_at),
    lastSignInAt: row.last_sign_in_at ? readTime(row.last_sign_in_at) : null,
  };
}

export function accountActor(account: AccountView, sessionId: string | null): Actor {
  return { kind: "account", id: account.id, email: account.email, name: account.name, instanceAdmin: account.instanceAdmin, sessionId };
}

/**
 * Console accounts: the company's people who use the console. First-start setup, sign-up by
 * invitation (or open, by setting), password sign-in with optional TOTP, cookie sessions, email
 * verification and password reset by mail, brute-force limits.
 */
export function createAccountsService(deps: AccountsDeps) {
  const { db } = deps;
  const now = deps.clock ?? Date.now;
  const iso = (ms = now()) => new Date(ms).toISOString();
  const params = deps.passwordParams ?? PASSWORD_PARAMS;

  async function findByEmail(email: string, trx: Db = db): Promise<AccountRow | undefined> {
    return trx.selectFrom("accounts").selectAll().where("email", "=", email).executeTakeFirst();
  }

  async function findById(id: string, trx: Db = db): Promise<AccountRow | undefined> {
    return trx.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async function requireAccount(id: string): Promise<AccountRow> {
    const row = await findById(id);
    if (!row) throw new AppError("account_not_found", 404);
    return row;
  }

  async function insertAccount(
    trx: Db,
    input: { email: string; name: string; password?: string; instanceAdmin?: boolean; emailVerified?: boolean },
  ): Promise<AccountRow> {
    if (await findByEmail(input.email, trx)) throw new AppError("email_taken", 409, { email: input.email });
    const row = {
      id: newId("acc"),
      email: input.email,
      name: input.name,
      password_hash: input.password ? await hashPassword(input.password, params) : null,
      email_verified_at: input.emailVerified ? iso() : null,
      is_instance_admin: input.instanceAdmin ?? false,
      disabled_at: null,
      totp_secret: null,
      totp_enabled_at: null,
      totp_last_step: null,
      last_sign_in_at: null,
    };
    await trx.insertInto("accounts").values(row).execute();
    return (await findById(row.id, trx))!;
  }

  async function issueSession(trx: Db, accountId: string, origin: RequestOrigin, method: string): Promise<IssuedSession> {
    const token = randomToken();
    const expiresAt = iso(now() + SESSION_IDLE_MS);
    await trx
      .insertInto("account_sessions")
      .values({
        id: newId("ses"),
        account_id: accountId,
        token_hash: hashToken(token),
        ip: origin.ip,
        user_agent: origin.userAgent?.slice(0, 500) ?? null,
        auth_method: method,
        created_at: iso(),
        last_seen_at: iso(),
        expires_at: expiresAt,
      })
      .execute();
    await trx.updateTable("accounts").set({ last_sign_in_at: iso() }).where("id", "=", accountId).execute();
    return { token, expiresAt };
  }

  async function issueToken(
    trx: Db,
    kind: string,
    ttlMs: number,
    fields: { accountId?: string; email?: string; data?: unknown },
  ): Promise<string> {
    const token = randomToken();
    await trx
      .insertInto("account_tokens")
      .values({
        id: newId("tok"),
        kind,
        token_hash: hashToken(token),
        account_id: fields.accountId ?? null,
        email: fields.email ?? null,
        data: fields.data === undefined ? null : JSON.stringify(fields.data),
        expires_at: iso(now() + ttlMs),
        used_at: null,
      })
      .execute();
    return token;
  }

  /** Marks a one-time token used and returns it, or throws `token_invalid` when unknown, used, expired or of another kind. */
  async function useToken(trx: Db, kind: string, token: string) {
    const row = await trx.selectFrom("account_tokens").selectAll().where("token_hash", "=", hashToken(token)).executeTakeFirst();
    if (!row || row.kind !== kind || row.used_at !== null || Date.parse(readTime(row.expires_at)) <= now()) {
      throw new AppError("token_invalid", 400, { kind });
    }
    // The used_at guard makes two concurrent uses of one token yield one winner.
    const result = await trx
      .updateTable("account_tokens")
      .set({ used_at: iso() })
      .where("id", "=", row.id)
      .where("used_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new AppError("token_invalid", 400, { kind });
    return { ...row, data: row.data === null ? null : readJson(row.data) };
  }

  async function sendVerification(account: AccountRow, locale: Locale): Promise<void> {
    if (!(await deps.mailer.configured())) return;
    const token = await issueToken(db, "verify_email", DAY, { accountId: account.id, email: account.email });
    await deps.mailer.send(
      renderMail(verifyEmailMail, locale, account.email, { name: account.name, link: `${deps.publicUrl}/verify-email?token=${token}` }),
    );
  }

  async function completeSignIn(account: AccountRow, origin: RequestOrigin, method: string): Promise<SignInResult> {
    const session = await db.transaction().execute((trx) => issueSession(trx, account.id, origin, method));
    await deps.audit.record(accountActor(toAccountView(account), null), {
      projectId: null,
      action: "account.sign_in",
      target: { kind: "account", id: account.id },
      data: { method },
      ip: origin.ip,
    });
    return { status: "signed_in", session, account: toAccountView((await findById(account.id))!) };
  }

  return {
    toView: toAccountView,

    async needsSetup(): Promise<boolean> {
      const row = await db.selectFrom("accounts").select("id").limit(1).executeTakeFirst();
      return row === undefined;
    },

    /** First start: the first account becomes instance admin and is signed in. Refused once any account exists. */
    async setup(input: SetupInput, origin: RequestOrigin): Promise<{ session: IssuedSession; account: AccountView }> {
      const parsed = setupInput.parse(input);
      const result = await db.transaction().execute(async (trx) => {
        // The instance's setup mark is the lock: exactly one concurrent setup takes it.
        await deps.instance.claimSetup(trx);
        const existing = await trx.selectFrom("accounts").select("id").limit(1).executeTakeFirst();
        if (existing) throw new AppError("setup_done", 409);
        const account = await insertAccount(trx, { ...parsed, instanceAdmin: true, emailVerified: true });
        const session = await issueSession(trx, account.id, origin, "setup");
        await deps.audit.record(
          accountActor(toAccountView(account), null),
          { projectId: null, action: "instance.setup", target: { kind: "account", id: account.id }, ip: origin.ip },
          trx,
        );
        return { session, account: toAccountView(account) };
      });
      return result;
    },

    /**
     * Sign-up: with an invitation token (checked by `acceptInvitation` in the projects module, which
     * calls `createInvited`), or openly when the instance allows it.
     */
    async signUp(input: SignUpInput, origin: RequestOrigin, locale: Locale): Promise<{ session: IssuedSession; account: AccountView }> {
      const parsed = signUpInput.parse(input);
      if (origin.ip) await deps.limiter.consume(`console:signup:ip:${origin.ip}`, LIMITS.signUpPerIp);
      if ((await deps.instance.signup()).mode !== "open") throw new AppError("signup_closed", 403);
      const security = await deps.instance.security();
      const { account, session } = await db.transaction().execute(async (trx) => {
        const account = await insertAccount(trx, parsed);
        await deps.audit.record(
          accountActor(toAccountView(account), null),
          { projectId: null, action: "account.sign_up", target: { kind: "account", id: account.id }, ip: origin.ip },
          trx,
        );
        return { account, session: security.requireEmailVerification ? null : await issueSession(trx, account.id, origin, "password") };
      });
      await sendVerification(account, locale);
      if (!session) throw new AppError("email_not_verified", 403, { email: account.email });
      return { session, account: toAccountView(account) };
    },

    /** An account created through an accepted invitation: the mail proved the address. */
    async createInvited(
      tx: Tx,
      input: { email: string; name: string; password: string },
      origin: RequestOrigin,
    ): Promise<{ account: AccountView; session: IssuedSession }> {
      const trx = tx as Db;
      const account = await insertAccount(trx, { ...input, emailVerified: true });
      const session = await issueSession(trx, account.id, origin, "password");
      return { account: toAccountView(account), session };
    },

    /** An account made by an instance admin or the CLI. */
    async create(input: { email: string; name: string; password: string; instanceAdmin?: boolean }, actor: Actor): Promise<AccountView> {
      const parsed = setupInput.parse(input);
      return db.transaction().execute(async (trx) => {
        const account = await insertAccount(trx, { ...parsed, instanceAdmin: input.instanceAdmin ?? false, emailVerified: true });
        await deps.audit.record(
          actor,
          {
            projectId: null,
            action: "account.create",
            target: { kind: "account", id: account.id },
            data: { email: account.email, instanceAdmin: input.instanceAdmin ?? false },
          },
          trx,
        );
        return toAccountView(account);
      });
    },

    async signIn(input: SignInInput, origin: RequestOrigin): Promise<SignInResult> {
      const { email, password } = signInInput.parse(input);
      if (origin.ip) await deps.limiter.consume(`console:signin:ip:${origin.ip}`, LIMITS.signInPerIp);
      const accountKey = `console:signin:account:${email}`;
      await deps.limiter.check(accountKey, LIMITS.signInFailuresPerAccount);

      const account = await findByEmail(email);
      // Unknown accounts cost a hash check too, so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, account?.password_hash ?? (await dummyPasswordHash()));
      if (!account || !account.password_hash || !ok) {
        await deps.limiter.record(accountKey, LIMITS.signInFailuresPerAccount);
        throw new AppError("invalid_credentials", 401);
      }
      await deps.limiter.reset(accountKey);
      if (account.disabled_at) throw new AppError("account_disabled", 403);
      if (!account.email_verified_at && (await deps.instance.security()).requireEmailVerification)
        throw new AppError("email_not_verified", 403, { email });
      if (needsRehash(account.password_hash) && !deps.passwordParams) {
        await db
          .updateTable("accounts")
          .set({ password_hash: await hashPassword(password, params) })
          .where("id", "=", account.id)
          .execute();
      }
      if (account.totp_enabled_at) {
        const challenge = await issueToken(db, "mfa_challenge", 5 * MINUTE, { accountId: account.id, data: { method: "password+totp" } });
        return { status: "mfa_required", challenge };
      }
      return completeSignIn(account, origin, "password");
    },

    /** The second step of a sign-in with 2FA: a TOTP code or an unused recovery code. */
    async verifyMfa(input: MfaInput, origin: RequestOrigin): Promise<SignInResult> {
      const parsed = mfaInput.parse(input);
      const challengeRow = await db
        .selectFrom("account_tokens")
        .selectAll()
        .where("token_hash", "=", hashToken(parsed.challenge))
        .executeTakeFirst();
      if (
        !challengeRow ||
        challengeRow.kind !== "mfa_challenge" ||
        challengeRow.used_at !== null ||
        Date.parse(readTime(challengeRow.expires_at)) <= now() ||
        !challengeRow.account_id
      ) {
        throw new AppError("token_invalid", 400, { kind: "mfa_challenge" });
      }
      const account = (await findById(challengeRow.account_id))!;
      const limitKey = `console:mfa:account:${account.id}`;
      await deps.limiter.check(limitKey, LIMITS.mfaFailuresPerAccount);

      let method = "password+totp";
      if (parsed.recoveryCode) {
        const codeHash = hashToken(normalizeRecoveryCode(parsed.recoveryCode));
        const used = await db
          .updateTable("account_recovery_codes")
          .set({ used_at: iso() })
          .where("account_id", "=", account.id)
          .where("code_hash", "=", codeHash)
          .where("used_at", "is", null)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) {
          await deps.limiter.record(limitKey, LIMITS.mfaFailuresPerAccount);
          throw new AppError("mfa_code_invalid", 401);
        }
        method = "password+recovery_code";
      } else {
        const step = account.totp_secret
          ? verifyTotp(
              Buffer.from(deps.secrets.open(account.totp_secret), "base64"),
              parsed.code ?? "",
              now(),
              account.totp_last_step === null ? null : Number(account.totp_last_step),
            )
          : null;
        if (step === null) {
          await deps.limiter.record(limitKey, LIMITS.mfaFailuresPerAccount);
          throw new AppError("mfa_code_invalid", 401);
        }
        await db.updateTable("accounts").set({ totp_last_step: step }).where("id", "=", account.id).execute();
      }
      await db.transaction().execute((trx) => useToken(trx, "mfa_challenge", parsed.challenge));
      await deps.limiter.reset(limitKey);
      return completeSignIn(account, origin, method);
    },

    /** The account behind a session cookie, or null when the session is unknown, expired or the account is disabled. */
    async resolveSession(token: string): Promise<ResolvedSession | null> {
      if (!token || token.length > 100) return null;
      const row = await db
        .selectFrom("account_sessions")
        .innerJoin("accounts", "accounts.id", "account_sessions.account_id")
        .selectAll("accounts")
        .select([
          "account_sessions.id as session_id",
          "account_sessions.created_at as session_created_at",
          "account_sessions.last_seen_at",
          "account_sessions.expires_at",
          "account_sessions.auth_method",
        ])
        .where("account_sessions.token_hash", "=", hashToken(token))
        .executeTakeFirst();
      if (!row) return null;
      const t = now();
      if (
        Date.parse(readTime(row.expires_at)) <= t ||
        Date.parse(readTime(row.session_created_at)) + SESSION_MAX_MS <= t ||
        row.disabled_at
      )
        return null;
      if (Date.parse(readTime(row.last_seen_at)) + SESSION_TOUCH_MS < t) {
        await db
          .updateTable("account_sessions")
          .set({
            last_seen_at: iso(t),
            expires_at: iso(Math.min(t + SESSION_IDLE_MS, Date.parse(readTime(row.session_created_at)) + SESSION_MAX_MS)),
          })
          .where("id", "=", row.session_id)
          .execute();
      }
      const account = toAccountView(row);
      // Single sign-on sessions are exempt: the identity provider enforces its own second factor.
      const mfaEnrollmentRequired = !account.totpEnabled && row.auth_method !== "sso" && (await deps.instance.security()).require2fa;
      return { account, sessionId: row.session_id, mfaEnrollmentRequired };
    },

    async signOut(token: string): Promise<void> {
      await db.deleteFrom("account_sessions").where("token_hash", "=", hashToken(token)).execute();
    },

    /** Ends every session of the account, or every one but the current. */
    async signOutEverywhere(accountId: string, keepSessionId?: string): Promise<number> {
      let q = db.deleteFrom("account_sessions").where("account_id", "=", accountId);
      if (keepSessionId) q = q.where("id", "!=", keepSessionId);
      const result = await q.executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async listSessions(accountId: string, currentSessionId: string | null): Promise<SessionView[]> {
      const rows = await db
        .selectFrom("account_sessions")
        .selectAll()
        .where("account_id", "=", accountId)
        .where("expires_at", ">", iso())
        .orderBy("last_seen_at", "desc")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        ip: r.ip,
        userAgent: r.user_agent,
        authMethod: r.auth_method,
        createdAt: readTime(r.created_at),
        lastSeenAt: readTime(r.last_seen_at),
        current: r.id === currentSessionId,
      }));
    },

    async revokeSession(accountId: string, sessionId: string): Promise<void> {
      const result = await db
        .deleteFrom("account_sessions")
        .where("account_id", "=", accountId)
        .where("id", "=", sessionId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) throw new AppError("session_not_found", 404);
    },

    async updateProfile(accountId: string, input: { name: string }): Promise<AccountView> {
      const { name } = updateProfileInput.parse(input);
      await db.updateTable("accounts").set({ name, updated_at: iso() }).where("id", "=", accountId).execute();
      return toAccountView(await requireAccount(accountId));
    },

    /** Changing the password ends every other session. */
    async changePassword(accountId: string, sessionId: string | null, input: { current: string; next: string }): Promise<void> {
      const parsed = changePasswordInput.parse(input);
      const account = await requireAccount(accountId);
      if (!account.password_hash || !(await verifyPassword(parsed.current, account.password_hash)))
        throw new AppError("invalid_credentials", 401);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("accounts")
          .set({ password_hash: await hashPassword(parsed.next, params), updated_at: iso() })
          .where("id", "=", accountId)
          .execute();
        let q = trx.deleteFrom("account_sessions").where("account_id", "=", accountId);
        if (sessionId) q = q.where("id", "!=", sessionId);
        await q.execute();
        await deps.audit.record(
          accountActor(toAccountView(account), sessionId),
          { projectId: null, action: "account.password.change", target: { kind: "account", id: accountId } },
          trx,
        );
      });
    },

    /** Always answers the same way whether or not the email has an account. */
    async requestPasswordReset(input: { email: string }, origin: RequestOrigin, locale: Locale): Promise<void> {
      const { email } = resetRequestInput.parse(input);
      if (origin.ip) await deps.limiter.consume(`console:reset:ip:${origin.ip}`, LIMITS.resetPerIp);
      await deps.limiter.consume(`console:reset:email:${email}`, LIMITS.resetPerEmail);
      const account = await findByEmail(email);
      if (!account || account.disabled_at) return;
      if (!(await deps.mailer.configured())) throw new AppError("mail_not_configured", 409);
      const token = await issueToken(db, "reset_password", HOUR, { accountId: account.id, email });
      await deps.mailer.send(
        renderMail(resetPasswordMail, locale, email, { name: account.name, link: `${deps.publicUrl}/reset-password?token=${token}` }),
      );
    },

    /** Sets a new password from a mailed link, confirms the email, and ends every session. */
    async resetPassword(input: { token: string; password: string }): Promise<void> {
      const parsed = resetInput.parse(input);
      await db.transaction().execute(async (trx) => {
        const token = await useToken(trx, "reset_password", parsed.token);
        const account = (await findById(token.account_id!, trx))!;
        await trx
          .updateTable("accounts")
          .set({
            password_hash: await hashPassword(parsed.password, params),
            email_verified_at: account.email_verified_at ?? iso(),
            updated_at: iso(),
          })
          .where("id", "=", account.id)
          .execute();
        await trx.deleteFrom("account_sessions").where("account_id", "=", account.id).execute();
        await deps.audit.record(
          accountActor(toAccountView(account), null),
          { projectId: null, action: "account.password.reset", target: { kind: "account", id: account.id } },
          trx,
        );
      });
    },

    async requestEmailVerification(accountId: string, locale: Locale): Promise<void> {
      const account = await requireAccount(accountId);
      if (account.email_verified_at) return;
      if (!(await deps.mailer.configured())) throw new AppError("mail_not_configured", 409);
      await sendVerification(account, locale);
    },

    async verifyEmail(input: { token: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const token = await useToken(trx, "verify_email", input.token);
        await trx
          .updateTable("accounts")
          .set({ email_verified_at: iso() })
          .where("id", "=", token.account_id!)
          .where("email", "=", token.email!)
          .execute();
      });
    },

    /** Step one of TOTP enrolment: a new secret, not active until a code confirms it. */
    async beginTotp(accountId: string): Promise<{ secret: string; uri: string }> {
      const account = await requireAccount(accountId);
      if (account.totp_enabled_at) throw new AppError("totp_already_enabled", 409);
      const secret = newTotpSecret();
      await db
        .updateTable("accounts")
        .set({ totp_secret: deps.secrets.seal(secret.toString("base64")), totp_last_step: null })
        .where("id", "=", accountId)
        .execute();
      const uri = otpauthUri(secret, account.email, "apprun");
      return { secret: new URL(uri).searchParams.get("secret")!, uri };
    },

    /** Step two: a valid code turns TOTP on and yields ten recovery codes, shown once. */
    async confirmTotp(accountId: string, input: { code: string }): Promise<{ recoveryCodes: string[] }> {
      const { code } = totpCodeInput.parse(input);
      const account = await requireAccount(accountId);
      if (account.totp_enabled_at) throw new AppError("totp_already_enabled", 409);
      if (!account.totp_secret) throw new AppError("totp_not_started", 409);
      const step = verifyTotp(Buffer.from(deps.secrets.open(account.totp_secret), "base64"), code, now());
      if (step === null) throw new AppError("mfa_code_invalid", 401);
      const recoveryCodes = newRecoveryCodes();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("accounts")
          .set({ totp_enabled_at: iso(), totp_last_step: step, updated_at: iso() })
          .where("id", "=", accountId)
          .execute();
        await trx.deleteFrom("account_recovery_codes").where("account_id", "=", accountId).execute();
        await trx
          .insertInto("account_recovery_codes")
          .values(recoveryCodes.map((c) => ({ account_id: accountId, code_hash: hashToken(c), used_at: null })))
          .execute();
        await deps.audit.record(
          accountActor(toAccountView(account), null),
          { projectId: null, action: "account.totp.enable", target: { kind: "account", id: accountId } },
          trx,
        );
      });
      return { recoveryCodes };
    },

    async disableTotp(accountId: string, input: { password: string; code: string }): Promise<void> {
      const parsed = disableTotpInput.parse(input);
      const account = await requireAccount(accountId);
      if (!account.totp_enabled_at || !account.totp_secret) throw new AppError("totp_not_enabled", 409);
      if (!account.password_hash || !(await verifyPassword(parsed.password, account.password_hash)))
        throw new AppError("invalid_credentials", 401);
      if (
        verifyTotp(
          Buffer.from(deps.secrets.open(account.totp_secret), "base64"),
          parsed.code,
          now(),
          account.totp_last_step === null ? null : Number(account.totp_last_step),
        ) === null
      ) {
        throw new AppError("mfa_code_invalid", 401);
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("accounts")
          .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: iso() })
          .where("id", "=", accountId)
          .execute();
        await trx.deleteFrom("account_recovery_codes").where("account_id", "=", accountId).execute();
        await deps.audit.record(
          accountActor(toAccountView(account), null),
          { projectId: null, action: "account.totp.disable", target: { kind: "account", id: accountId } },
          trx,
        );
      });
    },

    async recoveryCodesLeft(accountId: string): Promise<number> {
      const row = await db
        .selectFrom("account_recovery_codes")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("account_id", "=", accountId)
        .where("used_at", "is", null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async get(accountId: string): Promise<AccountView> {
      return toAccountView(await requireAccount(accountId));
    },

    async findByEmail(email: string, tx?: Tx): Promise<AccountView | null> {
      const row = await findByEmail(email.trim().toLowerCase(), tx as Db | undefined);
      return row ? toAccountView(row) : null;
    },

    /** Names and addresses of accounts by id (members lists and the like); unknown ids are left out. */
    async profiles(ids: readonly string[]): Promise<Map<string, { email: string; name: string }>> {
      const out = new Map<string, { email: string; name: string }>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db
          .selectFrom("accounts")
          .select(["id", "email", "name"])
          .where("id", "in", ids.slice(i, i + 500))
          .execute();
        for (const r of rows) out.set(r.id, { email: r.email, name: r.name });
      }
      return out;
    },

    async list(): Promise<AccountView[]> {
      const rows = await db.selectFrom("accounts").selectAll().orderBy("created_at").execute();
      return rows.map(toAccountView);
    },

    /** Instance admins disable accounts; their sessions end at once. */
    async setDisabled(accountId: string, disabled: boolean, actor: Actor): Promise<void> {
      if (actor.kind === "account" && actor.id === accountId) throw new AppError("cannot_disable_self", 409);
      await requireAccount(accountId);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("accounts")
          .set({ disabled_at: disabled ? iso() : null, updated_at: iso() })
          .where("id", "=", accountId)
          .execute();
        if (disabled) await trx.deleteFrom("account_sessions").where("account_id", "=", accountId).execute();
        await deps.audit.record(
          actor,
          { projectId: null, action: disabled ? "account.disable" : "account.enable", target: { kind: "account", id: accountId } },
          trx,
        );
      });
    },

    /** For SSO: an existing account by identity or email, or a new one (just-in-time). */
    issueSession: (accountId: string, origin: RequestOrigin, method: string) =>
      db.transaction().execute((trx) => issueSession(trx, accountId, origin, method)),
    insertAccount,
    findAccountRow: findById,
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
