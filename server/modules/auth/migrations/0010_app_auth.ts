import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

/**
 * App users' system side: per-project auth settings, JWT signing keys, OAuth/OIDC providers, API
 * keys (looked up by token before the project is known), and the recorded version of each
 * project's own storage. App users themselves live in each project's namespace.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db)).types;
  const now = dialectOf(kindOf(db)).now();

  await db.schema
    .createTable("project_storage_versions")
    .addColumn("project_id", "text", (c) => c.primaryKey().references("projects.id").onDelete("cascade"))
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("auth_settings")
    .addColumn("project_id", "text", (c) => c.primaryKey().references("projects.id").onDelete("cascade"))
    .addColumn("settings", t.json, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("auth_signing_keys")
    // The key id, also the JWT `kid`.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("algorithm", "text", (c) => c.notNull())
    .addColumn("public_jwk", t.json, (c) => c.notNull())
    // Sealed with the master key (purpose "jwt").
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("active", t.boolean, (c) => c.notNull())
    // The longest access-token lifetime this key has signed with: how long it must stay published after retiring.
    .addColumn("max_token_ttl_seconds", "integer", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("retired_at", t.timestamp)
    .addColumn("verify_until", t.timestamp)
    .execute();
  await db.schema.createIndex("auth_signing_keys_project").on("auth_signing_keys").column("project_id").execute();

  await db.schema
    .createTable("auth_providers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    // The provider's name in URLs: /auth/oauth/<name>/start
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("issuer", "text")
    .addColumn("client_id", "text", (c) => c.notNull())
    // Sealed with the master key (purpose "oauth").
    .addColumn("client_secret", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("options", t.json, (c) => c.notNull())
    .addColumn("enabled", t.boolean, (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("auth_providers_name", ["project_id", "name"])
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    // The public part of the key (`ar_<prefix>_<secret>`), for lookup; the secret is stored as its SHA-256 only.
    .addColumn("prefix", "text", (c) => c.notNull().unique())
    .addColumn("secret_hash", "text", (c) => c.notNull())
    .addColumn("permissions", t.json, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp)
    .addColumn("last_used_at", t.timestamp)
    .addColumn("revoked_at", t.timestamp)
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("api_keys_project").on("api_keys").column("project_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["api_keys", "auth_providers", "auth_signing_keys", "auth_settings", "project_storage_versions"]) {
    await db.schema.dropTable(table).execute();
  }
}
