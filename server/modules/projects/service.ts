import type { Kysely, Selectable } from "kysely";
import type { ProjectsTable, ProjectsTables } from "./tables";
import type { Actor, RequestOrigin } from "../../platform/auth/actor";
import { hashToken, newId, randomToken } from "../../platform/crypto/tokens";
import { readJson, readTime } from "../../platform/db/dialect";
import type { Tx } from "../../platform/db/column-types";
import { AppError } from "../../platform/errors/app-error";
import type { Locale } from "../../platform/errors/locale";
import type { Mailer } from "../../platform/mail/mailer";
import { renderMail } from "../../platform/mail/templates";
import type { AccountsService, IssuedSession } from "../accounts/service";
import type { AuditService } from "../audit/service";
import { invitationMail } from "./mail";
import type { Permission, PermissionCatalog, ProjectHooks, ResourceKind } from "../../platform/module";
import { BUILT_IN_ROLES, isBuiltInRole } from "../../platform/permissions";
import {
  acceptInvitationInput,
  corsInput,
  createProjectInput,
  createRoleInput,
  deleteProjectInput,
  grantIdInput,
  grantInput,
  inviteInput,
  memberInput,
  memberRoleInput,
  roleIdInput,
  transferInput,
  updateProjectInput,
  updateRoleInput,
} from "./schema";

type Db = Kysely<ProjectsTables>;
type ProjectRow = Selectable<ProjectsTable>;

const DAY = 86_400_000;
const CORS_CACHE_MS = 5_000;
const INVITATION_TTL_MS = 7 * DAY;

export interface ProjectView {
  id: string;
  slug: string;
  name: string;
  ownerId: string;
  archived: boolean;
  createdAt: string;
  /** The caller's role in it (instance admins who are not members see `null`). */
  role: string | null;
}

export interface Access {
  project: ProjectView;
  permissions: ReadonlySet<Permission>;
}

export interface RoleView {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  permissions: string[];
}

export interface MemberView {
  accountId: string;
  email: string;
  name: string;
  role: string;
  joinedAt: string;
}

export interface InvitationView {
  id: string;
  email: string;
  role: string;
  invitedBy: string;
  expiresAt: string;
  createdAt: string;
}

export interface GrantView {
  id: string;
  projectId: string;
  projectSlug: string;
  granteeProjectId: string;
  granteeSlug: string;
  resourceKind: string;
  resourceName: string;
  access: "read" | "read_write";
  createdAt: string;
}

export type { ResourceKind };

export interface ProjectsDeps {
  db: Db;
  audit: AuditService;
  accounts: AccountsService;
  mailer: Mailer;
  publicUrl: string;
  /** Every module's permissions and what the built-in roles hold. */
  permissions: PermissionCatalog;
  lifecycle?: ProjectHooks;
  clock?: () => number;
}

function toProjectView(row: ProjectRow, role: string | null): ProjectView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    ownerId: row.owner_id,
    archived: row.archived_at !== null,
    createdAt: readTime(row.created_at),
    role,
  };
}

/**
 * Projects and who may do what in them. `authorize` is the one decision every console and
 * management operation goes through; everything that changes membership, roles, grants or the
 * project itself is written to the audit log in the same transaction.
 */
export function createProjectsService(deps: ProjectsDeps) {
  const { db, audit } = deps;
  const now = deps.clock ?? Date.now;
  const iso = (ms = now()) => new Date(ms).toISOString();
  const catalog = deps.permissions;
  const corsCache = new Map<string, { origins: readonly string[]; at: number }>();
  const BUILT_IN_PERMISSIONS = catalog.builtIn;
  /** Reads are allowed in an archived project; changes (other than unarchiving or deleting it) are not. */
  const ALLOWED_WHEN_ARCHIVED = new Set<Permission>([
    "project:update",
    "project:delete",
    ...catalog.names.filter((p) => p.endsWith(":read")),
  ]);
  const kindOf = (name: string) => deps.lifecycle?.resourceKinds().find((k) => k.kind === name);
  const kindNames = () => (deps.lifecycle?.resourceKinds() ?? []).map((k) => k.kind);

  /** Permission names a role or key may hold: every one must be in the catalog. */
  const checkPermissions = Object.assign(checkPermissionList, { known: (name: string) => catalog.has(name) });
  function checkPermissionList(list: readonly string[], field = "permissions"): Permission[] {
    const issues = list.flatMap((p, i) =>
      catalog.has(p) ? [] : [{ path: `${field}.${i}`, code: "invalid_value", message: `Unknown permission "${p.slice(0, 64)}"` }],
    );
    if (issues.length > 0)
      throw new AppError("invalid_input", 400, {
        summary: issues.map((i) => `${i.path}: ${i.message}`).join("; "),
        issues: issues.slice(0, 20),
      });
    return list as Permission[];
  }

  async function findProject(ref: string, trx: Db = db): Promise<ProjectRow | undefined> {
    const column = ref.startsWith("prj_") ? "id" : "slug";
    return trx.selectFrom("projects").selectAll().where(column, "=", ref.toLowerCase()).executeTakeFirst();
  }

  async function permissionsOfRole(projectId: string, role: string, trx: Db = db): Promise<ReadonlySet<Permission>> {
    if (isBuiltInRole(role)) return BUILT_IN_PERMISSIONS[role];
    const row = await trx
      .selectFrom("project_roles")
      .select("permissions")
      .where("project_id", "=", projectId)
      .where("id", "=", role)
      .executeTakeFirst();
    return new Set(row ? readJson<Permission[]>(row.permissions) : []);
  }

  /**
   * The one authorization decision. A caller with no relation to the project gets 404 (its
   * existence is not revealed); a member or key without the permission gets 403.
   */
  async function authorize(actor: Actor, projectRef: string, permission: Permission, tx: Tx = db): Promise<Access> {
    const trx = tx as Db;
    const row = await findProject(projectRef, trx);
    if (!row) throw new AppError("project_not_found", 404, { project: projectRef });
    let role: string | null = null;
    let permissions: ReadonlySet<Permission>;
    if (actor.kind === "system") {
      permissions = BUILT_IN_PERMISSIONS.owner;
    } else if (actor.kind === "apiKey") {
      if (actor.projectId !== row.id) throw new AppError("project_not_found", 404, { project: projectRef });
      permissions = new Set(actor.permissions.filter((p): p is Permission => catalog.has(p)));
    } else {
      const member = await trx
        .selectFrom("project_members")
        .select("role")
        .where("project_id", "=", row.id)
        .where("account_id", "=", actor.id)
        .executeTakeFirst();
      role = member?.role ?? null;
      if (member) permissions = await permissionsOfRole(row.id, member.role, trx);
      else if (actor.instanceAdmin) permissions = BUILT_IN_PERMISSIONS.owner;
      else throw new AppError("project_not_found", 404, { project: projectRef });
    }
    if (!permissions.has(permission)) throw new AppError("forbidden", 403, { permission });
    if (row.archived_at && !ALLOWED_WHEN_ARCHIVED.has(permission)) throw new AppError("project_archived", 409);
    return { project: toProjectView(row, role), permissions };
  }

  async function ownerCount(projectId: string, trx: Db): Promise<number> {
    const row = await trx
      .selectFrom("project_members")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("project_id", "=", projectId)
      .where("role", "=", "owner")
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function resolveRole(projectId: string, role: string, trx: Db): Promise<string> {
    if (isBuiltInRole(role)) return role;
    const custom = await trx
      .selectFrom("project_roles")
      .select("id")
      .where("project_id", "=", projectId)
      .where((eb) => eb.or([eb("id", "=", role), eb("name", "=", role)]))
      .executeTakeFirst();
    if (!custom) throw new AppError("role_not_found", 404, { role });
    return custom.id;
  }

  /** Giving or taking the owner role is a transfer of control: it needs `project:transfer`. */
  function assertMayTouchOwner(access: Access, ...roles: string[]) {
    if (roles.includes("owner") && !access.permissions.has("project:transfer"))
      throw new AppError("forbidden", 403, { permission: "project:transfer" });
  }

  return {
    authorize,

    /** Projects the actor can see: its memberships, or all of them for an instance admin. */
    async list(actor: Actor): Promise<ProjectView[]> {
      if (actor.kind === "apiKey") {
        const row = await findProject(actor.projectId);
        return row ? [toProjectView(row, null)] : [];
      }
      if (actor.kind === "account" && !actor.instanceAdmin) {
        const rows = await db
          .selectFrom("projects")
          .innerJoin("project_members", "project_members.project_id", "projects.id")
          .selectAll("projects")
          .select("project_members.role")
          .where("project_members.account_id", "=", actor.id)
          .orderBy("projects.name")
          .execute();
        return rows.map((r) => toProjectView(r, r.role));
      }
      const memberships =
        actor.kind === "account"
          ? await db.selectFrom("project_members").select(["project_id", "role"]).where("account_id", "=", actor.id).execute()
          : [];
      const roles = new Map(memberships.map((m) => [m.project_id, m.role]));
      const rows = await db.selectFrom("projects").selectAll().orderBy("name").execute();
      return rows.map((r) => toProjectView(r, roles.get(r.id) ?? null));
    },

    /** Adds an account to a project with a role, as apprun itself (single sign-on provisioning). */
    async join(projectId: string, accountId: string, role: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const project = await findProject(projectId, trx);
        if (!project) return;
        const resolved = await resolveRole(project.id, role, trx).catch(() => "viewer");
        await trx
          .insertInto("project_members")
          .values({ project_id: project.id, account_id: accountId, role: resolved === "owner" ? "viewer" : resolved })
          .onConflict((oc) => oc.columns(["project_id", "account_id"]).doNothing())
          .execute();
        await audit.record(
          { kind: "system", id: null, label: "sso" },
          { projectId: project.id, action: "member.join", target: { kind: "account", id: accountId }, data: { role: resolved } },
          trx,
        );
      });
    },

    async get(actor: Actor, ref: string): Promise<Access> {
      return authorize(actor, ref, "project:read");
    },

    async create(actor: Actor, input: { name: string; slug: string }, origin?: RequestOrigin): Promise<ProjectView> {
      if (actor.kind !== "account") throw new AppError("forbidden", 403, { permission: "project:create" });
      const parsed = createProjectInput.parse(input);
      const id = newId("prj");
      await db.transaction().execute(async (trx) => {
        if (await findProject(parsed.slug, trx)) throw new AppError("slug_taken", 409, { slug: parsed.slug });
        await trx
          .insertInto("projects")
          .values({ id, slug: parsed.slug, name: parsed.name, owner_id: actor.id, archived_at: null })
          .execute();
        await trx.insertInto("project_members").values({ project_id: id, account_id: actor.id, role: "owner" }).execute();
        await audit.record(
          actor,
          { projectId: id, action: "project.create", target: { kind: "project", id }, data: parsed, ip: origin?.ip },
          trx,
        );
      });
      await deps.lifecycle?.created(id);
      return toProjectView((await findProject(id))!, "owner");
    },

    async update(actor: Actor, input: { project: string; name?: string; slug?: string }): Promise<ProjectView> {
      const parsed = updateProjectInput.parse(input);
      return db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "project:update", trx);
        if (parsed.slug && parsed.slug !== project.slug && (await findProject(parsed.slug, trx)))
          throw new AppError("slug_taken", 409, { slug: parsed.slug });
        const changes = { ...(parsed.name ? { name: parsed.name } : {}), ...(parsed.slug ? { slug: parsed.slug } : {}) };
        await trx
          .updateTable("projects")
          .set({ ...changes, updated_at: iso() })
          .where("id", "=", project.id)
          .execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: "project.update",
            target: { kind: "project", id: project.id },
            data: { before: { name: project.name, slug: project.slug }, after: changes },
          },
          trx,
        );
        return toProjectView((await findProject(project.id, trx))!, project.role);
      });
    },

    /**
     * The origins whose browser apps may call the project's public API (CORS), remembered for a few
     * seconds per reference so the check costs nothing on the hot path; a change reaches every node
     * within that time. Unknown projects have none.
     */
    async corsOrigins(ref: string): Promise<readonly string[]> {
      const hit = corsCache.get(ref);
      if (hit && now() - hit.at < CORS_CACHE_MS) return hit.origins;
      const row = await findProject(ref);
      const origins = row ? readJson<string[]>(row.cors_origins) : [];
      if (corsCache.size > 5000) corsCache.clear();
      corsCache.set(ref, { origins, at: now() });
      return origins;
    },

    /** project:update. Replaces the allowed origins; audited. */
    async setCorsOrigins(actor: Actor, input: { project: string; origins: string[] }): Promise<readonly string[]> {
      const parsed = corsInput.parse(input);
      const origins = [...new Set(parsed.origins)];
      await db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "project:update", trx);
        const before = readJson<string[]>((await findProject(project.id, trx))!.cors_origins);
        await trx
          .updateTable("projects")
          .set({ cors_origins: JSON.stringify(origins), updated_at: iso() })
          .where("id", "=", project.id)
          .execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: "project.cors.update",
            target: { kind: "project", id: project.slug },
            data: { before, after: origins },
          },
          trx,
        );
        for (const key of [project.id, project.slug]) corsCache.delete(key);
      });
      return origins;
    },

    async setArchived(actor: Actor, ref: string, archived: boolean): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, ref, "project:update", trx);
        await trx
          .updateTable("projects")
          .set({ archived_at: archived ? iso() : null, updated_at: iso() })
          .where("id", "=", project.id)
          .execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: archived ? "project.archive" : "project.unarchive",
            target: { kind: "project", id: project.id },
          },
          trx,
        );
      });
    },

    /** Deletes the project and all of its data. The caller must type the project's slug to confirm. */
    async delete(actor: Actor, input: { project: string; confirm: string }): Promise<void> {
      const parsed = deleteProjectInput.parse(input);
      const { project } = await authorize(actor, parsed.project, "project:delete");
      if (parsed.confirm !== project.slug) throw new AppError("confirmation_mismatch", 400, { expected: "slug" });
      await deps.lifecycle?.dropping(project.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom("projects").where("id", "=", project.id).execute();
        // The project's own log goes with it; this instance-level entry records the deletion.
        await audit.forgetProject(project.id, trx);
        await audit.record(
          actor,
          {
            projectId: null,
            action: "project.delete",
            target: { kind: "project", id: project.id },
            data: { slug: project.slug, name: project.name },
          },
          trx,
        );
      });
    },

    /** Hands the project to another member, who becomes owner; the previous owner stays as admin. */
    async transfer(actor: Actor, input: { project: string; accountId: string }): Promise<void> {
      const parsed = transferInput.parse(input);
      await db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "project:transfer", trx);
        const target = await trx
          .selectFrom("project_members")
          .select("role")
          .where("project_id", "=", project.id)
          .where("account_id", "=", parsed.accountId)
          .executeTakeFirst();
        if (!target) throw new AppError("member_not_found", 404);
        await trx
          .updateTable("project_members")
          .set({ role: "owner" })
          .where("project_id", "=", project.id)
          .where("account_id", "=", parsed.accountId)
          .execute();
        await trx
          .updateTable("project_members")
          .set({ role: "admin" })
          .where("project_id", "=", project.id)
          .where("account_id", "=", project.ownerId)
          .where("account_id", "!=", parsed.accountId)
          .execute();
        await trx.updateTable("projects").set({ owner_id: parsed.accountId, updated_at: iso() }).where("id", "=", project.id).execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: "project.transfer",
            target: { kind: "account", id: parsed.accountId },
            data: { from: project.ownerId, to: parsed.accountId },
          },
          trx,
        );
      });
    },

    // ── members ───────────────────────────────────────────────────────────────

    async members(actor: Actor, ref: string): Promise<MemberView[]> {
      const { project } = await authorize(actor, ref, "members:read");
      const rows = await db
        .selectFrom("project_members")
        .select(["account_id", "role", "created_at"])
        .where("project_id", "=", project.id)
        .execute();
      const profiles = await deps.accounts.profiles(rows.map((r) => r.account_id));
      return rows
        .flatMap((r) => {
          const profile = profiles.get(r.account_id);
          return profile ? [{ accountId: r.account_id, ...profile, role: r.role, joinedAt: readTime(r.created_at) }] : [];
        })
        .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
    },

    async changeRole(actor: Actor, input: { project: string; accountId: string; role: string }): Promise<void> {
      const parsed = memberRoleInput.parse(input);
      await db.transaction().execute(async (trx) => {
        const access = await authorize(actor, parsed.project, "members:manage", trx);
        const member = await trx
          .selectFrom("project_members")
          .select("role")
          .where("project_id", "=", access.project.id)
          .where("account_id", "=", parsed.accountId)
          .executeTakeFirst();
        if (!member) throw new AppError("member_not_found", 404);
        const role = await resolveRole(access.project.id, parsed.role, trx);
        assertMayTouchOwner(access, member.role, role);
        if (member.role === "owner" && role !== "owner" && (await ownerCount(access.project.id, trx)) <= 1)
          throw new AppError("last_owner", 409);
        await trx
          .updateTable("project_members")
          .set({ role })
          .where("project_id", "=", access.project.id)
          .where("account_id", "=", parsed.accountId)
          .execute();
        await audit.record(
          actor,
          {
            projectId: access.project.id,
            action: "member.role.change",
            target: { kind: "account", id: parsed.accountId },
            data: { from: member.role, to: role },
          },
          trx,
        );
      });
    },

    /** Removes a member (or lets a member leave). The last owner can do neither. */
    async removeMember(actor: Actor, input: { project: string; accountId: string }): Promise<void> {
      const parsed = memberInput.parse(input);
      await db.transaction().execute(async (trx) => {
        const leaving = actor.kind === "account" && actor.id === parsed.accountId;
        const access = await authorize(actor, parsed.project, leaving ? "project:read" : "members:manage", trx);
        const member = await trx
          .selectFrom("project_members")
          .select("role")
          .where("project_id", "=", access.project.id)
          .where("account_id", "=", parsed.accountId)
          .executeTakeFirst();
        if (!member) throw new AppError("member_not_found", 404);
        if (!leaving) assertMayTouchOwner(access, member.role);
        if (member.role === "owner" && (await ownerCount(access.project.id, trx)) <= 1) throw new AppError("last_owner", 409);
        await trx
          .deleteFrom("project_members")
          .where("project_id", "=", access.project.id)
          .where("account_id", "=", parsed.accountId)
          .execute();
        if (access.project.ownerId === parsed.accountId) {
          const next = await trx
            .selectFrom("project_members")
            .select("account_id")
            .where("project_id", "=", access.project.id)
            .where("role", "=", "owner")
            .executeTakeFirstOrThrow();
          await trx.updateTable("projects").set({ owner_id: next.account_id }).where("id", "=", access.project.id).execute();
        }
        await audit.record(
          actor,
          {
            projectId: access.project.id,
            action: leaving ? "member.leave" : "member.remove",
            target: { kind: "account", id: parsed.accountId },
            data: { role: member.role },
          },
          trx,
        );
      });
    },

    // ── invitations ───────────────────────────────────────────────────────────

    /**
     * Invites an email with a role. The link is mailed when SMTP is configured, and always
     * returned to the inviter, who may pass it on another way (air-gapped sites often have no mail).
     */
    async invite(
      actor: Actor,
      input: { project: string; email: string; role: string },
      locale: Locale,
    ): Promise<{ invitation: InvitationView; link: string; mailed: boolean }> {
      const parsed = inviteInput.parse(input);
      const token = randomToken();
      const { invitation, project } = await db.transaction().execute(async (trx) => {
        const access = await authorize(actor, parsed.project, "members:manage", trx);
        const role = await resolveRole(access.project.id, parsed.role, trx);
        assertMayTouchOwner(access, role);
        const account = await deps.accounts.findByEmail(parsed.email, trx);
        const existing =
          account &&
          (await trx
            .selectFrom("project_members")
            .select("account_id")
            .where("project_id", "=", access.project.id)
            .where("account_id", "=", account.id)
            .executeTakeFirst());
        if (existing) throw new AppError("already_member", 409, { email: parsed.email });
        // A new invitation to the same address replaces an open one.
        await trx
          .updateTable("project_invitations")
          .set({ revoked_at: iso() })
          .where("project_id", "=", access.project.id)
          .where("email", "=", parsed.email)
          .where("accepted_at", "is", null)
          .where("revoked_at", "is", null)
          .execute();
        const row = {
          id: newId("inv"),
          project_id: access.project.id,
          email: parsed.email,
          role,
          token_hash: hashToken(token),
          invited_by: actor.id ?? "system",
          expires_at: iso(now() + INVITATION_TTL_MS),
          accepted_at: null,
          revoked_at: null,
        };
        await trx.insertInto("project_invitations").values(row).execute();
        await audit.record(
          actor,
          {
            projectId: access.project.id,
            action: "member.invite",
            target: { kind: "invitation", id: row.id },
            data: { email: parsed.email, role },
          },
          trx,
        );
        return {
          invitation: { id: row.id, email: row.email, role, invitedBy: row.invited_by, expiresAt: row.expires_at, createdAt: iso() },
          project: access.project,
        };
      });
      const link = `${deps.publicUrl}/invitations/accept?token=${token}`;
      let mailed = false;
      if (await deps.mailer.configured()) {
        const inviter = actor.kind === "account" ? actor.name : "apprun";
        await deps.mailer.send(renderMail(invitationMail, locale, parsed.email, { inviter, project: project.name, link }));
        mailed = true;
      }
      return { invitation, link, mailed };
    },

    async invitations(actor: Actor, ref: string): Promise<InvitationView[]> {
      const { project } = await authorize(actor, ref, "members:read");
      const rows = await db
        .selectFrom("project_invitations")
        .selectAll()
        .where("project_id", "=", project.id)
        .where("accepted_at", "is", null)
        .where("revoked_at", "is", null)
        .where("expires_at", ">", iso())
        .orderBy("created_at", "desc")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        email: r.email,
        role: r.role,
        invitedBy: r.invited_by,
        expiresAt: readTime(r.expires_at),
        createdAt: readTime(r.created_at),
      }));
    },

    async revokeInvitation(actor: Actor, input: { project: string; invitationId: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, input.project, "members:manage", trx);
        const result = await trx
          .updateTable("project_invitations")
          .set({ revoked_at: iso() })
          .where("id", "=", input.invitationId)
          .where("project_id", "=", project.id)
          .where("accepted_at", "is", null)
          .where("revoked_at", "is", null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw new AppError("invitation_not_found", 404);
        await audit.record(
          actor,
          { projectId: project.id, action: "member.invitation.revoke", target: { kind: "invitation", id: input.invitationId } },
          trx,
        );
      });
    },

    /** What an invitation link shows before it is accepted: the project and the invited email. */
    async inspectInvitation(
      token: string,
    ): Promise<{ email: string; projectName: string; role: string; roleName: string; accountExists: boolean }> {
      const { token: t } = acceptInvitationInput.parse({ token });
      const row = await db
        .selectFrom("project_invitations")
        .innerJoin("projects", "projects.id", "project_invitations.project_id")
        .select([
          "project_invitations.email",
          "project_invitations.role",
          "project_invitations.project_id",
          "project_invitations.expires_at",
          "project_invitations.accepted_at",
          "project_invitations.revoked_at",
          "projects.name",
        ])
        .where("project_invitations.token_hash", "=", hashToken(t))
        .executeTakeFirst();
      if (!row || row.accepted_at || row.revoked_at || Date.parse(readTime(row.expires_at)) <= now())
        throw new AppError("invitation_invalid", 400);
      // A custom role is stored by id; the invitee should read its name.
      const custom = isBuiltInRole(row.role)
        ? undefined
        : await db
            .selectFrom("project_roles")
            .select("name")
            .where("project_id", "=", row.project_id)
            .where("id", "=", row.role)
            .executeTakeFirst();
      return {
        email: row.email,
        projectName: row.name,
        role: row.role,
        roleName: custom?.name ?? row.role,
        accountExists: (await deps.accounts.findByEmail(row.email)) !== null,
      };
    },

    /**
     * Accepts an invitation: as the signed-in account whose email it was sent to, or by creating
     * that account (name and password given). One use only.
     */
    async acceptInvitation(
      input: { token: string },
      as: { actor: Actor } | { signUp: { name: string; password: string }; origin: RequestOrigin },
    ): Promise<{ projectId: string; session?: IssuedSession }> {
      const { token } = acceptInvitationInput.parse(input);
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom("project_invitations").selectAll().where("token_hash", "=", hashToken(token)).executeTakeFirst();
        if (!row || row.accepted_at || row.revoked_at || Date.parse(readTime(row.expires_at)) <= now())
          throw new AppError("invitation_invalid", 400);
        let accountId: string;
        let session: IssuedSession | undefined;
        let actor: Actor;
        if ("actor" in as) {
          if (as.actor.kind !== "account") throw new AppError("forbidden", 403);
          if (as.actor.email !== row.email) throw new AppError("invitation_email_mismatch", 403, { email: row.email });
          accountId = as.actor.id;
          actor = as.actor;
        } else {
          const created = await deps.accounts.createInvited(trx, { email: row.email, ...as.signUp }, as.origin);
          accountId = created.account.id;
          session = created.session;
          actor = { kind: "account", id: accountId, email: row.email, name: created.account.name, instanceAdmin: false, sessionId: null };
        }
        const claimed = await trx
          .updateTable("project_invitations")
          .set({ accepted_at: iso() })
          .where("id", "=", row.id)
          .where("accepted_at", "is", null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new AppError("invitation_invalid", 400);
        const already = await trx
          .selectFrom("project_members")
          .select("role")
          .where("project_id", "=", row.project_id)
          .where("account_id", "=", accountId)
          .executeTakeFirst();
        if (!already)
          await trx.insertInto("project_members").values({ project_id: row.project_id, account_id: accountId, role: row.role }).execute();
        await audit.record(
          actor,
          {
            projectId: row.project_id,
            action: "member.join",
            target: { kind: "account", id: accountId },
            data: { role: row.role, invitation: row.id },
          },
          trx,
        );
        return { projectId: row.project_id, session };
      });
    },

    // ── roles ─────────────────────────────────────────────────────────────────

    async roles(actor: Actor, ref: string): Promise<RoleView[]> {
      const { project } = await authorize(actor, ref, "members:read");
      const custom = await db.selectFrom("project_roles").selectAll().where("project_id", "=", project.id).orderBy("name").execute();
      return [
        ...BUILT_IN_ROLES.map((name) => ({ id: name, name, description: "", builtIn: true, permissions: [...BUILT_IN_PERMISSIONS[name]] })),
        ...custom.map((r) => ({
          id: r.id,
          name: r.name,
          description: r.description,
          builtIn: false,
          permissions: readJson<Permission[]>(r.permissions),
        })),
      ];
    },

    async createRole(
      actor: Actor,
      input: { project: string; name: string; description?: string; permissions: string[] },
    ): Promise<RoleView> {
      const parsed = createRoleInput.parse(input);
      checkPermissions(parsed.permissions);
      return db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "roles:manage", trx);
        if (isBuiltInRole(parsed.name.toLowerCase())) throw new AppError("role_name_reserved", 409, { name: parsed.name });
        const clash = await trx
          .selectFrom("project_roles")
          .select("id")
          .where("project_id", "=", project.id)
          .where("name", "=", parsed.name)
          .executeTakeFirst();
        if (clash) throw new AppError("role_name_taken", 409, { name: parsed.name });
        const id = newId("rol");
        await trx
          .insertInto("project_roles")
          .values({
            id,
            project_id: project.id,
            name: parsed.name,
            description: parsed.description,
            permissions: JSON.stringify(parsed.permissions),
          })
          .execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: "role.create",
            target: { kind: "role", id },
            data: { name: parsed.name, permissions: parsed.permissions },
          },
          trx,
        );
        return { id, name: parsed.name, description: parsed.description, builtIn: false, permissions: parsed.permissions as Permission[] };
      });
    },

    async updateRole(
      actor: Actor,
      input: { project: string; roleId: string; name?: string; description?: string; permissions?: string[] },
    ): Promise<void> {
      const parsed = updateRoleInput.parse(input);
      if (parsed.permissions) checkPermissions(parsed.permissions);
      if (isBuiltInRole(parsed.roleId)) throw new AppError("role_built_in", 409);
      await db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "roles:manage", trx);
        const row = await trx
          .selectFrom("project_roles")
          .selectAll()
          .where("project_id", "=", project.id)
          .where("id", "=", parsed.roleId)
          .executeTakeFirst();
        if (!row) throw new AppError("role_not_found", 404, { role: parsed.roleId });
        if (parsed.name && isBuiltInRole(parsed.name.toLowerCase())) throw new AppError("role_name_reserved", 409, { name: parsed.name });
        if (parsed.name && parsed.name !== row.name) {
          const clash = await trx
            .selectFrom("project_roles")
            .select("id")
            .where("project_id", "=", project.id)
            .where("name", "=", parsed.name)
            .executeTakeFirst();
          if (clash) throw new AppError("role_name_taken", 409, { name: parsed.name });
        }
        await trx
          .updateTable("project_roles")
          .set({
            ...(parsed.name ? { name: parsed.name } : {}),
            ...(parsed.description !== undefined ? { description: parsed.description } : {}),
            ...(parsed.permissions ? { permissions: JSON.stringify(parsed.permissions) } : {}),
            updated_at: iso(),
          })
          .where("id", "=", row.id)
          .execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: "role.update",
            target: { kind: "role", id: row.id },
            data: {
              before: { name: row.name, permissions: readJson(row.permissions) },
              after: { name: parsed.name, permissions: parsed.permissions },
            },
          },
          trx,
        );
      });
    },

    /** A role still held by members cannot be deleted; reassign them first. */
    async deleteRole(actor: Actor, input: { project: string; roleId: string }): Promise<void> {
      const parsed = roleIdInput.parse(input);
      if (isBuiltInRole(parsed.roleId)) throw new AppError("role_built_in", 409);
      await db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "roles:manage", trx);
        const inUse = await trx
          .selectFrom("project_members")
          .select("account_id")
          .where("project_id", "=", project.id)
          .where("role", "=", parsed.roleId)
          .limit(1)
          .executeTakeFirst();
        if (inUse) throw new AppError("role_in_use", 409);
        const result = await trx
          .deleteFrom("project_roles")
          .where("project_id", "=", project.id)
          .where("id", "=", parsed.roleId)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) !== 1) throw new AppError("role_not_found", 404, { role: parsed.roleId });
        await audit.record(actor, { projectId: project.id, action: "role.delete", target: { kind: "role", id: parsed.roleId } }, trx);
      });
    },

    // ── sharing between projects ──────────────────────────────────────────────

    resourceKinds: kindNames,

    /** The permission catalog, in declaration order (the roles matrix and key dialogs list it). */
    permissions: () => [...catalog.names],

    /** Refuses permission names the catalog does not know (API keys check theirs with it). */
    checkPermissions,

    async grant(
      actor: Actor,
      input: { project: string; grantee: string; resourceKind: string; resourceName: string; access: "read" | "read_write" },
    ): Promise<GrantView> {
      const parsed = grantInput.parse(input);
      const kind = kindOf(parsed.resourceKind);
      if (!kind) throw new AppError("resource_kind_unknown", 400, { kind: parsed.resourceKind, known: kindNames() });
      return db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "grants:manage", trx);
        const grantee = await findProject(parsed.grantee, trx);
        if (!grantee || grantee.id === project.id) throw new AppError("grantee_not_found", 404, { project: parsed.grantee });
        if (!(await kind.exists(project.id, parsed.resourceName)))
          throw new AppError("resource_not_found", 404, { kind: parsed.resourceKind, name: parsed.resourceName });
        const existing = await trx
          .selectFrom("project_grants")
          .select("id")
          .where("project_id", "=", project.id)
          .where("grantee_project_id", "=", grantee.id)
          .where("resource_kind", "=", parsed.resourceKind)
          .where("resource_name", "=", parsed.resourceName)
          .executeTakeFirst();
        const id = existing?.id ?? newId("grt");
        if (existing) await trx.updateTable("project_grants").set({ access: parsed.access }).where("id", "=", id).execute();
        else
          await trx
            .insertInto("project_grants")
            .values({
              id,
              project_id: project.id,
              grantee_project_id: grantee.id,
              resource_kind: parsed.resourceKind,
              resource_name: parsed.resourceName,
              access: parsed.access,
              created_by: actor.id ?? "system",
            })
            .execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: "grant.create",
            target: { kind: "grant", id },
            data: { grantee: grantee.slug, kind: parsed.resourceKind, name: parsed.resourceName, access: parsed.access },
          },
          trx,
        );
        return {
          id,
          projectId: project.id,
          projectSlug: project.slug,
          granteeProjectId: grantee.id,
          granteeSlug: grantee.slug,
          resourceKind: parsed.resourceKind,
          resourceName: parsed.resourceName,
          access: parsed.access,
          createdAt: iso(),
        };
      });
    },

    /** Grants the project gave and grants it received. */
    async grants(actor: Actor, ref: string): Promise<{ given: GrantView[]; received: GrantView[] }> {
      const { project } = await authorize(actor, ref, "project:read");
      const rows = await db
        .selectFrom("project_grants as g")
        .innerJoin("projects as owner", "owner.id", "g.project_id")
        .innerJoin("projects as grantee", "grantee.id", "g.grantee_project_id")
        .select([
          "g.id",
          "g.project_id",
          "owner.slug as owner_slug",
          "g.grantee_project_id",
          "grantee.slug as grantee_slug",
          "g.resource_kind",
          "g.resource_name",
          "g.access",
          "g.created_at",
        ])
        .where((eb) => eb.or([eb("g.project_id", "=", project.id), eb("g.grantee_project_id", "=", project.id)]))
        .orderBy("g.created_at", "desc")
        .execute();
      const view = (r: (typeof rows)[number]): GrantView => ({
        id: r.id,
        projectId: r.project_id,
        projectSlug: r.owner_slug,
        granteeProjectId: r.grantee_project_id,
        granteeSlug: r.grantee_slug,
        resourceKind: r.resource_kind,
        resourceName: r.resource_name,
        access: r.access as GrantView["access"],
        createdAt: readTime(r.created_at),
      });
      return {
        given: rows.filter((r) => r.project_id === project.id).map(view),
        received: rows.filter((r) => r.grantee_project_id === project.id).map(view),
      };
    },

    async revokeGrant(actor: Actor, input: { project: string; grantId: string }): Promise<void> {
      const parsed = grantIdInput.parse(input);
      await db.transaction().execute(async (trx) => {
        const { project } = await authorize(actor, parsed.project, "grants:manage", trx);
        const row = await trx
          .selectFrom("project_grants")
          .selectAll()
          .where("id", "=", parsed.grantId)
          .where("project_id", "=", project.id)
          .executeTakeFirst();
        if (!row) throw new AppError("grant_not_found", 404);
        await trx.deleteFrom("project_grants").where("id", "=", row.id).execute();
        await audit.record(
          actor,
          {
            projectId: project.id,
            action: "grant.revoke",
            target: { kind: "grant", id: row.id },
            data: { kind: row.resource_kind, name: row.resource_name },
          },
          trx,
        );
      });
    },

    /**
     * Whether `granteeProjectId` may use another project's resource: the check modules call when a
     * request in one project reaches for a resource of another.
     */
    async hasGrant(
      ownerProjectId: string,
      granteeProjectId: string,
      resourceKind: string,
      resourceName: string,
      access: "read" | "read_write",
    ): Promise<boolean> {
      let q = db
        .selectFrom("project_grants")
        .select("access")
        .where("project_id", "=", ownerProjectId)
        .where("grantee_project_id", "=", granteeProjectId)
        .where("resource_kind", "=", resourceKind)
        .where("resource_name", "=", resourceName);
      if (access === "read_write") q = q.where("access", "=", "read_write");
      return (await q.executeTakeFirst()) !== undefined;
    },

    async audit(actor: Actor, query: { project: string; limit: number; before?: string; action?: string }) {
      const { project } = await authorize(actor, query.project, "audit:read");
      return audit.list({ projectId: project.id, limit: query.limit, before: query.before, action: query.action });
    },
  };
}

export type ProjectsService = ReturnType<typeof createProjectsService>;
