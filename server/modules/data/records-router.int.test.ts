import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { restClient } from "../auth/test-helpers";

const PASSWORD = "correct horse battery";

/** Two related collections: authors and their posts, posts readable when published or by their owner. */
const MODEL = {
  collections: [
    {
      name: "authors",
      fields: [
        { name: "name", type: "text", required: true, max: 50 },
        { name: "touched", type: "autodate", onCreate: true, onUpdate: true },
      ],
      rules: { list: "", view: "" },
    },
    {
      name: "posts",
      fields: [
        { name: "title", type: "text", required: true, max: 100 },
        { name: "status", type: "select", values: ["draft", "published"], default: "draft" },
        { name: "owner", type: "text" },
        { name: "author", type: "relation", collection: "authors" },
        { name: "meta", type: "json" },
        { name: "price", type: "decimal", scale: 2 },
        { name: "featured", type: "boolean" },
      ],
      rules: {
        list: 'status == "published" || owner == auth.id',
        view: 'status == "published" || owner == auth.id',
        create: "auth.id != null && body.owner == auth.id",
        update: null,
        delete: null,
      },
    },
  ],
};

/**
 * The console's `records` procedures over real tRPC: the data browser (collections, list with
 * filter/sort/page/count/expand, get, writes), expression checks, "preview as user" with saved and
 * draft rules, and saving rules as a model version, with permissions of owner and viewer.
 */
describe.each(DATABASE_KINDS)("console records procedures on %s", (kind) => {
  let t: TestApp;
  let owner: ConsoleClient;
  let viewer: ConsoleClient;
  let projectId: string;
  let ann: { id: string };
  let bob: { id: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { trustProxy: true } });
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Olga Owner", password: PASSWORD });
    await owner.trpc.instance.createAccount.mutate({ email: "viewer@example.com", name: "Vic", password: PASSWORD });
    projectId = (await owner.trpc.projects.create.mutate({ name: "Shop", slug: "shop" })).id;
    await t.app.services.projects.join(projectId, (await t.app.services.accounts.findByEmail("viewer@example.com"))!.id, "viewer");
    viewer = consoleClient(t.baseUrl);
    await viewer.trpc.accounts.signIn.mutate({ email: "viewer@example.com", password: PASSWORD });
    await t.app.services.data.schema.apply(projectId, { baseVersion: 0, schema: MODEL as never }, "test");

    const rest = restClient(t, "10.7.0.1");
    ann = (await rest.post("/api/v1/projects/shop/auth/sign-up", { email: "ann@example.com", password: PASSWORD })).body.user;
    bob = (await restClient(t, "10.7.0.2").post("/api/v1/projects/shop/auth/sign-up", { email: "bob@example.com", password: PASSWORD }))
      .body.user;
    await owner.trpc.auth.roles.create.mutate({ project: "shop", name: "editor" });
    await owner.trpc.auth.users.setRoles.mutate({ project: "shop", userId: bob.id, roles: ["editor"] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("lists the model's collections with their fields, rules and the version, for every member with data:read", async () => {
    const model = await viewer.trpc.records.collections.query({ project: "shop" });
    expect(model.version).toBe(1);
    expect(model.collections.map((c) => c.name)).toEqual(["authors", "posts"]);
    const posts = model.collections.find((c) => c.name === "posts")!;
    expect(posts.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "title:text",
      "status:select",
      "owner:text",
      "author:relation",
      "meta:json",
      "price:decimal",
      "featured:boolean",
    ]);
    expect(posts.rules).toMatchObject({ list: 'status == "published" || owner == auth.id', update: null });
    // By id too.
    expect((await owner.trpc.records.collections.query({ project: projectId })).version).toBe(1);
  });

  it("creates, lists (filter, sort, page, count, expand), gets, updates and deletes records as the project's admin", async () => {
    const tolstoy = await owner.trpc.records.create.mutate({ project: "shop", collection: "authors", data: { name: "Tolstoy" } });
    const austen = await owner.trpc.records.create.mutate({ project: "shop", collection: "authors", data: { name: "Austen" } });
    ids.tolstoy = tolstoy.id;
    // Rules bind app users, not console members: the admin writes what no rule would allow.
    const drafts = [
      {
        title: "War",
        status: "published",
        owner: ann.id,
        author: tolstoy.id,
        meta: { pages: 1225, tags: ["epic"] },
        price: "12.50",
        featured: true,
      },
      { title: "Peace", status: "draft", owner: ann.id, author: tolstoy.id, meta: null, price: "3", featured: false },
      { title: "Emma", status: "published", owner: bob.id, author: austen.id, meta: { pages: 474 }, price: "7.25", featured: false },
      { title: "Persuasion", status: "draft", owner: bob.id, author: austen.id, price: "9.99" },
    ];
    for (const d of drafts) ids[d.title] = (await owner.trpc.records.create.mutate({ project: "shop", collection: "posts", data: d })).id;

    const all = await owner.trpc.records.list.query({ project: "shop", collection: "posts", sort: "title", count: true });
    expect(all.items.map((r) => r.title)).toEqual(["Emma", "Peace", "Persuasion", "War"]);
    expect(all).toMatchObject({ totalItems: 4, totalPages: 1, page: 1, hasMore: false });
    expect(all.items.find((r) => r.title === "War")).toMatchObject({
      meta: { pages: 1225, tags: ["epic"] },
      price: "12.50",
      featured: true,
      author: tolstoy.id,
    });

    const filtered = await owner.trpc.records.list.query({
      project: "shop",
      collection: "posts",
      filter: 'author.name == "Tolstoy" && featured == false',
      expand: "author",
    });
    expect(filtered.items.map((r) => r.title)).toEqual(["Peace"]);
    expect(filtered.items[0]!.expand).toMatchObject({ author: { id: tolstoy.id, name: "Tolstoy" } });

    const paged = await owner.trpc.records.list.query({
      project: "shop",
      collection: "posts",
      sort: "-price",
      perPage: 3,
      page: 2,
      count: true,
    });
    expect(paged.items.map((r) => r.title)).toEqual(["Peace"]);
    expect(paged).toMatchObject({ totalItems: 4, totalPages: 2, page: 2, perPage: 3 });

    const got = await owner.trpc.records.get.query({ project: "shop", collection: "posts", id: ids.Emma!, expand: "author" });
    expect(got).toMatchObject({ title: "Emma", expand: { author: { name: "Austen" } } });

    const updated = await owner.trpc.records.update.mutate({
      project: "shop",
      collection: "posts",
      id: ids.Persuasion!,
      data: { title: "Persuasion (2nd)", meta: { edition: 2 } },
    });
    expect(updated).toMatchObject({ title: "Persuasion (2nd)", meta: { edition: 2 }, price: "9.99", status: "draft" });

    const temp = await owner.trpc.records.create.mutate({ project: "shop", collection: "posts", data: { title: "Temp" } });
    expect(await owner.trpc.records.delete.mutate({ project: "shop", collection: "posts", id: temp.id })).toEqual({ ok: true });
    expect(await failure(owner.trpc.records.get.query({ project: "shop", collection: "posts", id: temp.id }))).toMatchObject({
      code: "record_not_found",
      status: 404,
    });
  });

  it("refuses bad input with stable codes and writes nothing", async () => {
    const count = async () => (await owner.trpc.records.list.query({ project: "shop", collection: "posts", count: true })).totalItems;
    const before = await count();
    expect(
      await failure(
        owner.trpc.records.create.mutate({
          project: "shop",
          collection: "posts",
          data: { title: "x".repeat(101), price: "1.234", author: "nope" },
        }),
      ),
    ).toMatchObject({
      code: "validation_failed",
      status: 400,
      details: { fields: { title: { code: "too_long" }, price: { code: "too_many_decimals" } } },
    });
    expect(
      await failure(
        owner.trpc.records.create.mutate({ project: "shop", collection: "posts", data: { title: "Ghost", author: "nope123" } }),
      ),
    ).toMatchObject({ code: "validation_failed", details: { fields: { author: { code: "invalid_relation" } } } });
    expect(
      await failure(owner.trpc.records.create.mutate({ project: "shop", collection: "posts", data: { title: "X", nope: 1 } })),
    ).toMatchObject({ status: 400 });
    expect(await count()).toBe(before);
    expect(await failure(owner.trpc.records.list.query({ project: "shop", collection: "nope" }))).toMatchObject({
      code: "collection_not_found",
      status: 404,
    });
    expect(await failure(owner.trpc.records.list.query({ project: "shop", collection: "posts", filter: "title ==" }))).toMatchObject({
      code: "invalid_expression",
      status: 400,
      details: { kind: "filter" },
    });
    expect(await failure(owner.trpc.records.list.query({ project: "shop", collection: "posts", filter: "price > true" }))).toMatchObject({
      code: "type_mismatch",
      status: 400,
    });
    expect(await failure(owner.trpc.records.list.query({ project: "shop", collection: "posts", filter: "x".repeat(5000) }))).toMatchObject({
      code: "filter_too_long",
      status: 400,
    });
    expect(await failure(owner.trpc.records.list.query({ project: "shop", collection: "posts", perPage: 501 }))).toMatchObject({
      code: "per_page_too_large",
      status: 400,
    });
    expect(await failure(owner.trpc.records.list.query({ project: "shop", collection: "posts", sort: "meta" }))).toMatchObject({
      code: "not_sortable",
      status: 400,
    });
    expect(await failure(owner.trpc.records.list.query({ project: "shop", collection: "posts", expand: "title" }))).toMatchObject({
      code: "not_expandable",
      status: 400,
    });
    expect(
      await failure(owner.trpc.records.update.mutate({ project: "shop", collection: "posts", id: "does-not-exist", data: { title: "x" } })),
    ).toMatchObject({ code: "record_not_found", status: 404 });
    expect(await failure(owner.trpc.records.delete.mutate({ project: "shop", collection: "authors", id: "bad id!" }))).toMatchObject({
      status: 400,
    });
  });

  it("lets a viewer read but not write, preview or change rules", async () => {
    expect((await viewer.trpc.records.list.query({ project: "shop", collection: "posts" })).items.length).toBeGreaterThan(0);
    expect(await failure(viewer.trpc.records.create.mutate({ project: "shop", collection: "authors", data: { name: "V" } }))).toMatchObject(
      { code: "forbidden", status: 403, details: { permission: "data:write" } },
    );
    expect(
      await failure(viewer.trpc.records.update.mutate({ project: "shop", collection: "posts", id: ids.War!, data: { title: "V" } })),
    ).toMatchObject({ code: "forbidden", status: 403 });
    expect(await failure(viewer.trpc.records.delete.mutate({ project: "shop", collection: "posts", id: ids.War! }))).toMatchObject({
      code: "forbidden",
      status: 403,
    });
    expect(
      await failure(viewer.trpc.records.saveRules.mutate({ project: "shop", collection: "posts", baseVersion: 1, rules: { list: "" } })),
    ).toMatchObject({ code: "forbidden", details: { permission: "schema:manage" } });
    expect((await owner.trpc.records.get.query({ project: "shop", collection: "posts", id: ids.War! })).title).toBe("War");
  });

  it("checks filters and rules as they are typed, with positions", async () => {
    expect(
      await owner.trpc.records.checkExpression.query({ project: "shop", collection: "posts", expression: 'author.name == "Tolstoy"' }),
    ).toMatchObject({ valid: true, expand: ["author"] });
    expect(await owner.trpc.records.checkExpression.query({ project: "shop", collection: "posts", expression: "" })).toMatchObject({
      valid: true,
    });
    const unknown = await owner.trpc.records.checkExpression.query({ project: "shop", collection: "posts", expression: 'titel == "x"' });
    expect(unknown).toMatchObject({ valid: false, errors: [{ code: "unknown_field", start: 0, end: 5 }] });
    const broken = await owner.trpc.records.checkExpression.query({ project: "shop", collection: "posts", expression: "title == " });
    expect(broken).toMatchObject({ valid: false, errors: [{ code: "invalid_expression" }] });
    // `body` belongs to create and update rules only.
    expect(
      (
        await owner.trpc.records.checkExpression.query({
          project: "shop",
          collection: "posts",
          expression: "body.owner == auth.id",
          kind: "rule",
          operation: "create",
        })
      ).valid,
    ).toBe(true);
    expect(
      (await owner.trpc.records.checkExpression.query({ project: "shop", collection: "posts", expression: "body.owner == auth.id" })).valid,
    ).toBe(false);
    expect(await failure(owner.trpc.records.checkExpression.query({ project: "shop", collection: "nope", expression: "" }))).toMatchObject({
      code: "collection_not_found",
    });
  });

  it("previews the saved rules as an app user, an anonymous caller, and a draft rule, reading only", async () => {
    const asAnn = await owner.trpc.records.previewAs.query({
      project: "shop",
      collection: "posts",
      operation: "list",
      userId: ann.id,
      sort: "title",
    });
    expect(asAnn).toMatchObject({ mode: "expression", allowed: true, user: { id: ann.id, email: "ann@example.com", roles: [] } });
    expect(asAnn.items.map((r) => r.title)).toEqual(["Emma", "Peace", "War"]);
    const expanded = await owner.trpc.records.previewAs.query({
      project: "shop",
      collection: "posts",
      operation: "list",
      userId: ann.id,
      sort: "title",
      expand: "author",
    });
    expect(expanded.items.map((r) => (r.expand as { author?: { name: string } } | undefined)?.author?.name)).toEqual([
      "Austen",
      "Tolstoy",
      "Tolstoy",
    ]);
    const asBob = await owner.trpc.records.previewAs.query({
      project: "shop",
      collection: "posts",
      operation: "view",
      userId: bob.id,
      sort: "title",
    });
    expect(asBob.items.map((r) => r.title)).toEqual(["Emma", "Persuasion (2nd)", "War"]);
    const anonymous = await owner.trpc.records.previewAs.query({ project: "shop", collection: "posts", operation: "list", sort: "title" });
    expect(anonymous.user).toBeNull();
    expect(anonymous.items.map((r) => r.title)).toEqual(["Emma", "War"]);
    // A locked rule: no app user gets in.
    expect(
      await owner.trpc.records.previewAs.query({ project: "shop", collection: "posts", operation: "delete", userId: ann.id }),
    ).toMatchObject({ mode: "locked", allowed: false, items: [] });

    // Draft rules, not saved: by role, public, and a create rule judged on the body.
    const editors = await owner.trpc.records.previewAs.query({
      project: "shop",
      collection: "posts",
      operation: "delete",
      userId: bob.id,
      rule: '"editor" in auth.roles && status == "draft"',
    });
    expect(editors.items.map((r) => r.title)).toEqual(["Peace", "Persuasion (2nd)"]);
    expect(
      (
        await owner.trpc.records.previewAs.query({
          project: "shop",
          collection: "posts",
          operation: "delete",
          userId: ann.id,
          rule: '"editor" in auth.roles',
        })
      ).items,
    ).toEqual([]);
    expect(
      (
        await owner.trpc.records.previewAs.query({
          project: "shop",
          collection: "posts",
          operation: "list",
          userId: ann.id,
          rule: "",
          filter: 'status == "draft"',
        })
      ).items,
    ).toHaveLength(2);
    expect(
      await owner.trpc.records.previewAs.query({
        project: "shop",
        collection: "posts",
        operation: "create",
        userId: ann.id,
        body: { title: "Mine", owner: ann.id },
      }),
    ).toMatchObject({ allowed: true });
    expect(
      await owner.trpc.records.previewAs.query({
        project: "shop",
        collection: "posts",
        operation: "create",
        userId: ann.id,
        body: { title: "Bob's", owner: bob.id },
      }),
    ).toMatchObject({ allowed: false });
    expect(
      await owner.trpc.records.previewAs.query({ project: "shop", collection: "posts", operation: "create", body: { title: "x" } }),
    ).toMatchObject({ allowed: false });
    // The record judged is the body over the fields' defaults (status defaults to draft).
    expect(
      await owner.trpc.records.previewAs.query({
        project: "shop",
        collection: "posts",
        operation: "create",
        userId: ann.id,
        rule: 'status == "draft"',
        body: { title: "x" },
      }),
    ).toMatchObject({ allowed: true });
    expect(
      await owner.trpc.records.previewAs.query({
        project: "shop",
        collection: "posts",
        operation: "create",
        userId: ann.id,
        rule: 'status == "draft"',
        body: { title: "x", status: "published" },
      }),
    ).toMatchObject({ allowed: false });
    const updates = await owner.trpc.records.previewAs.query({
      project: "shop",
      collection: "posts",
      operation: "update",
      userId: ann.id,
      rule: 'owner == auth.id && body.status != "published"',
      body: { status: "draft" },
    });
    expect(updates.items.map((r) => r.title).sort()).toEqual(["Peace", "War"]);
    expect(
      (
        await owner.trpc.records.previewAs.query({
          project: "shop",
          collection: "posts",
          operation: "update",
          userId: ann.id,
          rule: 'owner == auth.id && body.status != "published"',
          body: { status: "published" },
        })
      ).allowed,
    ).toBe(false);

    // Bad drafts and unknown users are clean 4xx; nothing changed.
    expect(
      await failure(
        owner.trpc.records.previewAs.query({
          project: "shop",
          collection: "posts",
          operation: "list",
          userId: ann.id,
          rule: "owner == auth.id &&",
        }),
      ),
    ).toMatchObject({ code: "invalid_expression", status: 400, details: { kind: "rule" } });
    expect(
      await failure(
        owner.trpc.records.previewAs.query({
          project: "shop",
          collection: "posts",
          operation: "list",
          userId: ann.id,
          rule: "body.owner == auth.id",
        }),
      ),
    ).toMatchObject({ status: 400, details: { kind: "rule" } });
    expect(
      await failure(owner.trpc.records.previewAs.query({ project: "shop", collection: "posts", operation: "list", userId: "usr_nobody" })),
    ).toMatchObject({ code: "app_user_not_found", status: 404 });
    expect(
      await failure(owner.trpc.records.previewAs.query({ project: "shop", collection: "posts", operation: "list", perPage: 501 })),
    ).toMatchObject({ code: "per_page_too_large" });
    expect((await owner.trpc.records.collections.query({ project: "shop" })).version).toBe(1);
  });

  it("saves a collection's rules as a new model version that the API then enforces; a stale base or a bad rule changes nothing", async () => {
    const saved = await owner.trpc.records.saveRules.mutate({
      project: "shop",
      collection: "posts",
      baseVersion: 1,
      rules: { list: '"editor" in auth.roles', delete: "owner == auth.id" },
    });
    expect(saved).toMatchObject({
      version: 2,
      collection: "posts",
      rules: {
        list: '"editor" in auth.roles',
        view: 'status == "published" || owner == auth.id',
        delete: "owner == auth.id",
        update: null,
      },
    });
    const history = await t.app.services.data.schema.history(projectId, {});
    expect(history[0]).toMatchObject({ version: 2, author: "owner@example.com" });
    // The saved rule now decides: bob (editor) lists all, ann (no role) nothing.
    expect(
      (await owner.trpc.records.previewAs.query({ project: "shop", collection: "posts", operation: "list", userId: bob.id })).items,
    ).toHaveLength(4);
    expect(
      (await owner.trpc.records.previewAs.query({ project: "shop", collection: "posts", operation: "list", userId: ann.id })).items,
    ).toHaveLength(0);
    expect((await t.app.services.data.records.list(projectId, "posts", {}, { type: "user", id: ann.id, roles: [] })).items).toHaveLength(0);

    expect(
      await failure(owner.trpc.records.saveRules.mutate({ project: "shop", collection: "posts", baseVersion: 1, rules: { list: "" } })),
    ).toMatchObject({ code: "schema_version_conflict", status: 409, details: { expected: 1, actual: 2 } });
    expect(
      await failure(
        owner.trpc.records.saveRules.mutate({ project: "shop", collection: "posts", baseVersion: 2, rules: { list: "nope == 1" } }),
      ),
    ).toMatchObject({ status: 400 });
    expect(
      await failure(owner.trpc.records.saveRules.mutate({ project: "shop", collection: "ghosts", baseVersion: 2, rules: { list: "" } })),
    ).toMatchObject({ code: "collection_not_found", status: 404 });
    expect(
      await failure(
        owner.trpc.records.saveRules.mutate({
          project: "shop",
          collection: "posts",
          baseVersion: 2,
          rules: { list: "", bogus: "" } as never,
        }),
      ),
    ).toMatchObject({ code: "invalid_input", status: 400 });
    const model = await owner.trpc.records.collections.query({ project: "shop" });
    expect(model.version).toBe(2);
    expect(model.collections.find((c) => c.name === "posts")!.rules.list).toBe('"editor" in auth.roles');
    // The rest of the model is untouched (an autodate field round-trips through the save).
    expect(model.collections.find((c) => c.name === "authors")!.fields.find((f) => f.name === "touched")).toMatchObject({
      type: "autodate",
      onCreate: true,
      onUpdate: true,
    });
    // Public and locked round-trip.
    const open = await owner.trpc.records.saveRules.mutate({
      project: "shop",
      collection: "authors",
      baseVersion: 2,
      rules: { create: "", list: null },
    });
    expect(open.rules).toMatchObject({ create: "", list: null, view: "" });
  });
});
