import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

/** Projects, their members, roles, invitations and grants, and the audit log. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db)).types;
  const now = dialectOf(kindOf(db)).now();

  await db.schema
    .createTable("projects")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("owner_id", "text", (c) => c.notNull().references("accounts.id"))
    .addColumn("archived_at", t.timestamp)
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable("project_roles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("permissions", t.json, (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addColumn("updated_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("project_roles_name", ["project_id", "name"])
    .execute();

  await db.schema
    .createTable("project_members")
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    // A built-in role name (owner, admin, developer, viewer) or a custom role's id.
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint("project_members_pk", ["project_id", "account_id"])
    .execute();
  await db.schema.createIndex("project_members_account").on("project_members").column("account_id").execute();

  await db.schema
    .createTable("project_invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("invited_by", "text", (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("accepted_at", t.timestamp)
    .addColumn("revoked_at", t.timestamp)
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("project_invitations_project").on("project_invitations").column("project_id").execute();

  await db.schema
    .createTable("project_grants")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("grantee_project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
    .addColumn("resource_kind", "text", (c) => c.notNull())
    .addColumn("resource_name", "text", (c) => c.notNull())
    .addColumn("access", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint("project_grants_unique", ["project_id", "grantee_project_id", "resource_kind", "resource_name"])
    .execute();
  await db.schema.createIndex("project_grants_grantee").on("project_grants").column("grantee_project_id").execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "text", (c) => c.primaryKey())
    // Null for instance-level events (settings, accounts).
    .addColumn("project_id", "text")
    .addColumn("actor_kind", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("actor_label", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_kind", "text", (c) => c.notNull())
    .addColumn("target_id", "text")
    .addColumn("data", t.json, (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("created_at", t.timestamp, (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex("audit_log_project").on("audit_log").columns(["project_id", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["audit_log", "project_grants", "project_invitations", "project_members", "project_roles", "projects"]) {
    await db.schema.dropTable(table).execute();
  }
}
