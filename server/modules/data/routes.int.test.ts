import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusMessage } from "../../platform/bus/bus";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { restClient, type RestClient } from "../auth/test-helpers";

const PASSWORD = "correct horse battery";
const READ_RULE = 'status == "published" || owner == auth.id || "moderator" in auth.roles';

const MODEL = {
  collections: [
    { name: "authors", fields: [{ name: "name", type: "text", required: true, max: 40 }], rules: { list: "", view: "" } },
    {
      name: "posts",
      fields: [
        { name: "title", type: "text", required: true, max: 20 },
        { name: "owner", type: "text" },
        { name: "status", type: "select", values: ["draft", "published"] },
        { name: "score", type: "integer" },
        { name: "author", type: "relation", collection: "authors" },
        { name: "slug", type: "text", unique: true },
      ],
      indexes: [{ fields: ["score"] }],
      rules: {
        list: READ_RULE,
        view: READ_RULE,
        create: "auth.id != null && body.owner == auth.id",
        update: 'owner == auth.id || "moderator" in auth.roles',
        delete: 'owner == auth.id && status == "draft"',
      },
    },
    { name: "secrets", fields: [{ name: "value", type: "text" }] },
  ],
};

/**
 * The data plane's REST API and the model's management API over real HTTP, on both databases:
 * every caller kind (app users with roles, API keys by permission, console members, anonymous),
 * list parameters, batch, events, errors in both languages, and the admin schema routes.
 */
describe.each(DATABASE_KINDS)("data REST API on %s", (kind) => {
  let t: TestApp;
  let api: RestClient;
  let alice: ConsoleClient;
  let viewer: ConsoleClient;
  let projectId: string;
  const keys = {} as Record<"schema" | "read" | "write" | "readWrite" | "none" | "other", string>;
  const tokens = {} as Record<"ann" | "bob" | "mia" | "other", string>;
  const ids = {} as Record<"ann" | "bob" | "mia", string>;
  const messages: BusMessage[] = [];
  const records = "/api/v1/projects/alpha/collections/posts/records";
  const admin = "/api/v1/admin/projects/alpha/schema";

  async function signUp(project: string, email: string, ip: string): Promise<{ id: string; token: string }> {
    const res = await restClient(t, ip).post(`/api/v1/projects/${project}/auth/sign-up`, { email, password: PASSWORD });
    expect(res.status).toBe(201);
    return { id: res.body.user.id, token: res.body.accessToken };
  }

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { trustProxy: true } });
    api = restClient(t, "10.7.0.1");
    t.app.bus.subscribe("project.>", (m) => void messages.push(m));
    const root = consoleClient(t.baseUrl);
    await root.trpc.accounts.setup.mutate({ email: "root@example.com", name: "Root", password: PASSWORD });
    for (const email of ["alice@example.com", "vic@example.com"])
      await root.trpc.instance.createAccount.mutate({ email, name: email.split("@")[0]!, password: PASSWORD });
    alice = consoleClient(t.baseUrl);
    await alice.trpc.accounts.signIn.mutate({ email: "alice@example.com", password: PASSWORD });
    viewer = consoleClient(t.baseUrl);
    await viewer.trpc.accounts.signIn.mutate({ email: "vic@example.com", password: PASSWORD });
    projectId = (await alice.trpc.projects.create.mutate({ name: "Alpha", slug: "alpha" })).id;
    await alice.trpc.projects.create.mutate({ name: "Other", slug: "other" });
    await t.app.services.projects.join(projectId, (await t.app.services.accounts.findByEmail("vic@example.com"))!.id, "viewer");

    const key = async (project: string, name: string, permissions: string[]) =>
      (await alice.trpc.auth.apiKeys.create.mutate({ project, name, permissions: permissions as never })).secret;
    keys.schema = await key("alpha", "ci", ["schema:manage"]);
    keys.read = await key("alpha", "reader", ["data:read"]);
    keys.write = await key("alpha", "writer", ["data:write"]);
    keys.readWrite = await key("alpha", "service", ["data:read", "data:write"]);
    keys.none = await key("alpha", "users-only", ["users:read"]);
    keys.other = await key("other", "other-all", ["data:read", "data:write", "schema:manage"]);

    // The model goes in through the management API, as a CI pipeline would.
    const applied = await api.call("POST", `${admin}/apply`, {
      token: keys.schema,
      body: { baseVersion: 0, schema: MODEL, message: "first" },
    });
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ version: 1, author: "key:ci" });

    for (const [name, ip] of [
      ["ann", "10.7.1.1"],
      ["bob", "10.7.1.2"],
      ["mia", "10.7.1.3"],
    ] as const) {
      const u = await signUp("alpha", `${name}@alpha.example`, ip);
      ids[name] = u.id;
      tokens[name] = u.token;
    }
    await alice.trpc.auth.roles.create.mutate({ project: "alpha", name: "moderator" });
    await alice.trpc.auth.users.setRoles.mutate({ project: "alpha", userId: ids.mia, roles: ["moderator"] });
    // Roles travel in the access token: sign in again after the change.
    tokens.mia = (
      await restClient(t, "10.7.1.3").post("/api/v1/projects/alpha/auth/sign-in", { email: "mia@alpha.example", password: PASSWORD })
    ).body.accessToken;
    tokens.other = (await signUp("other", "someone@other.example", "10.7.1.4")).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (data: Record<string, unknown>, token: string | null = keys.readWrite) =>
    api.call("POST", records, { ...(token ? { token } : {}), body: data });

  it("creates, reads, updates and deletes a record with an API key holding data:read and data:write", async () => {
    const created = await create({ title: "Hello", owner: "x", status: "draft", score: 1 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: "Hello", owner: "x", status: "draft", score: 1 });
    expect(created.body.id).toMatch(/^[A-Za-z0-9_-]{15}$/);
    const id = created.body.id as string;

    expect((await api.get(`${records}/${id}`, keys.readWrite)).body).toEqual(created.body);
    const patched = await api.call("PATCH", `${records}/${id}`, { token: keys.readWrite, body: { title: "Hello again" } });
    expect(patched).toMatchObject({ status: 200, body: { id, title: "Hello again", score: 1 } });
    const gone = await api.call("DELETE", `${records}/${id}`, { token: keys.readWrite });
    expect(gone.status).toBe(204);
    expect((await api.get(`${records}/${id}`, keys.readWrite)).body.error.code).toBe("record_not_found");
    // By project id as well as by slug.
    const byId = await api.call("POST", `/api/v1/projects/${projectId}/collections/authors/records`, {
      token: keys.readWrite,
      body: { name: "Ida" },
    });
    expect(byId.status).toBe(201);
    expect((await api.get(`/api/v1/projects/alpha/collections/authors/records/${byId.body.id}`)).body.name).toBe("Ida");
  });

  it("publishes a record event for every write, with before and after", async () => {
    const from = messages.length;
    const created = await create({ title: "Evented", owner: "x", status: "draft" });
    const id = created.body.id as string;
    await api.call("PATCH", `${records}/${id}`, { token: keys.readWrite, body: { score: 5 } });
    await api.call("DELETE", `${records}/${id}`, { token: keys.readWrite });
    await expect.poll(() => messages.slice(from).filter((m) => m.subject.includes(".records.posts.")).length).toBe(3);
    const events = messages.slice(from).filter((m) => m.subject.includes(".records.posts."));
    expect(events.map((m) => m.subject)).toEqual([
      `project.${projectId}.records.posts.created`,
      `project.${projectId}.records.posts.updated`,
      `project.${projectId}.records.posts.deleted`,
    ]);
    expect(events[1]!.data).toMatchObject({
      action: "updated",
      id,
      before: { score: null },
      record: { score: 5 },
      actor: { type: "apiKey" },
    });
    expect(events[2]!.data).toMatchObject({ action: "deleted", id, record: null, before: { id } });
  });

  describe("list parameters", () => {
    const listed: string[] = [];
    let authorId: string;
    beforeAll(async () => {
      authorId = (
        await api.call("POST", "/api/v1/projects/alpha/collections/authors/records", { token: keys.readWrite, body: { name: "Lee" } })
      ).body.id;
      for (let i = 1; i <= 12; i++) {
        const res = await create({
          title: `list ${String(i).padStart(2, "0")}`,
          owner: "lister",
          status: i % 2 ? "published" : "draft",
          score: i,
          author: authorId,
          slug: `list-${i}`,
        });
        listed.push(res.body.id);
      }
    });
    const list = (query: string, token: string | undefined = keys.read) => api.get(`${records}?${query}`, token);

    it("filters, sorts and pages, with the total only when asked", async () => {
      const page = await list(`filter=${encodeURIComponent('owner == "lister" && score > 4')}&sort=-score&perPage=3&page=2`);
      expect(page.status).toBe(200);
      expect(page.body.items.map((r: { score: number }) => r.score)).toEqual([9, 8, 7]);
      expect(page.body).toMatchObject({ page: 2, perPage: 3, hasMore: true });
      expect(page.body.totalItems).toBeUndefined();
      const counted = await list(`filter=${encodeURIComponent('owner == "lister" && score > 4')}&perPage=3&count=true`);
      expect(counted.body).toMatchObject({ totalItems: 8, totalPages: 3 });
      const starts = await list(`filter=${encodeURIComponent('title.startsWith("list 1") && status in ["published"]')}&sort=title`);
      expect(starts.body.items.map((r: { title: string }) => r.title)).toEqual(["list 11"]);
    });

    it("follows a cursor to the end", async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const q: string = `filter=${encodeURIComponent('owner == "lister"')}&sort=score&perPage=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const res = await list(q);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((r: { score: number }) => r.score));
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    });

    it("projects fields and expands relations, on list and get", async () => {
      const res = await list(`filter=${encodeURIComponent("score == 3")}&fields=title,author&expand=author`);
      expect(res.body.items).toEqual([
        { title: "list 03", author: authorId, expand: { author: expect.objectContaining({ id: authorId, name: "Lee" }) } },
      ]);
      const one = await api.get(`${records}/${listed[0]}?fields=id,title&expand=author`, keys.read);
      expect(one.body).toEqual({ id: listed[0], title: "list 01", expand: { author: expect.objectContaining({ name: "Lee" }) } });
      const viaRelation = await list(`filter=${encodeURIComponent('author.name == "Lee" && score <= 2')}&sort=score`);
      expect(viaRelation.body.items.map((r: { score: number }) => r.score)).toEqual([1, 2]);
    });
  });

  describe("access rules by caller", () => {
    const mine = {} as Record<"annDraft" | "annPublished" | "bobDraft", string>;
    beforeAll(async () => {
      const made = async (token: string, owner: string, status: string, title: string) => {
        const res = await create({ title, owner, status }, token);
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      mine.annDraft = await made(tokens.ann, ids.ann, "draft", "ann draft");
      mine.annPublished = await made(tokens.ann, ids.ann, "published", "ann published");
      mine.bobDraft = await made(tokens.bob, ids.bob, "draft", "bob draft");
    });
    const visible = async (token: string | undefined) => {
      const filter = encodeURIComponent('title.endsWith(" draft") || title.endsWith(" published")');
      const res = await api.get(`${records}?filter=${filter}&sort=title&perPage=500`, token);
      expect(res.status).toBe(200);
      return res.body.items.map((r: { title: string }) => r.title);
    };

    it("lists exactly the rows each caller's rule allows", async () => {
      expect(await visible(tokens.ann)).toEqual(["ann draft", "ann published"]);
      expect(await visible(tokens.bob)).toEqual(["ann published", "bob draft"]);
      expect(await visible(tokens.mia)).toEqual(["ann draft", "ann published", "bob draft"]);
      expect(await visible(undefined)).toEqual(["ann published"]);
      // An API key without data:read is judged by the rules like anyone without a user.
      expect(await visible(keys.none)).toEqual(["ann published"]);
      expect(await visible(keys.read)).toEqual(["ann draft", "ann published", "bob draft"]);
    });

    it("views, updates and deletes only what the rules allow", async () => {
      expect((await api.get(`${records}/${mine.bobDraft}`, tokens.ann)).status).toBe(404);
      expect((await api.get(`${records}/${mine.bobDraft}`, tokens.bob)).status).toBe(200);
      expect((await api.get(`${records}/${mine.bobDraft}`, tokens.mia)).status).toBe(200);
      expect((await api.get(`${records}/${mine.annPublished}`)).status).toBe(200);

      // Ann sees Bob's... nothing: updating it is a 404, not a 403 that would confirm it exists.
      expect((await api.call("PATCH", `${records}/${mine.bobDraft}`, { token: tokens.ann, body: { title: "hijack" } })).status).toBe(404);
      // Bob sees Ann's published post but may not change it.
      const refused = await api.call("PATCH", `${records}/${mine.annPublished}`, { token: tokens.bob, body: { title: "hijack" } });
      expect(refused).toMatchObject({ status: 403, body: { error: { code: "access_denied" } } });
      expect((await api.call("PATCH", `${records}/${mine.annPublished}`, { token: tokens.mia, body: { score: 7 } })).body.score).toBe(7);

      // Ann deletes her draft but not her published post; the moderator may not delete either.
      expect((await api.call("DELETE", `${records}/${mine.annPublished}`, { token: tokens.ann })).status).toBe(403);
      expect((await api.call("DELETE", `${records}/${mine.bobDraft}`, { token: tokens.mia })).status).toBe(403);
      expect((await api.call("DELETE", `${records}/${mine.annDraft}`, { token: tokens.ann })).status).toBe(204);
      expect(await visible(tokens.mia)).toEqual(["ann published", "bob draft"]);
    });

    it("checks the create rule against the body", async () => {
      expect((await create({ title: "as bob", owner: ids.ann }, tokens.bob)).body.error.code).toBe("access_denied");
      expect((await create({ title: "anon", owner: "x" }, null)).status).toBe(403);
    });

    it("keys act by their permissions: data:read bypasses reads, data:write bypasses writes, nothing more", async () => {
      // A locked collection (no rules): only admins and keys with the permission.
      expect((await api.get("/api/v1/projects/alpha/collections/secrets/records", keys.read)).status).toBe(200);
      expect((await api.get("/api/v1/projects/alpha/collections/secrets/records", keys.write)).body.error.code).toBe("access_denied");
      expect((await api.get("/api/v1/projects/alpha/collections/secrets/records", keys.none)).status).toBe(403);
      expect((await api.get("/api/v1/projects/alpha/collections/secrets/records")).status).toBe(403);
      expect((await api.get("/api/v1/projects/alpha/collections/secrets/records", tokens.mia)).status).toBe(403);
      const written = await api.call("POST", "/api/v1/projects/alpha/collections/secrets/records", {
        token: keys.write,
        body: { value: "s1" },
      });
      expect(written.status).toBe(201);
      expect(
        (await api.call("POST", "/api/v1/projects/alpha/collections/secrets/records", { token: keys.read, body: { value: "s2" } })).status,
      ).toBe(403);
      const all = await api.get("/api/v1/projects/alpha/collections/secrets/records", keys.read);
      expect(all.body.items.map((r: { value: string }) => r.value)).toEqual(["s1"]);
    });

    it("console members act as admins within their role's data permissions", async () => {
      const owner = { cookie: alice.cookie(), origin: t.baseUrl };
      const list = await api.call("GET", "/api/v1/projects/alpha/collections/secrets/records", { headers: owner });
      expect(list.status).toBe(200);
      expect(list.body.items.length).toBe(1);
      const made = await api.call("POST", "/api/v1/projects/alpha/collections/secrets/records", {
        headers: owner,
        body: { value: "from console" },
      });
      expect(made.status).toBe(201);
      // A viewer reads but does not write.
      const asViewer = { cookie: viewer.cookie(), origin: t.baseUrl };
      expect(
        (await api.call("GET", `/api/v1/projects/alpha/collections/secrets/records/${made.body.id}`, { headers: asViewer })).status,
      ).toBe(200);
      const refused = await api.call("PATCH", `/api/v1/projects/alpha/collections/secrets/records/${made.body.id}`, {
        headers: asViewer,
        body: { value: "no" },
      });
      expect(refused).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
      // A write carrying the cookie from another site is refused.
      const forged = await api.call("POST", "/api/v1/projects/alpha/collections/secrets/records", {
        headers: { cookie: alice.cookie(), origin: "https://evil.example" },
        body: { value: "csrf" },
      });
      expect(forged).toMatchObject({ status: 403, body: { error: { code: "csrf_rejected" } } });
      // A member of another project, or a stale cookie, gets nothing.
      expect((await api.call("GET", "/api/v1/projects/other/collections/secrets/records", { headers: asViewer })).status).toBe(404);
      expect(
        (await api.call("GET", "/api/v1/projects/alpha/collections/secrets/records", { headers: { cookie: "apprun_session=stale" } }))
          .status,
      ).toBe(401);
    });

    it("refuses another project's token and key before reading anything", async () => {
      for (const token of [tokens.other, keys.other]) {
        const res = await api.get("/api/v1/projects/alpha/collections/authors/records", token);
        expect(res).toMatchObject({ status: 401, body: { error: { code: "access_token_wrong_project" } } });
        expect(JSON.stringify(res.body)).not.toMatch(/Lee|Ida/);
      }
    });
  });

  describe("batch", () => {
    const batch = "/api/v1/projects/alpha/collections/batch";
    it("applies every operation in one transaction", async () => {
      const a = (
        await api.call("POST", "/api/v1/projects/alpha/collections/authors/records", { token: keys.readWrite, body: { name: "Bea" } })
      ).body.id;
      const res = await api.call("POST", batch, {
        token: keys.readWrite,
        body: {
          operations: [
            { action: "create", collection: "posts", data: { title: "b1", owner: "batcher", author: a } },
            { action: "update", collection: "authors", id: a, data: { name: "Bea B" } },
            { action: "create", collection: "posts", data: { title: "b2", owner: "batcher" } },
          ],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { action: string; collection: string }) => `${r.action} ${r.collection}`)).toEqual([
        "create posts",
        "update authors",
        "create posts",
      ]);
      const del = await api.call("POST", batch, {
        token: keys.readWrite,
        body: { operations: [{ action: "delete", collection: "posts", id: res.body.results[2].id }] },
      });
      expect(del.status).toBe(200);
    });

    it("writes nothing when one operation fails, and names it", async () => {
      const before = (await api.get(`${records}?filter=${encodeURIComponent('owner == "all-or-nothing"')}&count=true`, keys.read)).body
        .totalItems;
      const res = await api.call("POST", batch, {
        token: keys.readWrite,
        body: {
          operations: [
            { action: "create", collection: "posts", data: { title: "kept?", owner: "all-or-nothing" } },
            { action: "create", collection: "posts", data: { title: "this title is far too long to pass", owner: "all-or-nothing" } },
          ],
        },
      });
      expect(res).toMatchObject({
        status: 400,
        body: { error: { code: "validation_failed", details: { operation: 1, fields: { title: { code: "too_long" } } } } },
      });
      expect(
        (await api.get(`${records}?filter=${encodeURIComponent('owner == "all-or-nothing"')}&count=true`, keys.read)).body.totalItems,
      ).toBe(before);
      // Rules hold inside a batch too: Bob may create his own post but not touch Ann's.
      const mixed = await api.call("POST", batch, {
        token: tokens.bob,
        body: {
          operations: [
            { action: "create", collection: "posts", data: { title: "bob batch", owner: ids.bob } },
            { action: "create", collection: "posts", data: { title: "as ann", owner: ids.ann } },
          ],
        },
      });
      expect(mixed).toMatchObject({ status: 403, body: { error: { code: "access_denied", details: { operation: 1 } } } });
      expect((await api.get(`${records}?filter=${encodeURIComponent('title == "bob batch"')}`, keys.read)).body.items).toEqual([]);
      const tooMany = await api.call("POST", batch, {
        token: keys.readWrite,
        body: { operations: Array.from({ length: 101 }, () => ({ action: "delete", collection: "posts", id: "x" })) },
      });
      expect(tooMany).toMatchObject({ status: 400, body: { error: { code: "batch_too_large" } } });
      expect((await api.call("POST", batch, { token: keys.readWrite, body: { operations: [] } })).body.error.code).toBe("invalid_input");
    });
  });

  describe("errors", () => {
    it("names each invalid field with a stable code, in English and Chinese", async () => {
      await create({ title: "dup", owner: "x", slug: "taken" });
      const body = { title: "", score: "seven", status: "archived", slug: "taken", nope: 1 };
      const en = await api.call("POST", records, { token: keys.readWrite, body });
      expect(en.status).toBe(400);
      expect(en.body.error.code).toBe("validation_failed");
      const fields = en.body.error.details.fields;
      expect(fields.title.code).toBe("required");
      expect(fields.score.code).toBe("invalid_type");
      expect(fields.status.code).toBe("invalid_option");
      expect(fields.nope.code).toBe("unknown");
      expect(en.body.error.message).toMatch(/Some fields are invalid/);
      const zh = await api.call("POST", records, { token: keys.readWrite, body, headers: { "accept-language": "zh-CN,zh;q=0.9" } });
      expect(zh.body.error.code).toBe("validation_failed");
      expect(zh.body.error.message).toMatch(/部分字段无效/);
      const unique = await create({ title: "dup 2", owner: "x", slug: "taken" });
      expect(unique).toMatchObject({
        status: 400,
        body: { error: { code: "validation_failed", details: { fields: { slug: { code: "not_unique" } } } } },
      });
      const missing = await create({ title: "rel", owner: "x", author: "nosuchauthor123" });
      expect(missing.body.error.details.fields.author.code).toBe("invalid_relation");
    });

    it("explains a filter's problem in the caller's language, type names included", async () => {
      const path = `${records}?filter=${encodeURIComponent('score == "high"')}`;
      const en = await api.call("GET", path, { token: keys.readWrite });
      expect(en.body.error).toMatchObject({
        code: "type_mismatch",
        message: "Type mismatch at 0: cannot compare a integer with a text",
        details: { reasonKey: "compare_types" },
      });
      const zh = await api.call("GET", path, { token: keys.readWrite, headers: { "accept-language": "zh-CN" } });
      expect(zh.body.error).toMatchObject({ code: "type_mismatch", message: "位置 0 类型不匹配：不能比较整数与文本" });
      // A syntax error keeps the parser's own detail, introduced in the caller's language.
      const broken = await api.call("GET", `${records}?filter=${encodeURIComponent("score ==")}`, {
        token: keys.readWrite,
        headers: { "accept-language": "zh-CN" },
      });
      expect(broken.body.error.message).toMatch(/^表达式在位置 \d+ 无效：语法错误：\S/);
    });

    const long = encodeURIComponent(`title == "${"x".repeat(4100)}"`);
    it.each([
      ["unknown collection", "GET", "/api/v1/projects/alpha/collections/nope/records", undefined, 404, "collection_not_found"],
      ["unknown project", "GET", "/api/v1/projects/nope/collections/posts/records", undefined, 404, "project_not_found"],
      ["unknown field in a filter", "GET", `${records}?filter=${encodeURIComponent("nope == 1")}`, undefined, 400, "unknown_field"],
      ["unknown sort field", "GET", `${records}?sort=nope`, undefined, 400, "unknown_field"],
      ["unknown field in fields", "GET", `${records}?fields=nope`, undefined, 400, "unknown_field"],
      ["a type mismatch in a filter", "GET", `${records}?filter=${encodeURIComponent('score == "high"')}`, undefined, 400, "type_mismatch"],
      ["a broken filter", "GET", `${records}?filter=${encodeURIComponent("score ==")}`, undefined, 400, "invalid_expression"],
      ["perPage 501", "GET", `${records}?perPage=501`, undefined, 400, "per_page_too_large"],
      ["perPage 0", "GET", `${records}?perPage=0`, undefined, 400, "invalid_input"],
      ["a filter over 4 KB", "GET", `${records}?filter=${long}`, undefined, 400, "filter_too_long"],
      ["expand depth 4", "GET", `${records}?expand=author.a.b.c`, undefined, 400, "expand_too_deep"],
      ["expanding a non-relation", "GET", `${records}?expand=title`, undefined, 400, "not_expandable"],
      ["an unknown query parameter", "GET", `${records}?frobnicate=1`, undefined, 400, "invalid_input"],
      ["a bad cursor", "GET", `${records}?cursor=garbage`, undefined, 400, "invalid_cursor"],
      ["cursor with page", "GET", `${records}?cursor=x&page=2`, undefined, 400, "cursor_with_page"],
      ["an invalid record id", "GET", `${records}/${encodeURIComponent("bad id!")}`, undefined, 400, "invalid_record_id"],
      ["a record that does not exist", "GET", `${records}/nosuchrecord123`, undefined, 404, "record_not_found"],
      ["a body that is not an object", "POST", records, [1, 2], 400, "invalid_input"],
    ] as const)("%s", async (_name, method, path, body, status, code) => {
      const res = await api.call(method, path, { token: keys.readWrite, ...(body !== undefined ? { body } : {}) });
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      // The message is whole: every placeholder of the catalog filled from the details.
      expect(res.body.error.message).not.toMatch(/\{\w+\}/);
    });

    it("refuses malformed JSON and foreign content types cleanly", async () => {
      const headers = { authorization: `Bearer ${keys.readWrite}`, "content-type": "application/json" };
      const bad = await fetch(`${t.baseUrl}${records}`, { method: "POST", headers, body: '{"title": ' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
      const text = await fetch(`${t.baseUrl}${records}`, {
        method: "POST",
        headers: { ...headers, "content-type": "text/plain" },
        body: "title=x",
      });
      expect(text.status).toBe(415);
    });

    it("answers a bad credential with 401, never data", async () => {
      expect((await api.get(records, "not-a-token")).status).toBe(401);
      expect((await api.get(records, "ar_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")).status).toBe(401);
    });
  });

  describe("the model's management API", () => {
    it("reads the model, previews, applies against a base version, lists history and versions, rolls back", async () => {
      const current = await api.get(admin, keys.schema);
      expect(current).toMatchObject({ status: 200, body: { version: 1 } });
      const schema = current.body.schema;
      const next = { ...schema, collections: [...schema.collections, { name: "tags", fields: [{ name: "label", type: "text" }] }] };

      const preview = await api.post(`${admin}/preview`, { baseVersion: 1, schema: next }, keys.schema);
      expect(preview.status).toBe(200);
      expect(preview.body.steps.length).toBeGreaterThan(0);
      expect(preview.body.steps[0]).toHaveProperty("sql");
      expect((await api.get(admin, keys.schema)).body.version).toBe(1);

      const applied = await api.post(`${admin}/apply`, { baseVersion: 1, schema: next, message: "tags" }, keys.schema);
      expect(applied).toMatchObject({ status: 201, body: { version: 2, kind: "apply" } });
      const stale = await api.post(`${admin}/apply`, { baseVersion: 1, schema: next }, keys.schema);
      expect(stale).toMatchObject({
        status: 409,
        body: { error: { code: "schema_version_conflict", details: { expected: 1, actual: 2 } } },
      });

      await api.call("POST", "/api/v1/projects/alpha/collections/tags/records", { token: keys.readWrite, body: { label: "kept" } });
      const history = await api.get(`${admin}/history`, keys.read);
      expect(history.body.versions.map((v: { version: number; author: string }) => [v.version, v.author])).toEqual([
        [2, "key:ci"],
        [1, "key:ci"],
      ]);
      const v2 = await api.get(`${admin}/versions/2`, keys.schema);
      expect(v2.body).toMatchObject({ version: 2, message: "tags" });
      expect(v2.body.downSteps.length).toBeGreaterThan(0);
      expect(await api.get(`${admin}/versions/9`, keys.schema)).toMatchObject({
        status: 404,
        body: { error: { code: "version_not_found" } },
      });
      expect((await api.get(`${admin}/versions/two`, keys.schema)).body.error.code).toBe("invalid_input");

      // Rolling back drops `tags` into a retained table; applying v2 again brings the data back.
      const back = await api.post(`${admin}/rollback`, { baseVersion: 2, toVersion: 1 }, keys.schema);
      expect(back).toMatchObject({ status: 201, body: { version: 3, kind: "rollback" } });
      expect((await api.get("/api/v1/projects/alpha/collections/tags/records", keys.read)).status).toBe(404);
      const retained = await api.get(`${admin}/retained`, keys.schema);
      expect(retained.body.retained).toEqual([expect.objectContaining({ kind: "collection", collection: "tags", rows: 1 })]);
      const again = await api.post(`${admin}/rollback`, { baseVersion: 3, toVersion: 2 }, keys.schema);
      expect(again.body.version).toBe(4);
      expect(
        (await api.get("/api/v1/projects/alpha/collections/tags/records", keys.read)).body.items.map((r: { label: string }) => r.label),
      ).toEqual(["kept"]);

      // Drop it again and purge the retained copy for good.
      await api.post(`${admin}/rollback`, { baseVersion: 4, toVersion: 1 }, keys.schema);
      expect((await api.post(`${admin}/retained/purge`, { ids: ["nope"] }, keys.schema)).body.error.code).toBe("retained_not_found");
      expect((await api.post(`${admin}/retained/purge`, {}, keys.schema)).body).toEqual({ purged: 1 });
      expect((await api.get(`${admin}/retained`, keys.schema)).body.retained).toEqual([]);
    });

    it("authorizes every call by permission and audits it", async () => {
      expect((await api.get(admin, keys.read)).status).toBe(200);
      expect((await api.get(admin, keys.none)).body.error.code).toBe("forbidden");
      expect(await api.post(`${admin}/apply`, { baseVersion: 0, schema: { collections: [] } }, keys.read)).toMatchObject({
        status: 403,
        body: { error: { code: "forbidden" } },
      });
      expect((await api.post(`${admin}/rollback`, { baseVersion: 0, toVersion: 0 }, keys.readWrite)).status).toBe(403);
      expect((await api.get(admin, tokens.ann)).body.error.code).toBe("api_key_required");
      expect((await api.get(admin)).status).toBe(401);
      expect((await api.get(admin, keys.other)).status).toBe(404);
      expect(
        (await api.post(`${admin}/apply`, { baseVersion: 5, schema: { collections: [{ name: "Bad Name", fields: [] }] } }, keys.schema))
          .status,
      ).toBe(400);
      // A console session works too; the account is the author.
      const asOwner = await api.call("GET", admin, { headers: { cookie: alice.cookie() } });
      expect(asOwner.status).toBe(200);
      const viewerApply = await api.call("POST", `${admin}/apply`, {
        headers: { cookie: viewer.cookie(), origin: t.baseUrl },
        body: { baseVersion: asOwner.body.version, schema: asOwner.body.schema },
      });
      expect(viewerApply.body.error.code).toBe("forbidden");

      const audit = await t.app.services.audit.list({ projectId, limit: 100 });
      const actions = audit.map((a) => a.action);
      for (const action of [
        "data.schema.apply",
        "data.schema.preview",
        "data.schema.rollback",
        "data.schema.history",
        "data.schema.version",
        "data.schema.retained",
        "data.schema.purge",
        "data.schema.read",
      ])
        expect(actions).toContain(action);
      expect(audit.find((a) => a.action === "data.schema.apply")!.actor.label).toBe("key:ci");
      expect(audit.some((a) => a.action === "data.schema.read" && a.actor.label === "alice@example.com")).toBe(true);
    });
  });
});
