import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../app";
import { configSchema } from "../../platform/config/schema";
import { resolveMasterKey } from "../../platform/crypto/master-key";
import { dropProjectNamespace, projectNamespace } from "../../platform/db/project-namespace";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../testing/databases";
import { accountActor } from "../accounts/service";

const BIN = path.resolve("bin/apprun.mjs");

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const MODEL = `
collections:
  - name: products
    fields:
      - { name: title, type: text, required: true, max: 80 }
      - { name: price, type: decimal, scale: 2 }
    indexes: [{ fields: [title] }]
    rules: { list: "", view: "" }
`;

/**
 * `apprun schema apply|export|history|rollback` against a real data directory and database:
 * the CLI opens the database itself (like `admin create`), records "cli" as the author and
 * writes the audit log.
 */
describe.each(DATABASE_KINDS)("apprun schema CLI on %s", (kind) => {
  let db: TestDatabase;
  let dir: string;
  let projectId: string;
  let flags: string[];

  /** The same instance, opened in-process (same data dir and master key) to look at what the CLI did. */
  async function openApp(): Promise<App> {
    const config = configSchema.parse({ dataDir: db.dataDir, databaseUrl: db.url, console: false });
    const app = await createApp({
      config,
      logger: pino({ level: "silent" }),
      masterKey: resolveMasterKey(config),
      passwordParams: { ln: 10, r: 8, p: 1 },
    });
    await app.database.ping();
    await app.prepareDatabase();
    return app;
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    dir = fs.mkdtempSync(path.join(db.dataDir, "files-"));
    flags = ["--data-dir", db.dataDir, "--database-url", db.url];
    const app = await openApp();
    try {
      const account = await app.services.accounts.create(
        { email: "ops@example.com", name: "Ops", password: "correct horse battery", instanceAdmin: true },
        { kind: "system", id: null, label: "test" },
      );
      projectId = (await app.services.projects.create(accountActor(account as never, null), { name: "Shop", slug: "shop" })).id;
    } finally {
      await app.close();
    }
    fs.writeFileSync(path.join(dir, "model.yaml"), MODEL);
  });
  afterAll(async () => {
    if (kind === "postgres" && projectId) {
      const app = await openApp();
      await dropProjectNamespace(app.database.db as Kysely<unknown>, projectNamespace("postgres", projectId)).catch(() => {});
      await app.close();
    }
    await db?.drop();
  });

  it("previews with --dry-run, applies, exports YAML that applies back unchanged, lists history, rolls back", async () => {
    const file = path.join(dir, "model.yaml");
    const dry = await run(["schema", "apply", file, "--project", "shop", "--dry-run", ...flags]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/plan against version 0 of shop: \d+ steps \(dry run, nothing applied\)/);
    expect(dry.stdout).toMatch(/create table/i);

    // The dry run changed nothing: the first apply is still version 1.
    const applied = await run(["schema", "apply", file, "--project", "shop", ...flags]);
    expect(applied).toMatchObject({ code: 0, stderr: "" });
    expect(applied.stdout).toMatch(/^applied version 1 to shop \(\d+ steps\)\n/);

    const exported = await run(["schema", "export", "--project", projectId, ...flags]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^# apprun data model of project shop .* at version 1\n/);
    expect(exported.stdout).toMatch(/name: products/);
    expect(exported.stdout).toMatch(/type: decimal/);
    fs.writeFileSync(path.join(dir, "exported.yaml"), exported.stdout);
    const again = await run(["schema", "apply", path.join(dir, "exported.yaml"), "--project", "shop", "--dry-run", ...flags]);
    expect(again.stdout).toMatch(/plan against version 1 of shop: 0 steps/);

    // A second version: drop the price field (kept in a retained table, with a warning).
    fs.writeFileSync(path.join(dir, "v2.yaml"), MODEL.replace("      - { name: price, type: decimal, scale: 2 }\n", ""));
    const v2 = await run(["schema", "apply", path.join(dir, "v2.yaml"), "--project", "shop", ...flags]);
    expect(v2.code).toBe(0);
    expect(v2.stdout).toMatch(/applied version 2/);
    expect(v2.stdout).toMatch(/warning data_retained: products price/);

    const history = await run(["schema", "history", "--project", "shop", ...flags]);
    expect(history.code).toBe(0);
    const lines = history.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^VERSION\s+KIND\s+BASE\s+STEPS\s+AUTHOR/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual(["2 apply", "1 apply"]);
    expect(lines[1]).toMatch(/\bcli\b/);

    const back = await run(["schema", "rollback", "--project", "shop", "--to", "1", ...flags]);
    expect(back).toMatchObject({ code: 0, stderr: "" });
    expect(back.stdout).toMatch(/rolled shop back to version 1 as version 3/);
    expect((await run(["schema", "export", "--project", "shop", ...flags])).stdout).toMatch(/name: price/);

    const app = await openApp();
    try {
      const state = await app.services.data.schema.get(projectId);
      expect(state.version).toBe(3);
      const history3 = await app.services.data.schema.history(projectId);
      expect(history3.map((v) => [v.version, v.kind, v.author])).toEqual([
        [3, "rollback", "cli"],
        [2, "apply", "cli"],
        [1, "apply", "cli"],
      ]);
      const audit = await app.services.audit.list({ projectId, limit: 50 });
      expect(audit.filter((a) => a.actor.label === "cli").map((a) => a.action)).toEqual(
        expect.arrayContaining([
          "data.schema.preview",
          "data.schema.apply",
          "data.schema.read",
          "data.schema.history",
          "data.schema.rollback",
        ]),
      );
    } finally {
      await app.close();
    }
  });

  it("fails cleanly, exit 2, changing nothing, on bad input", async () => {
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "collections:\n  - name: Bad Name\n    fields: []\n");
    const cases: Array<[string[], RegExp]> = [
      [["schema", "apply", bad, "--project", "shop"], /invalid_(input|identifier)/],
      [
        ["schema", "apply", path.join(dir, "missing.yaml"), "--project", "shop"],
        /model_file_unreadable: Cannot read the model file .*missing\.yaml \(ENOENT\)/,
      ],
      [["schema", "apply", path.join(dir, "model.yaml"), "--project", "nope"], /project_not_found/],
      [["schema", "rollback", "--project", "shop", "--to", "99"], /version_not_found/],
      [["schema", "rollback", "--project", "shop"], /needs --to N/],
      [["schema", "export"], /needs --project/],
      [["schema", "frobnicate", "--project", "shop"], /"schema" takes "apply", "export", "history" or "rollback"/],
      [["schema", "apply", "--project", "shop"], /takes one FILE/],
    ];
    fs.writeFileSync(path.join(dir, "broken.yaml"), "collections: [ {");
    cases.push([["schema", "apply", path.join(dir, "broken.yaml"), "--project", "shop"], /invalid_model/]);
    for (const [args, message] of cases) {
      const res = await run([...args, ...flags]);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr, args.join(" ")).toMatch(message);
    }
    const history = await run(["schema", "history", "--project", "shop", ...flags]);
    expect(history.stdout.trim().split("\n")[1]).toMatch(/^3\s+rollback/);
  });
});
