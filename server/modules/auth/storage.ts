import type { Generated, Kysely } from "kysely";
import { dialectOf, kindOf, type DbKind } from "../../platform/db/dialect";
import type { ProjectMigration } from "../../platform/db/project-migrate";
import { projectDb, projectNamespace, type ProjectNamespace } from "../../platform/db/project-namespace";

type Timestamp = string;
type Json = unknown;

/**
 * A project's own auth tables, by logical name. They live in the project's namespace (PostgreSQL
 * schema, or prefixed SQLite tables), so a query for one project cannot reach another's users.
 */
export interface ProjectAuthDatabase {
  users: {
    id: string;
    email: string;
    name: string;
    password_hash: string | null;
    email_verified_at: Timestamp | null;
    disabled_at: Timestamp | null;
    /** Sealed with the master key. */
    totp_secret: string | null;
    totp_enabled_at: Timestamp | null;
    totp_last_step: number | null;
    last_sign_in_at: Timestamp | null;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** Links to OAuth/OIDC identities (provider id from the system table `auth_providers`). */
  identities: { provider_id: string; subject: string; user_id: string; email: string | null; created_at: Timestamp };
  /** A sign-in: one refresh-token family. `id` is the `sid` claim. */
  sessions: {
    id: string;
    user_id: string;
    auth_method: string;
    ip: string | null;
    user_agent: string | null;
    created_at: Timestamp;
    refreshed_at: Timestamp;
    expires_at: Timestamp;
    revoked_at: Timestamp | null;
    revoked_reason: string | null;
  };
  /** Every refresh token a family has had; `used_at` set when it was rotated away. */
  refresh_tokens: { token_hash: string; session_id: string; created_at: Timestamp; expires_at: Timestamp; used_at: Timestamp | null };
  /** Mailed links and codes, OAuth state, MFA challenges: one use each, stored hashed. */
  one_time_tokens: {
    id: string;
    kind: string;
    token_hash: string;
    user_id: string | null;
    email: string | null;
    data: Json | null;
    attempts: Generated<number>;
    expires_at: Timestamp;
    used_at: Timestamp | null;
    created_at: Timestamp;
  };
  recovery_codes: { user_id: string; code_hash: string; used_at: Timestamp | null };
  /** App roles: what access rules refer to and what the `roles` claim carries. */
  roles: { id: string; name: string; description: string; created_at: Timestamp; updated_at: Timestamp };
  user_roles: { user_id: string; role_id: string; created_at: Timestamp };
}

export const AUTH_TABLES = [
  "users",
  "identities",
  "sessions",
  "refresh_tokens",
  "one_time_tokens",
  "recovery_codes",
  "roles",
  "user_roles",
] as const;

export type ProjectAuthDb = Kysely<ProjectAuthDatabase>;

/** The project's auth tables on a connection (or transaction) of the system database. */
export function authDb(db: Kysely<unknown>, kind: DbKind, projectId: string): ProjectAuthDb {
  return projectDb<ProjectAuthDatabase>(db, projectNamespace(kind, projectId), AUTH_TABLES);
}

/** Per-project migrations of the auth module, applied by `project-migrate.ts`. */
export const authProjectMigrations: Record<string, ProjectMigration> = {
  "0001_auth_users": {
    async up(raw: Kysely<unknown>, ns: ProjectNamespace) {
      const kind = kindOf(raw);
      const t = dialectOf(kind).types;
      const db = projectDb<ProjectAuthDatabase>(raw, ns, AUTH_TABLES);
      // SQLite index names are global to the file: they carry the project prefix there.
      const index = (name: string) => ns.tableName(name);

      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("email", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("password_hash", "text")
        .addColumn("email_verified_at", t.timestamp)
        .addColumn("disabled_at", t.timestamp)
        .addColumn("totp_secret", "text")
        .addColumn("totp_enabled_at", t.timestamp)
        .addColumn("totp_last_step", t.bigint)
        .addColumn("last_sign_in_at", t.timestamp)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("identities")
        .addColumn("provider_id", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("email", "text")
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint(index("identities_pk"), ["provider_id", "subject"])
        .execute();
      await db.schema.createIndex(index("identities_user")).on("identities").column("user_id").execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("auth_method", "text", (c) => c.notNull())
        .addColumn("ip", "text")
        .addColumn("user_agent", "text")
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("refreshed_at", t.timestamp, (c) => c.notNull())
        .addColumn("expires_at", t.timestamp, (c) => c.notNull())
        .addColumn("revoked_at", t.timestamp)
        .addColumn("revoked_reason", "text")
        .execute();
      await db.schema.createIndex(index("sessions_user")).on("sessions").column("user_id").execute();

      await db.schema
        .createTable("refresh_tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("expires_at", t.timestamp, (c) => c.notNull())
        .addColumn("used_at", t.timestamp)
        .execute();
      await db.schema.createIndex(index("refresh_tokens_session")).on("refresh_tokens").column("session_id").execute();

      await db.schema
        .createTable("one_time_tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
        .addColumn("email", "text")
        .addColumn("data", t.json)
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("expires_at", t.timestamp, (c) => c.notNull())
        .addColumn("used_at", t.timestamp)
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex(index("one_time_tokens_email")).on("one_time_tokens").columns(["kind", "email"]).execute();

      await db.schema
        .createTable("recovery_codes")
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("code_hash", "text", (c) => c.notNull())
        .addColumn("used_at", t.timestamp)
        .addPrimaryKeyConstraint(index("recovery_codes_pk"), ["user_id", "code_hash"])
        .execute();

      await db.schema
        .createTable("roles")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("user_roles")
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("role_id", "text", (c) => c.notNull().references("roles.id").onDelete("cascade"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint(index("user_roles_pk"), ["user_id", "role_id"])
        .execute();
      await db.schema.createIndex(index("user_roles_role")).on("user_roles").column("role_id").execute();
    },
  },
};
