import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemMigrations } from "./modules/index";
import { apprunVersion } from "./platform/package-info";
import { createTestDatabase, type TestDatabase } from "./testing/databases";

/** What `migrate up` prints on an empty database: every system migration, in order. */
const appliedAll = Object.keys(systemMigrations)
  .map((name) => `applied ${name}\n`)
  .join("");

const BIN = path.resolve("bin/apprun.mjs");

/** A clean environment: nothing of the developer's APPRUN_* settings leaks into the child. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...extra };
}

function run(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(options.env), cwd: options.cwd ?? os.tmpdir() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `apprun start` and resolves once it logs that it listens. */
function startProcess(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, "start", "--no-console", "--host", "127.0.0.1", "--port", "0", ...args], {
    env: cleanEnv(env),
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffer = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === "apprun listening") resolve(entry.url as string);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening`)));
  });
  return { child, lines, exited, listening };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-cli-"));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("apprun CLI", () => {
  it("prints its version and help", async () => {
    const version = await run(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: `apprun ${apprunVersion()}\n` });
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/apprun start/);
    expect(help.stdout).toMatch(/apprun migrate status/);
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["start", "--prot", "1"], /Unknown option '--prot'/],
    [["migrate", "sideways"], /"migrate" takes "status" or "up"/],
  ])("exits 2 on bad usage %j", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("exits 2 naming the key of an invalid configuration value", async () => {
    const bad = await run(["start", "--no-console", "--data-dir", path.join(scratch, "d1")], { env: { APPRUN_PORT: "not-a-port" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid configuration value for "port" \(from environment variable APPRUN_PORT\)/);

    fs.writeFileSync(path.join(scratch, "bad.yaml"), "port: 8080\ndatabseUrl: sqlite:x.db\n");
    const unknown = await run(["start", "--config", path.join(scratch, "bad.yaml")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown configuration key "databseUrl"/);
  });

  it("exits 2 with a clear message when dataDir cannot be written", async () => {
    fs.writeFileSync(path.join(scratch, "a-file"), "");
    const result = await run(["start", "--no-console", "--data-dir", path.join(scratch, "a-file", "data")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dataDir .*a-file\/data cannot be created/);
  });

  it("migrate status|up on SQLite", async () => {
    const dataDir = path.join(scratch, "migrate-sqlite");
    const pending = await run(["migrate", "status", "--data-dir", dataDir]);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/0001_instance\s+pending/);
    const up = await run(["migrate", "up", "--data-dir", dataDir]);
    expect(up).toMatchObject({ code: 0, stdout: appliedAll });
    expect((await run(["migrate", "up", "--data-dir", dataDir])).stdout).toBe("nothing to apply: up to date\n");
    expect((await run(["migrate", "status", "--data-dir", dataDir])).stdout).toMatch(/0001_instance\s+\d{4}-\d\d-\d\dT/);
  });

  describe("on PostgreSQL", () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase("postgres");
    });
    afterAll(() => db.drop());

    it("migrate status|up", async () => {
      const args = ["--data-dir", db.dataDir, "--database-url", db.url];
      expect((await run(["migrate", "status", ...args])).stdout).toMatch(/0001_instance\s+pending/);
      expect((await run(["migrate", "up", ...args])).stdout).toBe(appliedAll);
      expect((await run(["migrate", "status", ...args])).stdout).toMatch(/0001_instance\s+\d{4}-/);
    });

    it("starts, serves, and exits 0 on SIGTERM", async () => {
      const proc = startProcess(["--data-dir", db.dataDir, "--database-url", db.url]);
      const url = await proc.listening;
      const ready = await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
      expect(ready).toBe(true);
      const info = (await (await fetch(`${url}/trpc/system.info`)).json()) as { result: { data: { database: string } } };
      expect(info.result.data.database).toBe("postgres");
      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(proc.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["apprun ready", "shutting down", "stopped"]));
    });
  });

  it("writes JSON log lines with request ids when not on a terminal, and never logs the master key", async () => {
    const key = "ab".repeat(32);
    const proc = startProcess(["--data-dir", path.join(scratch, "json-logs")], { APPRUN_MASTER_KEY: key });
    const url = await proc.listening;
    await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
    await fetch(`${url}/api/v1/ping`, { headers: { "x-request-id": "from-client-1" } });
    await waitFor(async () => proc.lines.find((l) => l.requestId === "from-client-1"));
    proc.child.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(proc.lines.find((l) => l.requestId === "from-client-1")).toMatchObject({ route: "/api/v1/ping", status: 200, level: 30 });
    expect(JSON.stringify(proc.lines)).not.toContain(key);
  });

  it("keeps running with /readyz 503 while PostgreSQL is unreachable instead of crash-looping", async () => {
    const proc = startProcess(["--data-dir", path.join(scratch, "pg-down"), "--database-url", "postgres://postgres@127.0.0.1:1/test"]);
    const url = await proc.listening;
    await new Promise((r) => setTimeout(r, 1500));
    expect(proc.child.exitCode).toBeNull();
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect(proc.lines.some((l) => l.msg === "database unreachable, retrying" && l.level === 40)).toBe(true);
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });

  it("admin create makes an instance admin who can then sign in; bad input and duplicates exit 2", async () => {
    const dataDir = path.join(scratch, "admin-create");
    const created = await run([
      "admin",
      "create",
      "--email",
      "Root@Example.com",
      "--password",
      "correct horse battery",
      "--name",
      "Root",
      "--data-dir",
      dataDir,
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created instance admin root@example\.com \(acc_[0-9a-z]+\)\n$/);
    const duplicate = await run([
      "admin",
      "create",
      "--email",
      "root@example.com",
      "--password",
      "correct horse battery",
      "--data-dir",
      dataDir,
    ]);
    expect(duplicate).toMatchObject({ code: 2 });
    expect(duplicate.stderr).toMatch(/email_taken \(root@example\.com\)/);
    const weak = await run(["admin", "create", "--email", "x@example.com", "--password", "short", "--data-dir", dataDir]);
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/invalid_input \(password: /);
    expect((await run(["admin", "create", "--email", "x@example.com", "--data-dir", dataDir])).stderr).toMatch(
      /needs --email and --password/,
    );

    const proc = startProcess(["--data-dir", dataDir]);
    const url = await proc.listening;
    await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
    const signIn = await fetch(`${url}/trpc/accounts.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "root@example.com", password: "correct horse battery" }),
    });
    expect(signIn.status).toBe(200);
    expect(((await signIn.json()) as { result: { data: { account: { instanceAdmin: boolean } } } }).result.data.account.instanceAdmin).toBe(
      true,
    );
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });

  it("on PostgreSQL without the instance's key, a command fails and leaves no master.key or dataDir behind", async () => {
    const db = await createTestDatabase("postgres");
    try {
      const created = await run(
        ["admin", "create", "--database-url", db.url, "--email", "pg@example.com", "--name", "PG", "--password", "correct horse battery"],
        {
          env: { APPRUN_MASTER_KEY: "33".repeat(32) },
        },
      );
      expect(created.code, created.stderr).toBe(0);
      const cwd = fs.mkdtempSync(path.join(scratch, "no-key-"));
      const again = await run(
        ["admin", "create", "--database-url", db.url, "--email", "pg2@example.com", "--name", "PG", "--password", "correct horse battery"],
        { cwd },
      );
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/masterKey does not match/);
      expect(fs.readdirSync(cwd)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it("refuses to start (exit 2) with a master key other than the database's", async () => {
    const dataDir = path.join(scratch, "key-mismatch");
    const first = startProcess(["--data-dir", dataDir], { APPRUN_MASTER_KEY: "11".repeat(32) });
    const url = await first.listening;
    await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined));
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    const second = startProcess(["--data-dir", dataDir], { APPRUN_MASTER_KEY: "22".repeat(32) });
    expect(await second.exited).toBe(2);
    expect(second.lines.find((l) => l.level === 60)?.msg).toMatch(/masterKey does not match/);
  });
});
