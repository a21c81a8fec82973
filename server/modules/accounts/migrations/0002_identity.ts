import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

/** Console accounts, their sessions and one-time tokens, SSO providers, instance settings, rate limits. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db)).types;
  const now = dialectOf(kindOf(db)).now();

  await db.schema
    .createTable("instance_settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", t.json, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("updated_by", "text")
    .execute();

  await db.schema
    .createTable("rate_limit_counters")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("window_start", t.bigint, (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("accounts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("email_verified_at", t.timestamp)
    .addColumn("is_instance_admin", t.boolean, (c) => c.notNull().defaultTo(false))
    .addColumn("disabled_at", t.timestamp)
    .addColumn("totp_secret", "text")
    .addColumn("totp_enabled_at", t.timestamp)
    .addColumn("totp_last_step", t.bigint)
    .addColumn("last_sign_in_at", t.timestamp)
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("account_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("auth_method", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("last_seen_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("account_sessions_account").on("account_sessions").column("account_id").execute();

  await db.schema
    .createTable("account_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("account_id", "text", (c) => c.references("accounts.id").onDelete("cascade"))
    .addColumn("email", "text")
    .addColumn("data", t.json)
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("used_at", t.timestamp)
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("account_recovery_codes")
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("used_at", t.timestamp)
    .addPrimaryKeyConstraint("account_recovery_codes_pk", ["account_id", "code_hash"])
    .execute();

  await db.schema
    .createTable("sso_providers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("client_secret", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("claim_mapping", t.json, (c) => c.notNull())
    .addColumn("allowed_domains", t.json, (c) => c.notNull())
    .addColumn("jit_provisioning", t.boolean, (c) => c.notNull())
    .addColumn("default_project_id", "text")
    .addColumn("default_role", "text")
    .addColumn("enabled", t.boolean, (c) => c.notNull().defaultTo(true))
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("account_identities")
    .addColumn("provider_id", "text", (c) => c.notNull().references("sso_providers.id").onDelete("cascade"))
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("email", "text")
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("account_identities_pk", ["provider_id", "subject"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    "account_identities",
    "sso_providers",
    "account_recovery_codes",
    "account_tokens",
    "account_sessions",
    "accounts",
    "rate_limit_counters",
    "instance_settings",
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
