import { sql } from "kysely";
import type { Actor } from "../../platform/auth/actor";
import { newId } from "../../platform/crypto/tokens";
import { readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import type { Locale } from "../../platform/errors/locale";
import type { Permission } from "../projects/permissions";
import type { AuthContext, ProjectRef } from "./context";
import { appRoleRef, createAppRoleInput, listUsersInput, setDisabledInput, setRolesInput, updateAppRoleInput, userRef } from "./schema";
import { rolesOf, toUserView, type AppSessionView, type AppUserFlows, type AppUserView } from "./flows";
import type { ProjectAuthDb } from "./storage";

export interface AppRoleView {
  id: string;
  name: string;
  description: string;
  /** How many users hold it. */
  users: number;
  createdAt: string;
}

export interface AppUserDetail extends AppUserView {
  sessions: Array<Omit<AppSessionView, "current">>;
  identities: Array<{ providerId: string; email: string | null; createdAt: string }>;
}

/**
 * What a project's members (console) and API keys (management REST) do with app users and app
 * roles. Every operation goes through `projects.authorize`; every change is audited in the same
 * transaction as the change itself.
 */
export function createAppUserAdmin(ctx: AuthContext, deps: { flows: AppUserFlows }) {
  async function access(
    actor: Actor,
    ref: string,
    permission: Permission,
    trx = ctx.db,
  ): Promise<{ project: ProjectRef; db: ProjectAuthDb }> {
    const { project } = await ctx.projects.authorize(actor, ref, permission, trx);
    return { project: { id: project.id, slug: project.slug, name: project.name }, db: ctx.users(project.id, trx) };
  }

  async function requireUser(db: ProjectAuthDb, userId: string) {
    const user = await deps.flows.findById(db, userId);
    if (!user) throw new AppError("app_user_not_found", 404);
    return user;
  }

  return {
    /** Newest first; `search` matches email or name; `after` is the last id of the previous page. */
    async list(actor: Actor, input: unknown): Promise<AppUserView[]> {
      const q = listUsersInput.parse(input);
      const { db } = await access(actor, q.project, "users:read");
      let query = db.selectFrom("users").selectAll().orderBy("id", "desc").limit(q.limit);
      if (q.after) query = query.where("id", "<", q.after);
      if (q.search) {
        const pattern = `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(
          sql<boolean>`(${sql.ref("email")} like ${pattern} escape '\\' or lower(${sql.ref("name")}) like ${pattern} escape '\\')`,
        );
      }
      const rows = await query.execute();
      const roles = rows.length
        ? await db
            .selectFrom("user_roles")
            .innerJoin("roles", "roles.id", "user_roles.role_id")
            .select(["user_roles.user_id", "roles.name"])
            .where(
              "user_roles.user_id",
              "in",
              rows.map((r) => r.id),
            )
            .orderBy("roles.name")
            .execute()
        : [];
      return rows.map((r) =>
        toUserView(
          r,
          roles.filter((x) => x.user_id === r.id).map((x) => x.name),
        ),
      );
    },

    async get(actor: Actor, input: unknown): Promise<AppUserDetail> {
      const { project: ref, userId } = userRef.parse(input);
      const { db } = await access(actor, ref, "users:read");
      const user = await requireUser(db, userId);
      const sessions = await db
        .selectFrom("sessions")
        .selectAll()
        .where("user_id", "=", user.id)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", ctx.iso())
        .orderBy("refreshed_at", "desc")
        .execute();
      const identities = await db.selectFrom("identities").selectAll().where("user_id", "=", user.id).execute();
      return {
        ...toUserView(user, await rolesOf(db, user.id)),
        sessions: sessions.map((s) => ({
          id: s.id,
          authMethod: s.auth_method,
          ip: s.ip,
          userAgent: s.user_agent,
          createdAt: readTime(s.created_at),
          refreshedAt: readTime(s.refreshed_at),
          expiresAt: readTime(s.expires_at),
        })),
        identities: identities.map((i) => ({ providerId: i.provider_id, email: i.email, createdAt: readTime(i.created_at) })),
      };
    },

    /** Disabling ends every session at once (access tokens lapse at their expiry). */
    async setDisabled(actor: Actor, input: unknown): Promise<AppUserView> {
      const parsed = setDisabledInput.parse(input);
      return ctx.db.transaction().execute(async (trx) => {
        const { project, db } = await access(actor, parsed.project, "users:manage", trx);
        const user = await requireUser(db, parsed.userId);
        await db
          .updateTable("users")
          .set({ disabled_at: parsed.disabled ? ctx.iso() : null, updated_at: ctx.iso() })
          .where("id", "=", user.id)
          .execute();
        if (parsed.disabled)
          await db
            .updateTable("sessions")
            .set({ revoked_at: ctx.iso(), revoked_reason: "user_disabled" })
            .where("user_id", "=", user.id)
            .where("revoked_at", "is", null)
            .execute();
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: parsed.disabled ? "app_user.disable" : "app_user.enable",
            target: { kind: "app_user", id: user.id },
            data: { email: user.email },
          },
          trx,
        );
        return toUserView((await deps.flows.findById(db, user.id))!, await rolesOf(db, user.id));
      });
    },

    async revokeSessions(actor: Actor, input: unknown): Promise<{ revoked: number }> {
      const parsed = userRef.parse(input);
      return ctx.db.transaction().execute(async (trx) => {
        const { project, db } = await access(actor, parsed.project, "users:manage", trx);
        const user = await requireUser(db, parsed.userId);
        const result = await db
          .updateTable("sessions")
          .set({ revoked_at: ctx.iso(), revoked_reason: "revoked_by_admin" })
          .where("user_id", "=", user.id)
          .where("revoked_at", "is", null)
          .executeTakeFirst();
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: "app_user.sessions.revoke",
            target: { kind: "app_user", id: user.id },
            data: { count: Number(result.numUpdatedRows) },
          },
          trx,
        );
        return { revoked: Number(result.numUpdatedRows) };
      });
    },

    /** Mails the user a reset link to the app's site URL. */
    async sendPasswordReset(actor: Actor, input: unknown, locale: Locale): Promise<void> {
      const parsed = userRef.parse(input);
      const { project, db } = await access(actor, parsed.project, "users:manage");
      const user = await requireUser(db, parsed.userId);
      if (user.disabled_at) throw new AppError("app_user_disabled", 403);
      await deps.flows.sendResetMail(project, user, locale);
      await ctx.audit.record(actor, {
        projectId: project.id,
        action: "app_user.password_reset.send",
        target: { kind: "app_user", id: user.id },
        data: { email: user.email },
      });
    },

    /** Replaces the user's app roles (by name); they reach the `roles` claim at the next sign-in or refresh. */
    async setRoles(actor: Actor, input: unknown): Promise<AppUserView> {
      // Who may, before what: the body is read once the caller's access is established.
      const ref = userRef.parse(input);
      return ctx.db.transaction().execute(async (trx) => {
        const { project, db } = await access(actor, ref.project, "users:manage", trx);
        const parsed = setRolesInput.parse(input);
        const names = [...new Set(parsed.roles)];
        const user = await requireUser(db, parsed.userId);
        const roles = names.length ? await db.selectFrom("roles").select(["id", "name"]).where("name", "in", names).execute() : [];
        const missing = names.find((n) => !roles.some((r) => r.name === n));
        if (missing) throw new AppError("app_role_not_found", 404, { role: missing });
        const before = await rolesOf(db, user.id);
        await db.deleteFrom("user_roles").where("user_id", "=", user.id).execute();
        if (roles.length)
          await db
            .insertInto("user_roles")
            .values(roles.map((r) => ({ user_id: user.id, role_id: r.id, created_at: ctx.iso() })))
            .execute();
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: "app_user.roles.set",
            target: { kind: "app_user", id: user.id },
            data: { before, after: names.sort() },
          },
          trx,
        );
        return toUserView(user, await rolesOf(db, user.id));
      });
    },

    /** Deletes the user with their sessions, identities and role assignments. */
    async remove(actor: Actor, input: unknown): Promise<void> {
      const parsed = userRef.parse(input);
      await ctx.db.transaction().execute(async (trx) => {
        const { project, db } = await access(actor, parsed.project, "users:manage", trx);
        const user = await requireUser(db, parsed.userId);
        await db.deleteFrom("users").where("id", "=", user.id).execute();
        await ctx.audit.record(
          actor,
          { projectId: project.id, action: "app_user.delete", target: { kind: "app_user", id: user.id }, data: { email: user.email } },
          trx,
        );
      });
    },

    // ── app roles ────────────────────────────────────────────────────────────

    async roles(actor: Actor, ref: string): Promise<AppRoleView[]> {
      const { db } = await access(actor, ref, "users:read");
      const rows = await db
        .selectFrom("roles")
        .leftJoin("user_roles", "user_roles.role_id", "roles.id")
        .select([
          "roles.id",
          "roles.name",
          "roles.description",
          "roles.created_at",
          (eb) => eb.fn.count<number>("user_roles.user_id").as("users"),
        ])
        .groupBy(["roles.id", "roles.name", "roles.description", "roles.created_at"])
        .orderBy("roles.name")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        description: r.description,
        users: Number(r.users),
        createdAt: readTime(r.created_at),
      }));
    },

    async createRole(actor: Actor, input: unknown): Promise<AppRoleView> {
      const parsed = createAppRoleInput.parse(input);
      return ctx.db.transaction().execute(async (trx) => {
        const { project, db } = await access(actor, parsed.project, "auth:configure", trx);
        if (await db.selectFrom("roles").select("id").where("name", "=", parsed.name).executeTakeFirst())
          throw new AppError("app_role_name_taken", 409, { name: parsed.name });
        const row = { id: newId("arl"), name: parsed.name, description: parsed.description, created_at: ctx.iso(), updated_at: ctx.iso() };
        await db.insertInto("roles").values(row).execute();
        await ctx.audit.record(
          actor,
          { projectId: project.id, action: "app_role.create", target: { kind: "app_role", id: row.id }, data: { name: row.name } },
          trx,
        );
        return { id: row.id, name: row.name, description: row.description, users: 0, createdAt: row.created_at };
      });
    },

    async updateRole(actor: Actor, input: unknown): Promise<void> {
      const parsed = updateAppRoleInput.parse(input);
      await ctx.db.transaction().execute(async (trx) => {
        const { project, db } = await access(actor, parsed.project, "auth:configure", trx);
        const row = await db.selectFrom("roles").selectAll().where("id", "=", parsed.roleId).executeTakeFirst();
        if (!row) throw new AppError("app_role_not_found", 404, { role: parsed.roleId });
        if (
          parsed.name &&
          parsed.name !== row.name &&
          (await db.selectFrom("roles").select("id").where("name", "=", parsed.name).executeTakeFirst())
        ) {
          throw new AppError("app_role_name_taken", 409, { name: parsed.name });
        }
        await db
          .updateTable("roles")
          .set({
            ...(parsed.name ? { name: parsed.name } : {}),
            ...(parsed.description !== undefined ? { description: parsed.description } : {}),
            updated_at: ctx.iso(),
          })
          .where("id", "=", row.id)
          .execute();
        await ctx.audit.record(
          actor,
          {
            projectId: project.id,
            action: "app_role.update",
            target: { kind: "app_role", id: row.id },
            data: { before: { name: row.name }, after: { name: parsed.name, description: parsed.description } },
          },
          trx,
        );
      });
    },

    /** Deleting a role takes it from every user who held it. */
    async deleteRole(actor: Actor, input: unknown): Promise<void> {
      const parsed = appRoleRef.parse(input);
      await ctx.db.transaction().execute(async (trx) => {
        const { project, db } = await access(actor, parsed.project, "auth:configure", trx);
        const row = await db.selectFrom("roles").select(["id", "name"]).where("id", "=", parsed.roleId).executeTakeFirst();
        if (!row) throw new AppError("app_role_not_found", 404, { role: parsed.roleId });
        await db.deleteFrom("user_roles").where("role_id", "=", row.id).execute();
        await db.deleteFrom("roles").where("id", "=", row.id).execute();
        await ctx.audit.record(
          actor,
          { projectId: project.id, action: "app_role.delete", target: { kind: "app_role", id: row.id }, data: { name: row.name } },
          trx,
        );
      });
    },
  };
}

export type AppUserAdmin = ReturnType<typeof createAppUserAdmin>;
