import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../../testing/databases";
import { isToManyRelation } from "../model/normalize";
import { EVERY_TYPE_MODEL, fillEveryType } from "../portability/test-model";
import { admin, openDataTest, type DataTest } from "../test-support";
import { fieldKind } from "./registry";

// Every registered type is in EVERY_TYPE_MODEL (registry.test.ts), so a new type is checked here
// without touching this file: its SQL-built JSON row is the JSON of its decoded value.
describe.each(DATABASE_KINDS)("every field type's JSON row on %s", (kind) => {
  let t: DataTest;
  let p: string;

  beforeAll(async () => {
    t = await openDataTest(kind);
    p = t.project();
    await t.apply(p, EVERY_TYPE_MODEL);
    await fillEveryType(t.data, p, 12);
  });
  afterAll(() => t.close());

  it("lists as the same JSON, key for key, whether the database or the service writes the rows", async () => {
    const { schema } = await t.data.schema.get(p);
    for (const c of schema.collections) {
      const sortable = c.fields.filter((f) => fieldKind(f).indexable(f) && !isToManyRelation(f));
      const queries = [
        { perPage: 500 },
        { perPage: 5, count: true },
        ...sortable.flatMap((f) => [
          { sort: `${f.name},id`, perPage: 7 },
          { sort: `-${f.name}`, perPage: 7 },
        ]),
        { fields: c.fields.map((f) => f.name).join(","), sort: "-created", perPage: 100 },
      ];
      for (const query of queries) {
        const objects = await t.data.records.list(p, c.name, query, admin);
        const text = await t.data.records.listJson(p, c.name, query, admin);
        expect(JSON.stringify(JSON.parse(text)), `${c.name} ${JSON.stringify(query)}`).toBe(JSON.stringify(objects));
        // The next page, after the cursor either path gave.
        if (objects.nextCursor) {
          const next = { ...query, cursor: objects.nextCursor };
          expect(JSON.stringify(JSON.parse(await t.data.records.listJson(p, c.name, next, admin)))).toBe(
            JSON.stringify(await t.data.records.list(p, c.name, next, admin)),
          );
        }
      }
    }
  });

  it("reads back each record as listed: a get decodes every type as the list does", async () => {
    for (const c of ["people", "teams", "things"]) {
      const { items } = await t.data.records.list(p, c, { perPage: 500 }, admin);
      expect(items.length).toBeGreaterThan(0);
      for (const r of items) expect(await t.data.records.get(p, c, r.id, admin)).toEqual(r);
    }
  });
});
