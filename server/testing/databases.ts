import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export const DATABASE_KINDS = ["sqlite", "postgres"] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** The PostgreSQL test suites use: the machine's local server unless TEST_DATABASE_URL says otherwise. */
export function testPostgresUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
}

export interface TestDatabase {
  kind: DatabaseKind;
  /** A `databaseUrl` for apprun: a fresh SQLite file, or a fresh PostgreSQL schema. */
  url: string;
  /** A fresh directory for `dataDir` (master key, files). */
  dataDir: string;
  /** Drops the schema or deletes the files. */
  drop(): Promise<void>;
}

/** A database of its own for one test suite, so parallel runs never collide. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-test-"));
  if (kind === "sqlite") {
    return {
      kind,
      url: `sqlite:${path.join(dataDir, "apprun.db")}`,
      dataDir,
      async drop() {
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${crypto.randomBytes(6).toString("hex")}`;
  await withClient((c) => c.query(`create schema ${schema}`));
  const base = new URL(testPostgresUrl());
  base.searchParams.set("schema", schema);
  return {
    kind,
    url: base.toString(),
    dataDir,
    async drop() {
      await withClient((c) => c.query(`drop schema if exists ${schema} cascade`));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function withClient<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
