import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { linkIn, startSmtpListener, type SmtpListener } from "../../testing/smtp";
import { startTestApp, type TestApp } from "../../testing/app";
import type { Actor } from "../../platform/auth/actor";
import { modules } from "../index";
import { createPermissionCatalog } from "../../platform/module";
import { BUILT_IN_ROLES } from "./permissions";

// Every permission the modules declare, and what the built-in roles hold.
const catalog = createPermissionCatalog(modules);
const PERMISSIONS = catalog.names;
const BUILT_IN_PERMISSIONS = catalog.builtIn;

const PASSWORD = "correct horse battery";

describe.each(DATABASE_KINDS)("projects and roles on %s", (kind) => {
  let t: TestApp;
  let smtp: SmtpListener;
  let owner: ConsoleClient;
  let projectA: string;

  async function signedIn(email: string): Promise<ConsoleClient> {
    const client = consoleClient(t.baseUrl);
    await client.trpc.accounts.signIn.mutate({ email, password: PASSWORD });
    return client;
  }

  async function accountActor(email: string): Promise<Actor> {
    const account = (await t.app.services.accounts.findByEmail(email))!;
    return { kind: "account", id: account.id, email, name: account.name, instanceAdmin: account.instanceAdmin, sessionId: null };
  }

  beforeAll(async () => {
    smtp = await startSmtpListener();
    t = await startTestApp(kind);
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Olga Owner", password: PASSWORD });
    await owner.trpc.instance.updateSmtp.mutate({
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      fromAddress: "apprun@example.com",
      fromName: "apprun",
    });
    for (const email of ["member@example.com", "outsider@example.com", "viewer@example.com"]) {
      await owner.trpc.instance.createAccount.mutate({ email, name: email.split("@")[0]!, password: PASSWORD });
    }
    projectA = (await owner.trpc.projects.create.mutate({ name: "Shop", slug: "shop" })).id;
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it("creates projects with unique slugs and lists them for their members", async () => {
    expect(projectA).toMatch(/^prj_/);
    expect(await failure(owner.trpc.projects.create.mutate({ name: "Other shop", slug: "shop" }))).toMatchObject({
      code: "slug_taken",
      status: 409,
    });
    expect(await failure(owner.trpc.projects.create.mutate({ name: "Bad", slug: "Not A Slug" }))).toMatchObject({
      code: "invalid_input",
      status: 400,
    });
    expect(await failure(owner.trpc.projects.create.mutate({ name: "Bad", slug: "prj_abc" }))).toMatchObject({ code: "invalid_input" });
    const list = await owner.trpc.projects.list.query();
    expect(list).toEqual([expect.objectContaining({ slug: "shop", name: "Shop", role: "owner", archived: false })]);
    const outsider = await signedIn("outsider@example.com");
    expect(await outsider.trpc.projects.list.query()).toEqual([]);
    const bySlug = await owner.trpc.projects.get.query({ project: "shop" });
    const byId = await owner.trpc.projects.get.query({ project: projectA });
    expect(bySlug.id).toBe(byId.id);
    expect(bySlug.permissions.sort()).toEqual([...PERMISSIONS].sort());
  });

  it("invites by mail; the invitee signs up through the link and joins with the role", async () => {
    const { invitation, link, mailed } = await owner.trpc.projects.invite.mutate({
      project: "shop",
      email: "Newbie@Example.com",
      role: "developer",
    });
    expect(invitation).toMatchObject({ email: "newbie@example.com", role: "developer" });
    expect(mailed).toBe(true);
    const mail = await smtp.waitFor("newbie@example.com");
    expect(mail.subject).toBe("Olga Owner invited you to Shop on apprun");
    expect(linkIn(mail).searchParams.get("token")).toBe(new URL(link).searchParams.get("token"));
    const token = linkIn(mail).searchParams.get("token")!;

    const browser = consoleClient(t.baseUrl);
    expect(await browser.trpc.projects.inspectInvitation.query({ token })).toEqual({
      email: "newbie@example.com",
      projectName: "Shop",
      role: "developer",
      roleName: "developer",
      accountExists: false,
    });
    const { projectId } = await browser.trpc.projects.acceptInvitation.mutate({ token, signUp: { name: "Nia", password: PASSWORD } });
    expect(projectId).toBe(projectA);
    expect((await browser.trpc.accounts.state.query()).account).toMatchObject({ email: "newbie@example.com", emailVerified: true });
    expect(await browser.trpc.projects.list.query()).toEqual([expect.objectContaining({ slug: "shop", role: "developer" })]);
    // One use only.
    expect(
      await failure(
        consoleClient(t.baseUrl).trpc.projects.acceptInvitation.mutate({ token, signUp: { name: "Again", password: PASSWORD } }),
      ),
    ).toMatchObject({ code: "invitation_invalid", status: 400 });
    const audit = await owner.trpc.projects.audit.query({ project: "shop" });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(["member.invite", "member.join", "project.create"]));
  });

  it("lets an existing account accept only an invitation sent to its own email", async () => {
    const { link } = await owner.trpc.projects.invite.mutate({ project: "shop", email: "member@example.com", role: "viewer" });
    const token = new URL(link).searchParams.get("token")!;
    const outsider = await signedIn("outsider@example.com");
    expect(await failure(outsider.trpc.projects.acceptInvitation.mutate({ token }))).toMatchObject({
      code: "invitation_email_mismatch",
      status: 403,
    });
    const member = await signedIn("member@example.com");
    expect(await member.trpc.projects.acceptInvitation.mutate({ token })).toEqual({ projectId: projectA });
    expect((await owner.trpc.projects.members.query({ project: "shop" })).find((m) => m.email === "member@example.com")?.role).toBe(
      "viewer",
    );
    expect(
      await failure(owner.trpc.projects.invite.mutate({ project: "shop", email: "member@example.com", role: "viewer" })),
    ).toMatchObject({ code: "already_member" });
  });

  it("grants each built-in role exactly its permissions (role × permission matrix)", async () => {
    const actor = await accountActor("viewer@example.com");
    const ownerActor = await accountActor("owner@example.com");
    await t.app.services.projects.join(projectA, actor.id!, "viewer");
    for (const role of BUILT_IN_ROLES) {
      await t.app.database.db
        .updateTable("project_members")
        .set({ role })
        .where("project_id", "=", projectA)
        .where("account_id", "=", actor.id!)
        .execute();
      for (const permission of PERMISSIONS) {
        const decision = await t.app.services.projects.authorize(actor, "shop", permission).then(
          () => "allow",
          (err: { code: string }) => err.code,
        );
        expect(`${role} ${permission} ${decision}`).toBe(
          `${role} ${permission} ${BUILT_IN_PERMISSIONS[role].has(permission) ? "allow" : "forbidden"}`,
        );
      }
    }
    await t.app.services.projects.changeRole(ownerActor, { project: "shop", accountId: actor.id!, role: "viewer" });
  });

  it("changes roles, and a member who loses a permission loses the access", async () => {
    const member = await signedIn("member@example.com");
    const memberId = (await accountActor("member@example.com")).id!;
    expect(await member.trpc.projects.members.query({ project: "shop" })).not.toHaveLength(0);
    expect(await failure(member.trpc.projects.invite.mutate({ project: "shop", email: "x@example.com", role: "viewer" }))).toMatchObject({
      code: "forbidden",
      status: 403,
      details: { permission: "members:manage" },
    });

    await owner.trpc.projects.changeRole.mutate({ project: "shop", accountId: memberId, role: "admin" });
    await member.trpc.projects.invite.mutate({ project: "shop", email: "x@example.com", role: "viewer" });
    // Admins cannot hand out ownership.
    expect(await failure(member.trpc.projects.changeRole.mutate({ project: "shop", accountId: memberId, role: "owner" }))).toMatchObject({
      code: "forbidden",
      details: { permission: "project:transfer" },
    });

    await owner.trpc.projects.removeMember.mutate({ project: "shop", accountId: memberId });
    expect(await failure(member.trpc.projects.members.query({ project: "shop" }))).toMatchObject({
      code: "project_not_found",
      status: 404,
    });
    expect(await member.trpc.projects.list.query()).toEqual([]);
    const audit = await owner.trpc.projects.audit.query({ project: "shop", action: "member.role.change" });
    expect(audit[0]).toMatchObject({ actor: { label: "owner@example.com" }, data: { from: "viewer", to: "admin" } });
  });

  it("never removes or demotes the last owner", async () => {
    const ownerId = (await accountActor("owner@example.com")).id!;
    expect(await failure(owner.trpc.projects.changeRole.mutate({ project: "shop", accountId: ownerId, role: "admin" }))).toMatchObject({
      code: "last_owner",
      status: 409,
    });
    expect(await failure(owner.trpc.projects.removeMember.mutate({ project: "shop", accountId: ownerId }))).toMatchObject({
      code: "last_owner",
      status: 409,
    });
    expect((await owner.trpc.projects.members.query({ project: "shop" })).find((m) => m.accountId === ownerId)?.role).toBe("owner");
  });

  it("custom roles hold exactly the permissions ticked in the matrix", async () => {
    const role = await owner.trpc.projects.createRole.mutate({
      project: "shop",
      name: "Support",
      permissions: ["members:read", "users:read", "users:manage", "members:read"],
    });
    expect(role.permissions).toEqual(["members:read", "users:manage", "users:read"]);
    expect(await failure(owner.trpc.projects.createRole.mutate({ project: "shop", name: "Support", permissions: [] }))).toMatchObject({
      code: "role_name_taken",
    });
    expect(await failure(owner.trpc.projects.createRole.mutate({ project: "shop", name: "Admin", permissions: [] }))).toMatchObject({
      code: "role_name_reserved",
    });
    expect(
      await failure(owner.trpc.projects.createRole.mutate({ project: "shop", name: "Bogus", permissions: ["data:destroy" as never] })),
    ).toMatchObject({ code: "invalid_input" });

    const supportActor = await accountActor("outsider@example.com");
    await owner.trpc.projects.invite.mutate({ project: "shop", email: "outsider@example.com", role: "Support" }).then(async ({ link }) => {
      const token = new URL(link).searchParams.get("token")!;
      // The invitation page names a custom role by its name, not its id.
      expect(await consoleClient(t.baseUrl).trpc.projects.inspectInvitation.query({ token })).toMatchObject({
        role: role.id,
        roleName: "Support",
      });
      return signedIn("outsider@example.com").then((c) => c.trpc.projects.acceptInvitation.mutate({ token }));
    });
    for (const permission of PERMISSIONS) {
      const allowed = await t.app.services.projects.authorize(supportActor, "shop", permission).then(
        () => true,
        () => false,
      );
      expect(`${permission} ${allowed}`).toBe(`${permission} ${role.permissions.includes(permission)}`);
    }
    await owner.trpc.projects.updateRole.mutate({ project: "shop", roleId: role.id, permissions: ["members:read"] });
    expect(
      await t.app.services.projects.authorize(supportActor, "shop", "users:manage").then(
        () => true,
        () => false,
      ),
    ).toBe(false);
    expect(await failure(owner.trpc.projects.deleteRole.mutate({ project: "shop", roleId: role.id }))).toMatchObject({
      code: "role_in_use",
    });
    expect(await failure(owner.trpc.projects.updateRole.mutate({ project: "shop", roleId: "admin", permissions: [] }))).toMatchObject({
      code: "role_built_in",
    });
    await owner.trpc.projects.removeMember.mutate({ project: "shop", accountId: supportActor.id! });
    await owner.trpc.projects.deleteRole.mutate({ project: "shop", roleId: role.id });
    expect((await owner.trpc.projects.roles.query({ project: "shop" })).map((r) => r.name)).toEqual([
      "owner",
      "admin",
      "developer",
      "viewer",
    ]);
  });

  it("isolates projects: a member of B reaches nothing of A through any project procedure", async () => {
    const outsider = await signedIn("outsider@example.com");
    const projectB = await outsider.trpc.projects.create.mutate({ name: "Blog", slug: "blog" });
    expect(projectB.role).toBe("owner");
    const ownerId = (await accountActor("owner@example.com")).id!;
    const probes: Record<string, () => Promise<unknown>> = {
      get: () => outsider.trpc.projects.get.query({ project: "shop" }),
      update: () => outsider.trpc.projects.update.mutate({ project: "shop", name: "Hacked" }),
      setArchived: () => outsider.trpc.projects.setArchived.mutate({ project: "shop", archived: true }),
      delete: () => outsider.trpc.projects.delete.mutate({ project: "shop", confirm: "shop" }),
      transfer: () => outsider.trpc.projects.transfer.mutate({ project: "shop", accountId: ownerId }),
      members: () => outsider.trpc.projects.members.query({ project: "shop" }),
      changeRole: () => outsider.trpc.projects.changeRole.mutate({ project: "shop", accountId: ownerId, role: "viewer" }),
      removeMember: () => outsider.trpc.projects.removeMember.mutate({ project: "shop", accountId: ownerId }),
      invite: () => outsider.trpc.projects.invite.mutate({ project: "shop", email: "spy@example.com", role: "owner" }),
      invitations: () => outsider.trpc.projects.invitations.query({ project: "shop" }),
      revokeInvitation: () => outsider.trpc.projects.revokeInvitation.mutate({ project: "shop", invitationId: "inv_x" }),
      roles: () => outsider.trpc.projects.roles.query({ project: "shop" }),
      createRole: () => outsider.trpc.projects.createRole.mutate({ project: "shop", name: "Spy", permissions: [] }),
      cors: () => outsider.trpc.projects.cors.query({ project: "shop" }),
      setCors: () => outsider.trpc.projects.setCors.mutate({ project: "shop", origins: ["https://spy.example"] }),
      updateRole: () => outsider.trpc.projects.updateRole.mutate({ project: "shop", roleId: "rol_x", permissions: [] }),
      deleteRole: () => outsider.trpc.projects.deleteRole.mutate({ project: "shop", roleId: "rol_x" }),
      grants: () => outsider.trpc.projects.grants.query({ project: "shop" }),
      grant: () =>
        outsider.trpc.projects.grant.mutate({
          project: "shop",
          grantee: "blog",
          resourceKind: "user_pool",
          resourceName: "default",
          access: "read",
        }),
      revokeGrant: () => outsider.trpc.projects.revokeGrant.mutate({ project: "shop", grantId: "grt_x" }),
      audit: () => outsider.trpc.projects.audit.query({ project: "shop" }),
    };
    // Every procedure that takes a project is probed; a new one without a probe fails this test.
    const projectProcedures = Object.keys(t.app.appRouter._def.procedures)
      .filter((path) => path.startsWith("projects."))
      .map((path) => path.slice("projects.".length))
      .filter((name) => !["list", "create", "inspectInvitation", "acceptInvitation", "permissions", "resourceKinds"].includes(name));
    expect(Object.keys(probes).sort()).toEqual(projectProcedures.sort());
    for (const [name, probe] of Object.entries(probes)) {
      const error = await failure(probe());
      expect(`${name} ${error.status}`).toMatch(new RegExp(`^${name} (404|400)$`));
      if (error.status === 400) expect(error.code).not.toBe("forbidden");
    }
    expect((await owner.trpc.projects.get.query({ project: "shop" })).name).toBe("Shop");
    expect(JSON.stringify(await owner.trpc.projects.audit.query({ project: "shop" }))).not.toContain(
      'outsider@example.com","action":"project.update',
    );
  });

  it("shares a resource with another project by grant: listed, checked, revocable, audited", async () => {
    const blog = (await t.app.services.projects.list(await accountActor("outsider@example.com"))).find((p) => p.slug === "blog")!;
    expect(await owner.trpc.projects.resourceKinds.query()).toContain("user_pool");
    expect(
      await failure(
        owner.trpc.projects.grant.mutate({ project: "shop", grantee: "blog", resourceKind: "rocket", resourceName: "x", access: "read" }),
      ),
    ).toMatchObject({ code: "resource_kind_unknown" });
    expect(
      await failure(
        owner.trpc.projects.grant.mutate({
          project: "shop",
          grantee: "nope",
          resourceKind: "user_pool",
          resourceName: "default",
          access: "read",
        }),
      ),
    ).toMatchObject({ code: "grantee_not_found" });
    const grant = await owner.trpc.projects.grant.mutate({
      project: "shop",
      grantee: "blog",
      resourceKind: "user_pool",
      resourceName: "default",
      access: "read",
    });
    expect(await t.app.services.projects.hasGrant(projectA, blog.id, "user_pool", "default", "read")).toBe(true);
    expect(await t.app.services.projects.hasGrant(projectA, blog.id, "user_pool", "default", "read_write")).toBe(false);
    expect(await t.app.services.projects.hasGrant(blog.id, projectA, "user_pool", "default", "read")).toBe(false);
    const outsider = await signedIn("outsider@example.com");
    expect((await outsider.trpc.projects.grants.query({ project: "blog" })).received).toEqual([
      expect.objectContaining({ projectSlug: "shop", resourceKind: "user_pool", access: "read" }),
    ]);
    await owner.trpc.projects.revokeGrant.mutate({ project: "shop", grantId: grant.id });
    expect(await t.app.services.projects.hasGrant(projectA, blog.id, "user_pool", "default", "read")).toBe(false);
    expect((await owner.trpc.projects.audit.query({ project: "shop" })).map((e) => e.action)).toEqual(
      expect.arrayContaining(["grant.create", "grant.revoke"]),
    );
  });

  it("archives (reads only), transfers ownership, and deletes only with the typed slug", async () => {
    const temp = await owner.trpc.projects.create.mutate({ name: "Temp", slug: "temp-project" });
    await owner.trpc.projects.setArchived.mutate({ project: "temp-project", archived: true });
    expect(await owner.trpc.projects.members.query({ project: "temp-project" })).toHaveLength(1);
    expect(
      await failure(owner.trpc.projects.invite.mutate({ project: "temp-project", email: "a@example.com", role: "viewer" })),
    ).toMatchObject({ code: "project_archived", status: 409 });
    await owner.trpc.projects.setArchived.mutate({ project: "temp-project", archived: false });

    const member = await accountActor("member@example.com");
    await t.app.services.projects.join(temp.id, member.id!, "admin");
    await owner.trpc.projects.transfer.mutate({ project: "temp-project", accountId: member.id! });
    const roles = Object.fromEntries((await owner.trpc.projects.members.query({ project: "temp-project" })).map((m) => [m.email, m.role]));
    expect(roles).toEqual({ "owner@example.com": "admin", "member@example.com": "owner" });
    expect(await failure(owner.trpc.projects.delete.mutate({ project: "temp-project", confirm: "temp-project" }))).toMatchObject({
      code: "forbidden",
    });

    const newOwner = await signedIn("member@example.com");
    expect(await failure(newOwner.trpc.projects.delete.mutate({ project: "temp-project", confirm: "temp" }))).toMatchObject({
      code: "confirmation_mismatch",
      status: 400,
    });
    await newOwner.trpc.projects.delete.mutate({ project: "temp-project", confirm: "temp-project" });
    expect(await failure(newOwner.trpc.projects.get.query({ project: "temp-project" }))).toMatchObject({ code: "project_not_found" });
    const leftovers = await t.app.database.db
      .selectFrom("project_members")
      .select("account_id")
      .where("project_id", "=", temp.id)
      .execute();
    expect(leftovers).toEqual([]);
    const instanceAudit = await owner.trpc.instance.audit.query({ action: "project.delete" });
    expect(instanceAudit[0]).toMatchObject({ actor: { label: "member@example.com" }, data: { slug: "temp-project" } });
  });
});
