import { execFileSync } from "node:child_process";
import path from "node:path";
import net from "node:net";
import pg from "pg";
import { parseNatsUrl } from "../platform/bus/nats-url";
import { testNatsUrl } from "./bus";
import { testPostgresUrl } from "./databases";

/**
 * Before integration tests: build the server bundle once (tests spawn `bin/apprun.mjs`) and make
 * sure PostgreSQL and NATS answer, so a missing server fails loudly instead of skipping suites.
 */
export default async function setup() {
  execFileSync(process.execPath, [path.resolve("bin/apprun.mjs"), "--version"], { stdio: "ignore" });
  const client = new pg.Client({ connectionString: testPostgresUrl(), connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (err) {
    throw new Error(`integration tests need PostgreSQL at ${testPostgresUrl()} (set TEST_DATABASE_URL): ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    await client.end().catch(() => {});
  }
  await checkNats();
}

async function checkNats(): Promise<void> {
  const target = parseNatsUrl(testNatsUrl());
  if (typeof target === "string") throw new Error(`TEST_NATS_URL ${target}`);
  const [host, port] = [target.servers[0]!.replace(/:\d+$/, ""), Number(target.servers[0]!.match(/:(\d+)$/)![1])];
  const info = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ""), port, timeout: 5000 });
    socket.once("data", (chunk) => (socket.destroy(), resolve(chunk.toString())));
    socket.once("timeout", () => (socket.destroy(), reject(new Error("timed out"))));
    socket.once("error", reject);
  }).catch((err: Error) => {
    throw new Error(`integration tests need NATS at ${testNatsUrl()} (set TEST_NATS_URL): ${err.message}`);
  });
  if (!/"jetstream":true/.test(info)) throw new Error(`integration tests need JetStream enabled on the NATS server at ${testNatsUrl()}`);
}
