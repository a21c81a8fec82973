import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../../app";
import { SYSTEM_ACTOR } from "../../../platform/auth/actor";
import { configSchema } from "../../../platform/config/schema";
import { resolveMasterKey } from "../../../platform/crypto/master-key";
import { dropProjectNamespace, projectNamespace } from "../../../platform/db/project-namespace";
import { createTestDatabase, type TestDatabase } from "../../../testing/databases";
import { accountActor } from "../../accounts/service";
import { EVERY_TYPE_MODEL, allRecords, fillEveryType } from "./test-model";

const BIN = path.resolve("bin/apprun.mjs");

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
      cwd: os.tmpdir(),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The instance of a data dir, opened in this process (as `apprun` would open it) to set up and check. */
async function openInstance(db: TestDatabase): Promise<App> {
  const config = configSchema.parse({ dataDir: db.dataDir, databaseUrl: db.url, console: false, port: 0 });
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

async function createProjects(app: App, slugs: string[]): Promise<Record<string, string>> {
  const account = await app.services.accounts.create(
    { email: "root@example.com", name: "Root", password: "correct horse battery", instanceAdmin: true },
    SYSTEM_ACTOR,
  );
  const out: Record<string, string> = {};
  for (const slug of slugs) out[slug] = (await app.services.projects.create(accountActor(account, null), { name: slug, slug })).id;
  return out;
}

describe("apprun export / import / gen as processes", () => {
  let sqlite: TestDatabase;
  let postgres: TestDatabase;
  let scratch: string;
  const source = {} as Record<string, string>;
  const target = {} as Record<string, string>;
  let expected: Record<string, unknown[]>;

  const flags = (db: TestDatabase) => ["--data-dir", db.dataDir, "--database-url", db.url];

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-port-cli-"));
    sqlite = await createTestDatabase("sqlite");
    postgres = await createTestDatabase("postgres");
    const a = await openInstance(sqlite);
    try {
      Object.assign(source, await createProjects(a, ["shop", "blank"]));
      await a.services.data.schema.apply(source.shop!, { baseVersion: 0, schema: EVERY_TYPE_MODEL }, "tester");
      await fillEveryType(a.services.data, source.shop!, 20);
      expected = await allRecords(a.services.data, source.shop!);
    } finally {
      await a.close();
    }
    const b = await openInstance(postgres);
    try {
      Object.assign(target, await createProjects(b, ["copy"]));
    } finally {
      await b.close();
    }
  }, 120_000);
  afterAll(async () => {
    const b = await openInstance(postgres).catch(() => null);
    if (b) {
      for (const id of Object.values(target))
        await dropProjectNamespace(b.database.db as never, projectNamespace("postgres", id)).catch(() => {});
      await b.close();
    }
    await sqlite?.drop();
    await postgres?.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("exports from SQLite and imports into PostgreSQL: every record arrives", async () => {
    const file = path.join(scratch, "shop.apprun.gz");
    const exported = await run(["export", "--project", "shop", "-o", file, ...flags(sqlite)]);
    expect(exported.stderr).toBe("");
    expect(exported).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^exported 3 collections, 29 records, \d+ relation links of shop to .*shop\.apprun\.gz\n$/),
    });
    expect(fs.existsSync(`${file}.partial`)).toBe(false);

    const imported = await run(["import", file, "--project", "copy", ...flags(postgres)]);
    expect(imported.stderr).toBe("");
    expect(imported).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^imported 3 collections, 29 records, \d+ relation links into copy \(model version 1; from prj_\w+ on sqlite\)\n$/,
      ),
    });
    const b = await openInstance(postgres);
    try {
      expect(await allRecords(b.services.data, target.copy!)).toEqual(expected);
    } finally {
      await b.close();
    }

    // Again: the project is no longer empty.
    const again = await run(["import", file, "--project", "copy", ...flags(postgres)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^apprun: project_not_empty: The project already has 3 collections/);
  }, 60_000);

  it("refuses a damaged archive and leaves the project empty", async () => {
    const file = path.join(scratch, "shop.apprun.gz");
    const damaged = path.join(scratch, "damaged.apprun.gz");
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(damaged, bytes.subarray(0, bytes.length - 30));
    const result = await run(["import", damaged, "--project", "blank", ...flags(sqlite)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^apprun: archive_(truncated|corrupt): .*nothing was imported\n$/);
    const a = await openInstance(sqlite);
    try {
      expect(await a.services.data.schema.get(source.blank!)).toMatchObject({ version: 0, schema: { collections: [] } });
    } finally {
      await a.close();
    }
  }, 60_000);

  it("gen types writes TypeScript that compiles; gen openapi writes the document", async () => {
    const file = path.join(scratch, "shop-types.ts");
    const types = await run(["gen", "types", "--project", "shop", "-o", file, ...flags(sqlite)]);
    expect(types).toMatchObject({ code: 0, stdout: expect.stringMatching(/^wrote types of shop \(model version 1\)/) });
    const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] });
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual([]);
    expect(fs.readFileSync(file, "utf8")).toMatch(/export interface ThingsRecord \{/);

    const openapi = await run(["gen", "openapi", "--project", "shop", ...flags(sqlite)]);
    expect(openapi.code).toBe(0);
    expect(JSON.parse(openapi.stdout)).toMatchObject({ openapi: "3.1.0", components: { schemas: { PeopleRecord: expect.any(Object) } } });
  }, 60_000);

  it.each([
    [["export", "--project", "shop"], /"export" needs --project and -o FILE/],
    [["import", "--project", "shop"], /"import" takes one archive FILE/],
    [["gen", "docs", "--project", "shop"], /"gen" takes "types" or "openapi"/],
    [["gen", "types"], /"gen types" needs --project/],
  ])("exits 2 on bad usage %j", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("exits 2 naming an unknown project", async () => {
    const result = await run(["gen", "types", "--project", "nope", ...flags(sqlite)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^apprun: project_not_found: /);
  });
});
