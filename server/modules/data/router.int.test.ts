import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";

const PASSWORD = "correct horse battery";
const admin = { type: "admin", id: "test" } as const;

/** The console's data API (`data.*` over tRPC): the designer's model changes, history, rollback and the expression checker. */
describe.each(DATABASE_KINDS)("data tRPC router on %s", (kind) => {
  let t: TestApp;
  let owner: ConsoleClient;
  let viewer: ConsoleClient;
  let stranger: ConsoleClient;
  let projectId: string;

  const authors = { name: "authors", fields: [{ name: "name", type: "text", required: true, max: 100 }] };
  const books = {
    name: "books",
    fields: [
      { name: "title", type: "text", required: true },
      { name: "author", type: "relation", collection: "authors", onDelete: "cascade" },
      { name: "price", type: "decimal", scale: 2 },
    ],
    indexes: [{ fields: ["title"], unique: true }],
    rules: { list: "", view: "" },
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Olga Owner", password: PASSWORD });
    for (const email of ["viewer@example.com", "stranger@example.com"])
      await owner.trpc.instance.createAccount.mutate({ email, name: email.split("@")[0]!, password: PASSWORD });
    projectId = (await owner.trpc.projects.create.mutate({ name: "Library", slug: "library" })).id;
    const viewerId = (await t.app.services.accounts.findByEmail("viewer@example.com"))!.id;
    await t.app.services.projects.join(projectId, viewerId, "viewer");
    viewer = consoleClient(t.baseUrl);
    await viewer.trpc.accounts.signIn.mutate({ email: "viewer@example.com", password: PASSWORD });
    stranger = consoleClient(t.baseUrl);
    await stranger.trpc.accounts.signIn.mutate({ email: "stranger@example.com", password: PASSWORD });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("previews, applies (audited), lists history and shows a version's up and down steps", async () => {
    const empty = await owner.trpc.data.schema.get.query({ project: "library" });
    expect(empty).toMatchObject({ project: projectId, version: 0, schema: { collections: [] } });

    const normalized = await owner.trpc.data.schema.validate.mutate({ project: "library", schema: { collections: [authors, books] } });
    expect(normalized.collections.map((c) => c.id)).toEqual([expect.stringMatching(/^c/), expect.stringMatching(/^c/)]);

    const preview = await owner.trpc.data.schema.preview.mutate({
      project: "library",
      baseVersion: 0,
      schema: { collections: [authors, books] },
    });
    expect(preview.steps.length).toBeGreaterThanOrEqual(3);
    expect(preview.steps.map((s) => s.sql).join("\n")).toMatch(/create table/i);
    // A preview changes nothing.
    expect((await owner.trpc.data.schema.get.query({ project: projectId })).version).toBe(0);

    const applied = await owner.trpc.data.schema.applyChange.mutate({
      project: "library",
      baseVersion: 0,
      schema: { collections: [authors, books] },
      message: "first model",
    });
    expect(applied).toMatchObject({ version: 1, kind: "apply", author: "owner@example.com" });
    const current = await viewer.trpc.data.schema.get.query({ project: "library" });
    expect(current.version).toBe(1);
    expect(current.schema.collections.map((c) => c.name)).toEqual(["authors", "books"]);
    expect(current.schema.collections[1]!.fields.find((f) => f.name === "author")).toMatchObject({
      type: "relation",
      collection: "authors",
      onDelete: "cascade",
    });

    // The record tables exist: records go in and come out.
    const author = await t.app.services.data.records.create(projectId, "authors", { name: "Ursula" }, admin);
    await t.app.services.data.records.create(projectId, "books", { title: "Earthsea", author: author.id, price: "9.50" }, admin);

    const history = await viewer.trpc.data.schema.history.query({ project: "library" });
    expect(history).toEqual([
      expect.objectContaining({
        version: 1,
        kind: "apply",
        author: "owner@example.com",
        message: "first model",
        baseVersion: 0,
        stepCount: applied.steps.length,
      }),
    ]);
    const detail = await viewer.trpc.data.schema.version.query({ project: "library", version: 1 });
    expect(detail.upSteps.map((s) => s.sql)).toEqual(applied.steps.map((s) => s.sql));
    expect(detail.downSteps.map((s) => s.sql).join("\n")).toMatch(/drop table|rename/i);
    expect(detail.schema.collections.map((c) => c.name)).toEqual(["authors", "books"]);

    const audit = await owner.trpc.projects.audit.query({ project: "library", action: "data.schema.apply" });
    expect(audit).toEqual([
      expect.objectContaining({
        action: "data.schema.apply",
        target: { kind: "data_model", id: "1" },
        data: expect.objectContaining({ version: 1, collections: ["authors", "books"], message: "first model" }),
      }),
    ]);
  });

  it("refuses a stale base version with CONFLICT schema_version_conflict, and bad models with stable 4xx codes, writing nothing", async () => {
    const { schema } = await owner.trpc.data.schema.get.query({ project: "library" });
    const stale = await failure(
      owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 0, schema: { collections: [] } }),
    );
    expect(stale).toMatchObject({ code: "schema_version_conflict", status: 409, details: { expected: 0, actual: 1 } });
    const stalePreview = await failure(owner.trpc.data.schema.preview.mutate({ project: "library", baseVersion: 7, schema }));
    expect(stalePreview).toMatchObject({ code: "schema_version_conflict", status: 409 });

    const badName = await failure(
      owner.trpc.data.schema.applyChange.mutate({
        project: "library",
        baseVersion: 1,
        schema: { collections: [{ name: "Bad Name", fields: [] }] },
      }),
    );
    expect(badName.status).toBe(400);
    const badTarget = await failure(
      owner.trpc.data.schema.preview.mutate({
        project: "library",
        baseVersion: 1,
        schema: { collections: [{ name: "x", fields: [{ name: "y", type: "relation", collection: "nowhere" }] }] },
      }),
    );
    expect(badTarget).toMatchObject({ code: "unknown_relation_target", status: 400 });
    const notADocument = await failure(
      owner.trpc.data.schema.validate.mutate({ project: "library", schema: "collections: nope" as never }),
    );
    expect(notADocument.status).toBe(400);
    expect(await failure(owner.trpc.data.schema.version.query({ project: "library", version: 99 }))).toMatchObject({
      code: "version_not_found",
      status: 404,
    });
    expect(await failure(owner.trpc.data.schema.history.query({ project: "library", limit: 9999 }))).toMatchObject({
      code: "invalid_input",
      status: 400,
    });

    // Input that is not the procedure's shape: a clean 400 invalid_input, never a 500.
    for (const call of [
      () => owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: -1, schema: { collections: [] } }),
      () =>
        owner.trpc.data.schema.applyChange.mutate({
          project: "library",
          baseVersion: 1,
          schema: { collections: [] },
          message: "x".repeat(1001),
        }),
      () => owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 1, schema: { collections: "none" } }),
      () => owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 1, schema: { collections: [], extra: true } }),
      () => owner.trpc.data.schema.rollback.mutate({ project: "library", toVersion: 0.5, baseVersion: 1 }),
      () => owner.trpc.data.schema.purge.mutate({ project: "library", ids: [] }),
      () => owner.trpc.data.expressions.check.mutate({ project: "library", collection: "books", expression: "x".repeat(9000) }),
      () =>
        owner.trpc.data.expressions.check.mutate({
          project: "library",
          collection: "books",
          expression: "true",
          operation: "drop" as never,
        }),
    ]) {
      expect(await failure(call())).toMatchObject({ code: "invalid_input", status: 400 });
    }
    // Model mistakes each have their own code.
    const reserved = await failure(
      owner.trpc.data.schema.preview.mutate({
        project: "library",
        baseVersion: 1,
        schema: { collections: [{ name: "x", fields: [{ name: "id", type: "text" }] }] },
      }),
    );
    expect(reserved).toMatchObject({ code: "reserved_name", status: 400 });
    const cycle = {
      collections: [
        { name: "a", fields: [{ name: "b", type: "relation", collection: "b", required: true }] },
        { name: "b", fields: [{ name: "a", type: "relation", collection: "a", required: true }] },
      ],
    };
    expect(await failure(owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 1, schema: cycle }))).toMatchObject({
      code: "circular_required_relation",
      status: 400,
    });
    const badRule = { collections: [{ name: "x", fields: [], rules: { list: "missing == 1" } }] };
    expect((await failure(owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 1, schema: badRule }))).status).toBe(
      400,
    );

    expect((await owner.trpc.data.schema.get.query({ project: "library" })).version).toBe(1);
    expect(await owner.trpc.data.schema.history.query({ project: "library" })).toHaveLength(1);
    // A change the data refuses (a unique name over duplicates) fails cleanly, 422, and leaves nothing.
    await t.app.services.data.records.create(projectId, "authors", { name: "Ursula" }, admin);
    const uniqueNames = {
      collections: schema.collections.map((c) =>
        c.name === "authors" ? { ...c, fields: c.fields.map((f) => (f.name === "name" ? { ...f, unique: true } : f)) } : c,
      ),
    };
    const duplicates = await failure(
      owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 1, schema: uniqueNames as never }),
    );
    expect(duplicates).toMatchObject({ code: "schema_apply_failed", status: 422, details: { reason: "duplicate_values" } });
    expect((await t.app.services.data.records.list(projectId, "authors", {}, admin)).items).toHaveLength(2);

    // The audit entry lives in the change's transaction: refused changes left none.
    expect(await owner.trpc.projects.audit.query({ project: "library", action: "data.schema.apply" })).toHaveLength(1);
  });

  it("checks filters and rules as typed, against the current model or a draft", async () => {
    expect(
      await viewer.trpc.data.expressions.check.mutate({
        project: "library",
        collection: "books",
        expression: 'title == "x" && author.name.startsWith("U")',
      }),
    ).toMatchObject({ valid: true });
    const unknown = await viewer.trpc.data.expressions.check.mutate({ project: "library", collection: "books", expression: "pages > 3" });
    expect(unknown.valid).toBe(false);
    if (!unknown.valid)
      expect(unknown.errors[0]).toMatchObject({ code: expect.any(String), start: expect.any(Number), end: expect.any(Number) });
    // `body` only in create and update rules.
    expect(
      (
        await viewer.trpc.data.expressions.check.mutate({
          project: "library",
          collection: "books",
          expression: "body.title != null",
          kind: "rule",
          operation: "create",
        })
      ).valid,
    ).toBe(true);
    expect(
      (
        await viewer.trpc.data.expressions.check.mutate({
          project: "library",
          collection: "books",
          expression: "body.title != null",
          kind: "filter",
        })
      ).valid,
    ).toBe(false);
    // A draft that adds `pages` makes it valid, before anything is applied.
    const draft = { collections: [authors, { ...books, fields: [...books.fields, { name: "pages", type: "integer" }] }] };
    expect(
      (await viewer.trpc.data.expressions.check.mutate({ project: "library", collection: "books", expression: "pages > 3", schema: draft }))
        .valid,
    ).toBe(true);
    expect(
      await failure(viewer.trpc.data.expressions.check.mutate({ project: "library", collection: "nope", expression: "true" })),
    ).toMatchObject({ code: "collection_not_found", status: 404 });
  });

  it("previews and rolls back to an earlier version (audited); dropped data is retained, comes back, and can be purged", async () => {
    const { schema } = await owner.trpc.data.schema.get.query({ project: "library" });
    const withoutPrice = {
      collections: schema.collections.map((c) => (c.name === "books" ? { ...c, fields: c.fields.filter((f) => f.name !== "price") } : c)),
    };
    const dropPreview = await owner.trpc.data.schema.preview.mutate({ project: "library", baseVersion: 1, schema: withoutPrice });
    expect(dropPreview.warnings).toEqual([
      expect.objectContaining({ code: "data_retained", collection: "books", field: "price", rows: 1 }),
    ]);
    await owner.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 1, schema: withoutPrice });
    expect(await viewer.trpc.data.schema.retained.query({ project: "library" })).toEqual([
      expect.objectContaining({ kind: "field", collection: "books", field: "price", rows: 1, version: 2 }),
    ]);

    const plan = await owner.trpc.data.schema.previewRollback.mutate({ project: "library", toVersion: 1, baseVersion: 2 });
    expect(plan).toMatchObject({ toVersion: 1, baseVersion: 2 });
    expect(plan.warnings).toEqual([expect.objectContaining({ code: "data_restored", field: "price" })]);
    expect((await owner.trpc.data.schema.get.query({ project: "library" })).version).toBe(2);

    const rolled = await owner.trpc.data.schema.rollback.mutate({ project: "library", toVersion: 1, baseVersion: 2 });
    expect(rolled).toMatchObject({ version: 3, kind: "rollback" });
    const { items } = await t.app.services.data.records.list(projectId, "books", {}, admin);
    expect(items).toEqual([expect.objectContaining({ title: "Earthsea", price: "9.50" })]);
    expect(await viewer.trpc.data.schema.retained.query({ project: "library" })).toEqual([]);
    expect((await owner.trpc.data.schema.history.query({ project: "library" })).map((v) => [v.version, v.kind])).toEqual([
      [3, "rollback"],
      [2, "apply"],
      [1, "apply"],
    ]);
    expect(await owner.trpc.projects.audit.query({ project: "library", action: "data.schema.rollback" })).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ version: 3, toVersion: 1 }) }),
    ]);

    // Roll back to nothing: every collection is retained; purge deletes them for good.
    await owner.trpc.data.schema.rollback.mutate({ project: "library", toVersion: 0, baseVersion: 3, message: "start over" });
    expect((await owner.trpc.data.schema.get.query({ project: "library" })).schema.collections).toEqual([]);
    const retained = await owner.trpc.data.schema.retained.query({ project: "library" });
    expect(retained.map((r) => r.collection).sort()).toEqual(["authors", "books"]);
    expect(await failure(owner.trpc.data.schema.purge.mutate({ project: "library", ids: ["ret_nope"] }))).toMatchObject({
      code: "retained_not_found",
      status: 404,
    });
    expect(await owner.trpc.data.schema.purge.mutate({ project: "library", ids: [retained[0]!.id] })).toEqual({ purged: 1 });
    expect(await owner.trpc.data.schema.purge.mutate({ project: "library" })).toEqual({ purged: 1 });
    expect(await owner.trpc.data.schema.retained.query({ project: "library" })).toEqual([]);
    expect(await owner.trpc.projects.audit.query({ project: "library", action: "data.retained.purge" })).toHaveLength(2);
    expect(await failure(owner.trpc.data.schema.rollback.mutate({ project: "library", toVersion: 42, baseVersion: 4 }))).toMatchObject({
      code: "version_not_found",
      status: 404,
    });
  });

  it("lets viewers read but not change the model, and strangers reach nothing", async () => {
    const { version } = await viewer.trpc.data.schema.get.query({ project: "library" });
    for (const call of [
      () => viewer.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: version, schema: { collections: [authors] } }),
      () => viewer.trpc.data.schema.preview.mutate({ project: "library", baseVersion: version, schema: { collections: [authors] } }),
      () => viewer.trpc.data.schema.validate.mutate({ project: "library", schema: { collections: [authors] } }),
      () => viewer.trpc.data.schema.rollback.mutate({ project: "library", toVersion: 1, baseVersion: version }),
      () => viewer.trpc.data.schema.previewRollback.mutate({ project: "library", toVersion: 1, baseVersion: version }),
      () => viewer.trpc.data.schema.purge.mutate({ project: "library" }),
    ]) {
      expect(await failure(call())).toMatchObject({ code: "forbidden", status: 403, details: { permission: "schema:manage" } });
    }
    for (const call of [
      () => stranger.trpc.data.schema.get.query({ project: "library" }),
      () => stranger.trpc.data.schema.history.query({ project: projectId }),
      () => stranger.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: version, schema: { collections: [authors] } }),
      () => stranger.trpc.data.expressions.check.mutate({ project: "library", collection: "books", expression: "true" }),
    ]) {
      expect(await failure(call())).toMatchObject({ code: "project_not_found", status: 404 });
    }
    expect(await failure(consoleClient(t.baseUrl).trpc.data.schema.get.query({ project: "library" }))).toMatchObject({
      code: "not_authenticated",
      status: 401,
    });
    expect((await owner.trpc.data.schema.get.query({ project: "library" })).version).toBe(version);
  });

  it("answers errors in the caller's language", async () => {
    const zh = consoleClient(t.baseUrl, { locale: "zh-CN" });
    await zh.trpc.accounts.signIn.mutate({ email: "owner@example.com", password: PASSWORD });
    const conflict = await failure(
      zh.trpc.data.schema.applyChange.mutate({ project: "library", baseVersion: 0, schema: { collections: [] } }),
    );
    expect(conflict.code).toBe("schema_version_conflict");
    expect(conflict.message).toMatch(/模型/);
  });
});
