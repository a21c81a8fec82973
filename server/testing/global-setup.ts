import { execFileSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { testPostgresUrl } from "./databases";

/**
 * Before integration tests: build the server bundle once (tests spawn `bin/apprun.mjs`) and make
 * sure PostgreSQL answers, so a missing database fails loudly instead of skipping suites.
 */
export default async function setup() {
  execFileSync(process.execPath, [path.resolve("bin/apprun.mjs"), "--version"], { stdio: "ignore" });
  const client = new pg.Client({ connectionString: testPostgresUrl(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (err) {
    throw new Error(`integration tests need PostgreSQL at ${testPostgresUrl()} (set TEST_DATABASE_URL): ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}
