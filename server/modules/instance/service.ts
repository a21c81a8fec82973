import type { Kysely } from "kysely";
import type { InstanceTables } from "./tables";
import type { Actor } from "../../platform/auth/actor";
import type { SecretBox } from "../../platform/crypto/secret-box";
import type { Tx } from "../../platform/db/column-types";
import { readJson } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { SmtpSettings } from "../../platform/mail/mailer";
import type { AuditService } from "../audit/service";
import {
  DEFAULT_SETTINGS,
  securitySettingsSchema,
  signupSettingsSchema,
  smtpSettingsInput,
  type SecuritySettings,
  type SignupSettings,
  type SmtpSettingsInput,
} from "./schema";

type Db = Kysely<InstanceTables>;

/** What the console sees of the SMTP settings: never the password. */
export type SmtpSettingsView = Omit<SmtpSettings, "password"> & { hasPassword: boolean };

interface StoredSmtp extends Omit<SmtpSettings, "password"> {
  passwordSealed?: string;
}

/**
 * Instance-wide settings (sign-up policy, security policy, SMTP), one row per section. Secrets are
 * sealed with the master key before they are stored and are never returned.
 */
export function createInstanceService(deps: { db: Db; secrets: SecretBox; audit: AuditService }) {
  async function read(key: string): Promise<unknown | undefined> {
    const row = await deps.db.selectFrom("instance_settings").select("value").where("key", "=", key).executeTakeFirst();
    return row ? readJson(row.value) : undefined;
  }

  async function write(key: string, value: unknown, actor: Actor, db: Db = deps.db): Promise<void> {
    const json = JSON.stringify(value);
    await db
      .insertInto("instance_settings")
      .values({ key, value: json, updated_by: actor.id })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: json, updated_by: actor.id, updated_at: new Date().toISOString() }))
      .execute();
  }

  return {
    /**
     * Takes the first-start setup mark inside the caller's transaction: a primary key lets exactly
     * one concurrent setup through; the others get 409 `setup_done`.
     */
    async claimSetup(tx: Tx): Promise<void> {
      try {
        await (tx as Db)
          .insertInto("instance_settings")
          .values({ key: "setup", value: JSON.stringify({ at: new Date().toISOString() }), updated_by: null })
          .execute();
      } catch {
        throw new AppError("setup_done", 409);
      }
    },

    async signup(): Promise<SignupSettings> {
      return signupSettingsSchema.parse((await read("signup")) ?? DEFAULT_SETTINGS.signup);
    },
    async security(): Promise<SecuritySettings> {
      return securitySettingsSchema.parse((await read("security")) ?? DEFAULT_SETTINGS.security);
    },
    async updateSignup(input: SignupSettings, actor: Actor): Promise<void> {
      const value = signupSettingsSchema.parse(input);
      await deps.db.transaction().execute(async (trx) => {
        await write("signup", value, actor, trx);
        await deps.audit.record(
          actor,
          { projectId: null, action: "settings.signup.update", target: { kind: "settings", id: "signup" }, data: value },
          trx,
        );
      });
    },
    async updateSecurity(input: SecuritySettings, actor: Actor): Promise<void> {
      const value = securitySettingsSchema.parse(input);
      await deps.db.transaction().execute(async (trx) => {
        await write("security", value, actor, trx);
        await deps.audit.record(
          actor,
          { projectId: null, action: "settings.security.update", target: { kind: "settings", id: "security" }, data: value },
          trx,
        );
      });
    },

    /** SMTP settings with the password opened, for the mailer only. */
    async smtp(): Promise<SmtpSettings | null> {
      const stored = (await read("smtp")) as StoredSmtp | null | undefined;
      if (!stored) return null;
      const { passwordSealed, ...rest } = stored;
      return { ...rest, password: passwordSealed ? deps.secrets.open(passwordSealed) : undefined };
    },
    async smtpView(): Promise<SmtpSettingsView | null> {
      const stored = (await read("smtp")) as StoredSmtp | null | undefined;
      if (!stored) return null;
      const { passwordSealed, ...rest } = stored;
      return { ...rest, hasPassword: Boolean(passwordSealed) };
    },
    async updateSmtp(input: SmtpSettingsInput | null, actor: Actor): Promise<void> {
      let value: StoredSmtp | null = null;
      if (input) {
        const parsed = smtpSettingsInput.parse(input);
        const previous = (await read("smtp")) as StoredSmtp | null | undefined;
        const { password, ...rest } = parsed;
        const passwordSealed =
          password === undefined ? previous?.passwordSealed : password === "" ? undefined : deps.secrets.seal(password);
        if (rest.username && !passwordSealed && password === undefined && !previous)
          throw new AppError("invalid_input", 400, { summary: "password: required with a username" });
        value = { ...rest, ...(passwordSealed ? { passwordSealed } : {}) };
      }
      await deps.db.transaction().execute(async (trx) => {
        await write("smtp", value, actor, trx);
        // The audit entry says what changed, never the password.
        const logged = value
          ? { host: value.host, port: value.port, secure: value.secure, username: value.username ?? null, fromAddress: value.fromAddress }
          : null;
        await deps.audit.record(
          actor,
          { projectId: null, action: "settings.smtp.update", target: { kind: "settings", id: "smtp" }, data: { smtp: logged } },
          trx,
        );
      });
    },
  };
}

export type InstanceService = ReturnType<typeof createInstanceService>;
