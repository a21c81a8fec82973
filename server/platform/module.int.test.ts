import { Validator } from "@seriousme/openapi-schema-validator";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { modules } from "../modules/index";
import { restClient } from "../modules/auth/test-helpers";
import { startTestApp, type TestApp } from "../testing/app";
import { consoleClient, failure, type ConsoleClient } from "../testing/console-client";
import { DATABASE_KINDS } from "../testing/databases";
import { authedProcedure, router } from "../trpc/trpc";
import { actorOf, projectOf } from "./http/access";
import { AppError } from "./errors/app-error";
import { defineModule, type Permission } from "./module";

const PASSWORD = "correct horse battery";

interface NotesTables {
  probe_notes: { id: string; project_id: string; text: string };
}

type ProbeService = ReturnType<typeof createProbeService>;

function createProbeService(db: Kysely<NotesTables>) {
  let next = 0;
  return {
    async add(projectId: string, text: string): Promise<{ id: string; text: string }> {
      if (text.trim() === "") throw new AppError("probe_note_blank", 400);
      const id = `note_${++next}_${projectId.slice(-4)}`;
      await db.insertInto("probe_notes").values({ id, project_id: projectId, text }).execute();
      return { id, text };
    },
    list: (projectId: string) => db.selectFrom("probe_notes").select(["id", "text"]).where("project_id", "=", projectId).execute(),
    async drop(projectId: string) {
      dropped.push(projectId);
      await db.deleteFrom("probe_notes").where("project_id", "=", projectId).execute();
    },
  };
}

/** Projects whose drop hook ran, as the probe module saw them. */
const dropped: string[] = [];

/**
 * A module defined only here, touching no file outside this test: a table (system migration), two
 * permissions with their built-in roles, a REST route that declares its callers and input, a tRPC
 * procedure, an error code in both languages, a nav entry and a project-drop hook.
 */
const probeModule = defineModule({
  name: "probe",
  dependsOn: ["projects", "audit"],
  migrations: {
    "9900_probe_notes": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("probe_notes")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("text", "text", (c) => c.notNull())
          .execute();
      },
    },
  },
  permissions: [
    { name: "probe:read", roles: ["admin", "developer", "viewer"] },
    { name: "probe:write", roles: ["admin"] },
  ],
  errors: { probe_note_blank: { en: "A note needs some text", "zh-CN": "笔记需要内容" } },
  nav: [
    { id: "probe.notes", group: "probe", label: "probe.nav", icon: "sparkles", path: "probe", scope: "project", anyOf: ["probe:read"] },
  ],
  create: (ctx): ProbeService => createProbeService(ctx.db as Kysely<NotesTables>),
  routes(host, service, ctx) {
    const notes = service as ProbeService;
    const params = z.object({ project: z.string() });
    host.post(
      "/api/v1/projects/:project/probe/notes",
      {
        config: { access: { apiKey: "probe:write" as Permission, member: "probe:write" as Permission } },
        schema: { params, body: z.strictObject({ text: z.string().max(100) }) },
      },
      async (req, reply) => {
        const note = await notes.add(projectOf(req).id, (req.body as { text: string }).text);
        await ctx.services.audit.record(actorOf(req), {
          projectId: projectOf(req).id,
          action: "probe.note.add",
          target: { kind: "note", id: note.id },
        });
        return reply.status(201).send(note);
      },
    );
    host.get(
      "/api/v1/projects/:project/probe/notes",
      { config: { access: { apiKey: "probe:read" as Permission, member: "probe:read" as Permission } }, schema: { params } },
      async (req) => ({ notes: await notes.list(projectOf(req).id) }),
    );
  },
  routers: {
    probe: router({
      notes: authedProcedure.input(z.object({ project: z.string() })).query(async ({ ctx, input }) => {
        const { project } = await ctx.services.projects.authorize(ctx.actor, input.project, "probe:read" as Permission);
        const service = (ctx.services as unknown as Record<string, { list(id: string): Promise<unknown[]> }>).probe!;
        return service.list(project.id);
      }),
    }),
  },
  onProjectDrop: (notes, projectId) => (notes as ProbeService).drop(projectId),
});

describe.each(DATABASE_KINDS)("a module defined outside apprun's module list, on %s", (kind) => {
  let t: TestApp;
  let owner: ConsoleClient;
  let viewer: ConsoleClient;
  let writerKey: string;
  let readerKey: string;
  let otherKey: string;
  let projectId: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { modules: [...modules, probeModule], config: { trustProxy: true } });
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
    await owner.trpc.instance.createAccount.mutate({ email: "viewer@example.com", name: "Viewer", password: PASSWORD });
    viewer = consoleClient(t.baseUrl);
    await viewer.trpc.accounts.signIn.mutate({ email: "viewer@example.com", password: PASSWORD });
    projectId = (await owner.trpc.projects.create.mutate({ name: "Notes", slug: "notes" })).id;
    await owner.trpc.projects.create.mutate({ name: "Other", slug: "other" });
    const invitation = await owner.trpc.projects.invite.mutate({ project: "notes", email: "viewer@example.com", role: "viewer" });
    await viewer.trpc.projects.acceptInvitation.mutate({ token: new URL(invitation.link).searchParams.get("token")! });
    const key = (project: string, permissions: string[]) =>
      owner.trpc.auth.apiKeys.create
        .mutate({ project, name: `k-${permissions.join("-")}`, permissions: permissions as never })
        .then((k) => k.secret);
    writerKey = await key("notes", ["probe:write", "probe:read"]);
    readerKey = await key("notes", ["probe:read"]);
    otherKey = await key("other", ["probe:write", "probe:read"]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("has its permissions in the catalog, held by the built-in roles it names", async () => {
    expect(await owner.trpc.projects.permissions.query()).toEqual(expect.arrayContaining(["probe:read", "probe:write"]));
    expect((await viewer.trpc.projects.get.query({ project: "notes" })).permissions).toContain("probe:read");
    expect((await viewer.trpc.projects.get.query({ project: "notes" })).permissions).not.toContain("probe:write");
    // An API key can be given them (the key dialog lists the catalog).
    expect(writerKey).toMatch(/^ar_/);
  });

  it("serves its route to callers its declaration names, after its table was migrated, and audits the change", async () => {
    const rest = restClient(t, "10.9.0.1");
    const created = await rest.call("POST", "/api/v1/projects/notes/probe/notes", { token: writerKey, body: { text: "first" } });
    expect(created).toMatchObject({ status: 201, body: { text: "first" } });
    expect((await rest.get("/api/v1/projects/notes/probe/notes", readerKey)).body.notes).toEqual([{ id: created.body.id, text: "first" }]);
    const audit = await owner.trpc.projects.audit.query({ project: "notes", limit: 10 });
    expect(audit.map((e) => e.action)).toContain("probe.note.add");
  });

  it("refuses callers its declaration leaves out, before its handler runs", async () => {
    const rest = restClient(t, "10.9.0.2");
    const post = (headers: Record<string, string>) =>
      rest.call("POST", "/api/v1/projects/notes/probe/notes", { headers, body: { text: "nope" } });
    expect((await post({})).status).toBe(401);
    expect(await post({ authorization: `Bearer ${readerKey}` })).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect(await post({ authorization: `Bearer ${otherKey}` })).toMatchObject({
      status: 404,
      body: { error: { code: "project_not_found" } },
    });
    expect((await rest.get("/api/v1/projects/notes/probe/notes", readerKey)).body.notes.map((n: { text: string }) => n.text)).toEqual([
      "first",
    ]);
  });

  it("validates its input with its schema and answers its own error code in the caller's language", async () => {
    const rest = restClient(t, "10.9.0.3");
    const invalid = await rest.call("POST", "/api/v1/projects/notes/probe/notes", { token: writerKey, body: { text: 5 } });
    expect(invalid).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_input", details: { issues: [expect.objectContaining({ path: "text" })] } } },
    });
    const blank = await rest.call("POST", "/api/v1/projects/notes/probe/notes", {
      token: writerKey,
      body: { text: " " },
      headers: { "accept-language": "zh-CN" },
    });
    expect(blank).toMatchObject({ status: 400, body: { error: { code: "probe_note_blank", message: "笔记需要内容" } } });
  });

  it("answers its tRPC procedure to members who hold its permission, and to nobody of another project", async () => {
    // The console's client type knows apprun's own routers only; this one is the test's.
    const probe = (viewer.trpc as unknown as { probe: { notes: { query(input: { project: string }): Promise<Array<{ text: string }>> } } })
      .probe;
    expect((await probe.notes.query({ project: "notes" })).map((n) => n.text)).toEqual(["first"]);
    expect(await failure(probe.notes.query({ project: "other" }))).toMatchObject({ status: 404, code: "project_not_found" });
  });

  it("shows in the console's navigation, the route list the isolation walk reads, and the management OpenAPI document", async () => {
    expect(await owner.trpc.system.nav.query()).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: "probe.notes", anyOf: ["probe:read"] })]),
    );
    expect(t.app.routes).toEqual(
      expect.arrayContaining([
        { method: "POST", url: "/api/v1/projects/:project/probe/notes", access: { apiKey: "probe:write", member: "probe:write" } },
      ]),
    );
    const doc = (await restClient(t).get("/api/v1/openapi.json")).body;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)?.slice(0, 500)).toEqual([]);
    expect(result.valid).toBe(true);
    const post = doc.paths["/api/v1/projects/{project}/probe/notes"].post;
    expect(post.requestBody.content["application/json"].schema.properties.text).toBeDefined();
    expect(post.description).toMatch(/API keys of the project with probe:write; console members with probe:write/);
    // apprun's own management routes are there with their callers; each project's records API is not (it has its own document).
    expect(doc.paths["/api/v1/admin/projects/{project}/schema/apply"].post.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(Object.keys(doc.paths).some((p) => p.includes("/records"))).toBe(false);
  });

  it("removes what it keeps of a project when the project is deleted", async () => {
    await owner.trpc.projects.delete.mutate({ project: "notes", confirm: "notes" });
    expect(dropped).toContain(projectId);
    const rows = await t.app.database.db.selectFrom("probe_notes").selectAll().where("project_id", "=", projectId).execute();
    expect(rows).toEqual([]);
  });
});
