import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../platform/errors/app-error";
import { DATABASE_KINDS } from "../../../testing/databases";
import { admin, openDataTest, type DataTest } from "../test-support";

async function failure(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

describe.each(DATABASE_KINDS)("field types and constraints on %s", (kind) => {
  let t: DataTest;
  let p: string;
  let now = Date.UTC(2024, 4, 1, 12, 0, 0);
  let other1: string;
  let other2: string;

  beforeAll(async () => {
    t = await openDataTest(kind, { clock: () => now });
    p = t.project();
    await t.apply(p, {
      collections: [
        { name: "others", fields: [{ name: "name", type: "text" }] },
        {
          name: "things",
          fields: [
            { name: "word", type: "text", min: 2, max: 5, pattern: "^[a-z]+$" },
            { name: "must", type: "text", required: true },
            { name: "mail", type: "email" },
            { name: "link", type: "url" },
            { name: "count", type: "integer", min: 0, max: 100 },
            { name: "ratio", type: "number", max: 1.5 },
            { name: "price", type: "decimal", scale: 2, min: "0" },
            { name: "flag", type: "boolean", nullable: false, default: false },
            { name: "doc", type: "json", maxSize: 100 },
            { name: "at", type: "datetime", min: "2000-01-01T00:00:00Z" },
            { name: "day", type: "date", max: "2099-12-31" },
            { name: "uid", type: "uuid" },
            { name: "status", type: "select", values: ["draft", "live"] },
            { name: "labels", type: "select", values: ["x", "y", "z"], multiple: true, max: 2 },
            { name: "other", type: "relation", collection: "others" },
            { name: "many", type: "relation", collection: "others", multiple: true },
            { name: "code", type: "text", unique: true },
            { name: "counter", type: "integer", nullable: false, default: 7 },
            { name: "stamp", type: "datetime", default: "now" },
            { name: "today", type: "date", default: "today" },
            { name: "token", type: "uuid", default: "random" },
            { name: "touched", type: "autodate", onCreate: true, onUpdate: true },
            { name: "born", type: "autodate", onCreate: true, onUpdate: false },
          ],
        },
      ],
    });
    other1 = (await t.data.records.create(p, "others", { name: "one" }, admin)).id;
    other2 = (await t.data.records.create(p, "others", { name: "two" }, admin)).id;
  });
  afterAll(() => t.close());

  it("stores every type and reads it back normalized", async () => {
    const created = await t.data.records.create(
      p,
      "things",
      {
        word: "abc",
        must: "yes",
        mail: "a@b.co",
        link: "https://example.com/x?y=1",
        count: 42,
        ratio: 0.25,
        price: "012.50",
        flag: true,
        doc: { nested: [1, "two", { three: null }], ok: true },
        at: "2024-05-01T10:00:00+02:00",
        day: "2024-02-29",
        uid: "0B0F0C3E-5A38-4F4F-9F0E-111111111111",
        status: "live",
        labels: ["y", "x", "y"],
        other: other1,
        many: [other2, other1],
        code: "c-1",
      },
      admin,
    );
    const stamp = new Date(now).toISOString();
    const expected = {
      word: "abc",
      must: "yes",
      mail: "a@b.co",
      link: "https://example.com/x?y=1",
      count: 42,
      ratio: 0.25,
      price: "12.50",
      flag: true,
      doc: { nested: [1, "two", { three: null }], ok: true },
      at: "2024-05-01T08:00:00.000Z",
      day: "2024-02-29",
      uid: "0b0f0c3e-5a38-4f4f-9f0e-111111111111",
      status: "live",
      labels: ["y", "x"],
      other: other1,
      many: [other2, other1],
      code: "c-1",
      counter: 7,
      stamp,
      today: "2024-05-01",
      token: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      touched: stamp,
      born: stamp,
      created: stamp,
      updated: stamp,
      id: expect.stringMatching(/^[0-9a-z]{15}$/),
    };
    expect(created).toEqual(expected);
    expect(await t.data.records.get(p, "things", created.id, admin)).toEqual({ ...expected, token: created.token });
  });

  it("stores nulls for optional fields and defaults for the rest", async () => {
    const r = await t.data.records.create(p, "things", { must: "x" }, admin);
    expect(r).toMatchObject({
      word: null,
      mail: null,
      count: null,
      price: null,
      doc: null,
      at: null,
      uid: null,
      status: null,
      labels: null,
      other: null,
      many: [],
      flag: false,
      counter: 7,
    });
  });

  it("accepts a client id and refuses a malformed one", async () => {
    const r = await t.data.records.create(p, "things", { id: "custom_id-1", must: "x" }, admin);
    expect(r.id).toBe("custom_id-1");
    const err = await failure(() => t.data.records.create(p, "things", { id: "bad id!", must: "x" }, admin));
    expect(err).toMatchObject({ code: "validation_failed", details: { fields: { id: { code: "invalid_type" } } } });
    const dup = await failure(() => t.data.records.create(p, "things", { id: "custom_id-1", must: "x" }, admin));
    expect(dup).toMatchObject({ code: "validation_failed", details: { fields: { id: { code: "not_unique" } } } });
  });

  it("names each invalid field with a stable code", async () => {
    const err = await failure(() =>
      t.data.records.create(
        p,
        "things",
        {
          word: "toolong",
          mail: "nope",
          link: "ftp://x",
          count: 101,
          ratio: "1",
          price: "1.234",
          flag: null,
          doc: { big: "x".repeat(200) },
          at: "1999-12-31T23:59:59Z",
          day: "2024-02-30",
          uid: "123",
          status: "gone",
          labels: ["x", "y", "z"],
          other: "doesnotexist",
          many: ["bad id"],
          created: "2024-01-01T00:00:00Z",
          touched: "2024-01-01T00:00:00Z",
          mystery: 1,
        },
        admin,
      ),
    );
    expect(err.code).toBe("validation_failed");
    expect(err.status).toBe(400);
    expect(err.details.fields).toEqual({
      word: { code: "too_long", max: 5 },
      must: { code: "required" },
      mail: { code: "invalid_email" },
      link: { code: "invalid_url" },
      count: { code: "too_large", max: 100 },
      ratio: { code: "invalid_type", expected: "number" },
      price: { code: "too_many_decimals", scale: 2 },
      flag: { code: "null_not_allowed" },
      doc: { code: "json_too_large", max: 100 },
      at: { code: "too_small", min: "2000-01-01T00:00:00Z" },
      day: { code: "invalid_date" },
      uid: { code: "invalid_uuid" },
      status: { code: "invalid_option", value: "gone" },
      labels: { code: "too_many", max: 2 },
      many: { code: "invalid_relation", value: "bad id" },
      created: { code: "read_only" },
      touched: { code: "read_only" },
      mystery: { code: "unknown" },
    });
    // Nothing was written.
    expect((await t.data.records.list(p, "things", { filter: 'word == "toolong"' }, admin)).items).toEqual([]);
  });

  it("checks the rest of the codes: too_short, pattern, too_small, required blank, relation target, NUL", async () => {
    const err = await failure(() => t.data.records.create(p, "things", { word: "a", must: "", count: -1, other: "nosuchrecord1" }, admin));
    expect(err.details.fields).toEqual({
      word: { code: "too_short", min: 2 },
      must: { code: "required" },
      count: { code: "too_small", min: 0 },
    });
    const pattern = await failure(() => t.data.records.create(p, "things", { word: "AB1", must: "x" }, admin));
    expect(pattern.details.fields).toEqual({ word: { code: "pattern_mismatch", pattern: "^[a-z]+$" } });
    const relation = await failure(() => t.data.records.create(p, "things", { must: "x", other: "nosuchrecord1" }, admin));
    expect(relation.details.fields).toEqual({ other: { code: "invalid_relation", value: "nosuchrecord1" } });
    const nul = await failure(() => t.data.records.create(p, "things", { must: "a\u0000b" }, admin));
    expect(nul.details.fields).toEqual({ must: { code: "invalid_character" } });
  });

  it("refuses a duplicate unique value", async () => {
    await t.data.records.create(p, "things", { must: "x", code: "same" }, admin);
    const err = await failure(() => t.data.records.create(p, "things", { must: "x", code: "same" }, admin));
    expect(err).toMatchObject({ code: "validation_failed", details: { fields: { code: { code: "not_unique" } } } });
  });

  it("updates with PATCH semantics: only given fields, autodates and to-many replaced", async () => {
    const r = await t.data.records.create(p, "things", { must: "x", word: "abc", many: [other1], labels: ["x"] }, admin);
    now += 60_000;
    const u = await t.data.records.update(p, "things", r.id, { word: "xyz", many: [other2] }, admin);
    expect(u).toEqual({ ...r, word: "xyz", many: [other2], updated: new Date(now).toISOString(), touched: new Date(now).toISOString() });
    expect(u.born).toBe(r.born);
    const cleared = await t.data.records.update(p, "things", r.id, { many: [], word: null }, admin);
    expect(cleared).toMatchObject({ many: [], word: null, must: "x" });
    const err = await failure(() => t.data.records.update(p, "things", r.id, { must: null }, admin));
    expect(err.details.fields).toEqual({ must: { code: "required" } });
    const readOnly = await failure(() => t.data.records.update(p, "things", r.id, { id: "other", born: "x" }, admin));
    expect(readOnly.details.fields).toEqual({ id: { code: "read_only" }, born: { code: "read_only" } });
  });

  it("lists every type as the same JSON as the records read one by one (SQLite: rows made as JSON by the database)", async () => {
    await t.data.records.create(
      p,
      "things",
      {
        must: 'quotes " and \\ backslash, tab\t, line\n, é, 😀',
        code: "j-1",
        ratio: 0.1 + 0.2,
        count: 0,
        flag: true,
        doc: { s: 'x"y', n: [1.5, -2e-7, null], e: {} },
        labels: ["z"],
        many: [other1],
        at: "2000-06-01T00:00:00.001Z",
        price: "0.00",
      },
      admin,
    );
    await t.data.records.create(
      p,
      "things",
      {
        must: "plain",
        code: "j-2",
        ratio: 1,
        doc: [],
        other: other2,
        many: [other2, other1],
        status: "draft",
        day: "0001-01-01",
        at: "9999-12-31T23:59:59.999Z",
      },
      admin,
    );
    await t.data.records.create(p, "things", { must: "empty", code: "j-3", doc: "just a string", word: null }, admin);
    const queries = [
      { sort: "code", perPage: 100 },
      { sort: "-code", perPage: 2, count: true },
      { sort: "code", fields: "code,many,id,flag,doc,at,created", filter: 'code.startsWith("j-")' },
      { sort: "code", fields: "must,labels" },
      { filter: "flag == true", sort: "-ratio,code" },
    ];
    for (const query of queries) {
      const objects = await t.data.records.list(p, "things", query, admin);
      const text = await t.data.records.listJson(p, "things", query, admin);
      // Same values, same keys in the same order, same cursor.
      expect(JSON.stringify(JSON.parse(text)), JSON.stringify(query)).toBe(JSON.stringify(objects));
      if (objects.nextCursor) {
        const next = { ...query, cursor: objects.nextCursor };
        expect(JSON.stringify(JSON.parse(await t.data.records.listJson(p, "things", next, admin)))).toBe(
          JSON.stringify(await t.data.records.list(p, "things", next, admin)),
        );
      }
    }
  });
});
