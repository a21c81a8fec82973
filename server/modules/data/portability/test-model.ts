import type { ModelDocumentInput } from "../schema";
import type { DataService } from "../service";
import { admin } from "../test-support";

/**
 * A model with every field type, a self relation (to one and to many), a cycle of optional
 * relations across two collections and a to-many relation: what the archive, OpenAPI and type
 * generation tests exercise.
 */
export const EVERY_TYPE_MODEL: ModelDocumentInput = {
  collections: [
    {
      name: "people",
      fields: [
        { name: "name", type: "text", required: true, max: 100 },
        { name: "email", type: "email", unique: true },
        { name: "boss", type: "relation", collection: "people" },
        { name: "friends", type: "relation", collection: "people", multiple: true },
        { name: "team", type: "relation", collection: "teams" },
      ],
      rules: { list: "", view: "", create: "auth.id != null", update: null, delete: null },
    },
    {
      name: "teams",
      fields: [
        { name: "title", type: "text", required: true },
        { name: "lead", type: "relation", collection: "people", onDelete: "set null" },
      ],
      indexes: [{ fields: ["title"], unique: true }],
    },
    {
      name: "things",
      description: "one field of each type",
      fields: [
        { name: "label", type: "text", pattern: "^[a-z ]*$", min: 1, max: 50 },
        { name: "must", type: "text", required: true },
        { name: "mail", type: "email" },
        { name: "link", type: "url" },
        { name: "count", type: "integer", min: 0, max: 1000 },
        { name: "ratio", type: "number" },
        { name: "price", type: "decimal", scale: 4 },
        { name: "flag", type: "boolean", nullable: false, default: false },
        { name: "doc", type: "json" },
        { name: "at", type: "datetime" },
        { name: "day", type: "date" },
        { name: "uid", type: "uuid" },
        { name: "status", type: "select", values: ["draft", "live"] },
        { name: "labels", type: "select", values: ["x", "y", "z"], multiple: true },
        { name: "owner", type: "relation", collection: "people", onDelete: "cascade" },
        { name: "crew", type: "relation", collection: "teams", multiple: true },
        { name: "touched", type: "autodate", onCreate: true, onUpdate: true },
      ],
    },
  ],
};

/** Fills a project having EVERY_TYPE_MODEL with `n` things and a web of people and teams. */
export async function fillEveryType(data: DataService, project: string, n = 30): Promise<void> {
  const teamA = await data.records.create(project, "teams", { title: "alpha" }, admin);
  const teamB = await data.records.create(project, "teams", { title: "beta" }, admin);
  const boss = await data.records.create(project, "people", { name: "Boss 老板", email: "boss@example.com", team: teamA.id }, admin);
  const people = [boss.id];
  for (let i = 0; i < 6; i++) {
    const p = await data.records.create(
      project,
      "people",
      {
        name: `Person ${i}`,
        email: i % 2 ? `p${i}@example.com` : null,
        boss: people[i % people.length],
        friends: people.slice(0, i % 3),
        team: i % 2 ? teamB.id : null,
      },
      admin,
    );
    people.push(p.id);
  }
  // The boss is their own friend and has a friend created later: links point both ways.
  await data.records.update(project, "people", boss.id, { boss: boss.id, friends: [people[3]!, boss.id] }, admin);
  await data.records.update(project, "teams", teamA.id, { lead: people[2] }, admin);
  for (let i = 0; i < n; i++) {
    await data.records.create(
      project,
      "things",
      {
        label: i % 5 === 0 ? null : `thing ${"abc"[i % 3]}`,
        must: `must-${i} "quoted" \\ ünïcødé ✓`,
        mail: `t${i}@example.org`,
        link: `https://example.com/${i}?q=${i}`,
        count: (i * 7) % 1000,
        ratio: i / 3,
        price: i % 4 === 0 ? "12345678901234567890.1234" : `${i}.50`,
        flag: i % 2 === 0,
        doc: i % 3 === 0 ? null : { i, nested: [1, "two", { three: null }], deep: { ok: i % 2 === 0 } },
        at: new Date(Date.UTC(2020, 0, 1) + i * 3_600_123).toISOString(),
        day: `2024-02-${String((i % 28) + 1).padStart(2, "0")}`,
        uid: `0b0f0c3e-5a38-4f4f-9f0e-${String(i).padStart(12, "0")}`,
        status: i % 2 ? "live" : "draft",
        labels: i % 3 === 0 ? [] : ["z", "x"].slice(0, (i % 2) + 1),
        owner: people[i % people.length],
        crew: i % 2 ? [teamB.id, teamA.id] : [],
      },
      admin,
    );
  }
}

/** Every record of every collection of a project, in id order. */
export async function allRecords(data: DataService, project: string): Promise<Record<string, unknown[]>> {
  const { schema } = await data.schema.get(project);
  const out: Record<string, unknown[]> = {};
  for (const c of schema.collections) {
    const items: unknown[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await data.records.list(project, c.name, { perPage: 500, sort: "id", ...(cursor ? { cursor } : {}) }, admin);
      items.push(...page.items);
      if (!page.hasMore || !page.nextCursor) break;
      cursor = page.nextCursor;
    }
    out[c.name] = items;
  }
  return out;
}
