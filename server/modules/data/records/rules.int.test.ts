import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../platform/errors/app-error";
import { DATABASE_KINDS } from "../../../testing/databases";
import { admin, anonymous, openDataTest, user, type DataTest } from "../test-support";
import type { Actor, RecordData } from "../types";

async function failure(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

const READ_RULE = 'status == "published" || owner == auth.id || "moderator" in auth.roles';

describe.each(DATABASE_KINDS)("access rules on %s", (kind) => {
  let t: DataTest;
  let p: string;
  const ann = user("ann");
  const bob = user("bob");
  const mod = user("mia", ["moderator"]);
  const keyWithList: Actor = { type: "apiKey", id: "k1", permissions: ["records:secrets:list", "records:*:view"] };
  const keyWithout: Actor = { type: "apiKey", id: "k2", permissions: [] };
  const posts: Record<string, RecordData> = {};
  let secretOrg: string;

  beforeAll(async () => {
    t = await openDataTest(kind);
    p = t.project();
    await t.apply(p, {
      collections: [
        { name: "orgs", fields: [{ name: "name", type: "text" }], rules: { list: 'name != "secret"', view: 'name != "secret"' } },
        { name: "members", fields: [{ name: "user", type: "text" }], rules: { view: "" } },
        {
          name: "posts",
          fields: [
            { name: "title", type: "text" },
            { name: "owner", type: "text" },
            { name: "status", type: "select", values: ["draft", "published"] },
            { name: "org", type: "relation", collection: "orgs" },
            { name: "editors", type: "relation", collection: "members", multiple: true },
          ],
          rules: {
            list: READ_RULE,
            view: READ_RULE,
            create: "auth.id != null && body.owner == auth.id",
            update: "owner == auth.id || editors.exists(e, e.user == auth.id)",
            delete: 'owner == auth.id && status == "draft"',
          },
        },
        { name: "secrets", fields: [{ name: "value", type: "text" }] },
        {
          name: "tickets",
          fields: [
            { name: "owner", type: "text" },
            { name: "note", type: "text" },
          ],
          rules: { view: "", update: "body.owner == auth.id" },
        },
      ],
    });
    const open = (await t.data.records.create(p, "orgs", { name: "open" }, admin)).id;
    secretOrg = (await t.data.records.create(p, "orgs", { name: "secret" }, admin)).id;
    const mAnn = (await t.data.records.create(p, "members", { user: "ann" }, admin)).id;
    const make = async (key: string, data: Record<string, unknown>) =>
      (posts[key] = await t.data.records.create(p, "posts", { title: key, ...data }, admin));
    await make("p1", { owner: "ann", status: "published", org: open });
    await make("p2", { owner: "ann", status: "draft" });
    await make("p3", { owner: "bob", status: "draft", editors: [mAnn] });
    await make("p4", { owner: "carl", status: "draft" });
    await make("p5", { owner: "carl", status: "published", org: secretOrg });
    await t.data.records.create(p, "secrets", { value: "s" }, admin);
  });
  afterAll(() => t.close());

  const titles = async (actor: Actor, filter?: string) =>
    (await t.data.records.list(p, "posts", { sort: "title", ...(filter ? { filter } : {}) }, actor)).items.map((r) => r.title);

  it("lists exactly the records the rule allows each caller", async () => {
    expect(await titles(ann)).toEqual(["p1", "p2", "p5"]);
    expect(await titles(bob)).toEqual(["p1", "p3", "p5"]);
    expect(await titles(mod)).toEqual(["p1", "p2", "p3", "p4", "p5"]);
    expect(await titles(anonymous)).toEqual(["p1", "p5"]);
    expect(await titles(admin)).toEqual(["p1", "p2", "p3", "p4", "p5"]);
    // An API key without the permission is judged like an anonymous caller.
    expect(await titles(keyWithout)).toEqual(["p1", "p5"]);
    // Counts and filters stay inside the rule.
    expect((await t.data.records.list(p, "posts", { count: true, filter: 'status == "draft"' }, ann)).totalItems).toBe(1);
  });

  it("agrees with the in-memory evaluation realtime will use", async () => {
    for (const actor of [ann, bob, mod, anonymous]) {
      const all = (await t.data.records.list(p, "posts", { perPage: 500, expand: "editors" }, admin)).items;
      const allowed = [];
      for (const r of all) if (await t.data.expressions.allows(p, "posts", "list", r, actor)) allowed.push(r.title);
      expect(allowed.sort()).toEqual(await titles(actor));
    }
  });

  it("views only what the rule allows (404 otherwise)", async () => {
    expect((await t.data.records.get(p, "posts", posts.p2!.id, ann)).title).toBe("p2");
    expect(await failure(() => t.data.records.get(p, "posts", posts.p2!.id, bob))).toMatchObject({ code: "record_not_found", status: 404 });
    expect(await failure(() => t.data.records.get(p, "posts", posts.p4!.id, anonymous))).toMatchObject({ code: "record_not_found" });
    expect((await t.data.records.get(p, "posts", posts.p4!.id, mod)).title).toBe("p4");
  });

  it("updates only where the rule allows, before and after the change", async () => {
    expect((await t.data.records.update(p, "posts", posts.p3!.id, { title: "p3" }, ann)).title).toBe("p3");
    expect(await failure(() => t.data.records.update(p, "posts", posts.p2!.id, { title: "x" }, bob))).toMatchObject({
      code: "record_not_found",
      status: 404,
    });
    expect(await failure(() => t.data.records.update(p, "posts", posts.p1!.id, { title: "x" }, bob))).toMatchObject({
      code: "access_denied",
      status: 403,
      details: { operation: "update" },
    });
    // Giving the record away would leave ann without the right to it: refused, nothing changed.
    expect(await failure(() => t.data.records.update(p, "posts", posts.p1!.id, { owner: "bob", title: "stolen" }, ann))).toMatchObject({
      code: "access_denied",
      status: 403,
    });
    expect(await t.data.records.get(p, "posts", posts.p1!.id, admin)).toMatchObject({ owner: "ann", title: "p1" });
    expect(await failure(() => t.data.records.update(p, "posts", posts.p1!.id, { title: "x" }, anonymous))).toMatchObject({
      code: "access_denied",
    });
  });

  it("lets an update rule read the request body, before and after the change", async () => {
    const ticket = await t.data.records.create(p, "tickets", { owner: "carl" }, admin);
    expect((await t.data.records.update(p, "tickets", ticket.id, { owner: "ann", note: "mine now" }, ann)).owner).toBe("ann");
    expect(await failure(() => t.data.records.update(p, "tickets", ticket.id, { note: "no owner given" }, ann))).toMatchObject({
      code: "access_denied",
      status: 403,
    });
    expect(await failure(() => t.data.records.update(p, "tickets", ticket.id, { owner: "bob" }, ann))).toMatchObject({
      code: "access_denied",
    });
    expect(await t.data.records.get(p, "tickets", ticket.id, admin)).toMatchObject({ owner: "ann", note: "mine now" });
  });

  it("deletes only where the rule allows", async () => {
    expect(await failure(() => t.data.records.delete(p, "posts", posts.p1!.id, ann))).toMatchObject({
      code: "access_denied",
      status: 403,
      details: { operation: "delete" },
    });
    expect(await failure(() => t.data.records.delete(p, "posts", posts.p4!.id, bob))).toMatchObject({
      code: "record_not_found",
      status: 404,
    });
    const temp = await t.data.records.create(p, "posts", { title: "temp", owner: "ann", status: "draft" }, admin);
    await t.data.records.delete(p, "posts", temp.id, ann);
    expect(await failure(() => t.data.records.get(p, "posts", temp.id, admin))).toMatchObject({ code: "record_not_found" });
  });

  it("checks create against the would-be record and the request body", async () => {
    expect(await failure(() => t.data.records.create(p, "posts", { title: "anon", owner: "x" }, anonymous))).toMatchObject({
      code: "access_denied",
      status: 403,
      details: { operation: "create" },
    });
    expect(await failure(() => t.data.records.create(p, "posts", { title: "forged", owner: "bob" }, ann))).toMatchObject({
      code: "access_denied",
    });
    expect(await titles(admin, 'title == "forged"')).toEqual([]);
    const mine = await t.data.records.create(p, "posts", { title: "mine", owner: "ann", status: "draft" }, ann);
    expect(mine.owner).toBe("ann");
    await t.data.records.delete(p, "posts", mine.id, admin);
  });

  it("locks collections without rules to admins and API keys with the permission", async () => {
    expect(await failure(() => t.data.records.list(p, "secrets", {}, ann))).toMatchObject({
      code: "access_denied",
      status: 403,
      details: { collection: "secrets", operation: "list" },
    });
    expect(await failure(() => t.data.records.list(p, "secrets", {}, keyWithout))).toMatchObject({ code: "access_denied" });
    expect(await failure(() => t.data.records.create(p, "secrets", { value: "x" }, ann))).toMatchObject({ code: "access_denied" });
    expect((await t.data.records.list(p, "secrets", {}, keyWithList)).items).toHaveLength(1);
    expect((await t.data.records.list(p, "secrets", {}, admin)).items).toHaveLength(1);
    expect(await failure(() => t.data.records.create(p, "secrets", { value: "x" }, keyWithList))).toMatchObject({ code: "access_denied" });
  });

  it("does not let a filter or an expansion look into records the caller may not view", async () => {
    expect(await titles(ann, 'org.name == "secret"')).toEqual([]);
    expect(await titles(admin, 'org.name == "secret"')).toEqual(["p5"]);
    const p5 = await t.data.records.get(p, "posts", posts.p5!.id, ann, { expand: "org" });
    expect(p5.org).toBe(secretOrg);
    expect(p5.expand).toBeUndefined();
    expect((await t.data.records.get(p, "posts", posts.p5!.id, admin, { expand: "org" })).expand).toMatchObject({
      org: { name: "secret" },
    });
    const p1 = await t.data.records.get(p, "posts", posts.p1!.id, ann, { expand: "org" });
    expect(p1.expand).toMatchObject({ org: { name: "open" } });
  });

  it("keeps projects apart: the same collection name in another project is another table", async () => {
    const other = t.project();
    await t.apply(other, { collections: [{ name: "posts", fields: [{ name: "title", type: "text" }], rules: { list: "", view: "" } }] });
    expect((await t.data.records.list(other, "posts", {}, anonymous)).items).toEqual([]);
    expect(await failure(() => t.data.records.get(other, "posts", posts.p1!.id, admin))).toMatchObject({ code: "record_not_found" });
    expect(await failure(() => t.data.records.list(other, "secrets", {}, admin))).toMatchObject({ code: "collection_not_found" });
  });

  it("offers validate-as-you-type with positions", async () => {
    expect(await t.data.expressions.check(p, { collection: "posts", expression: 'status == "draft" && ownr == auth.id' })).toEqual({
      valid: false,
      errors: [
        {
          code: "unknown_field",
          reason: "posts has no field ownr",
          reasonKey: "no_such_field",
          reasonParams: { collection: "posts", field: "ownr" },
          start: 21,
          end: 25,
          field: "ownr",
        },
      ],
    });
    expect(
      await t.data.expressions.check(p, { collection: "posts", expression: "body.owner == auth.id", kind: "rule", operation: "create" }),
    ).toEqual({ valid: true, expand: [] });
    expect((await t.data.expressions.check(p, { collection: "posts", expression: "body.owner == auth.id" })).valid).toBe(false);
    expect(await t.data.expressions.check(p, { collection: "posts", expression: "org.name == 'x'" })).toEqual({
      valid: true,
      expand: ["org"],
    });
    const draft = { collections: [{ name: "drafts", fields: [{ name: "wip", type: "text" }], rules: { list: "broken ==" } }] };
    expect(await t.data.expressions.check(p, { collection: "drafts", expression: "wip == 'x'", schema: draft })).toEqual({
      valid: true,
      expand: [],
    });
  });
});
