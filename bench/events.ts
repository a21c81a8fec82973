/**
 * Event center benchmark, per bus driver (embedded on SQLite, embedded on PostgreSQL, NATS
 * JetStream with SQLite for the system tables), each on a fresh test database / NATS prefix:
 *  - publish latency: sequential `POST …/events/topics/{t}/messages` over HTTP (one event, one
 *    connection), p50/p99; and the same through the service without HTTP (`events.messages.publish`),
 *    which is what the bus and validation cost;
 *  - sustained publish throughput: autocannon against the publish route, single events and
 *    batches of 50, in events/s;
 *  - consume throughput: a consumer group drains everything published, pulling 500 at a time
 *    and acking each batch, in events/s.
 * The app and the load generator share this one process (targets: publish p99 embedded < 5 ms,
 * NATS < 10 ms, service-level).
 *
 *   npm run bench:events [-- --latency 2000 --duration 5 --connections 10 --drivers sqlite,postgres,nats]
 */
import crypto from "node:crypto";
import autocannon from "autocannon";
import { SYSTEM_ACTOR } from "../server/platform/auth/actor";
import type { Kysely } from "kysely";
import pino from "pino";
import { createApp } from "../server/app";
import { configSchema } from "../server/platform/config/schema";
import { dropProjectNamespace, projectNamespace } from "../server/platform/db/project-namespace";
import type { TestApp } from "../server/testing/app";
import { createTestDatabase } from "../server/testing/databases";
import { deleteNatsStreams, testNatsUrl } from "../server/testing/bus";
import { eventsProject } from "../server/modules/events/test-helpers";
import { argNumber } from "./lib";

const latencyCount = argNumber("latency", 2000);
const duration = argNumber("duration", 5);
const connections = argNumber("connections", 10);
const driversArg = process.argv.indexOf("--drivers");
const drivers = (driversArg > 0 ? process.argv[driversArg + 1]! : "sqlite,postgres,nats").split(",");

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (v: number) => v.toFixed(2);

interface Row {
  driver: string;
  httpP50: number;
  httpP99: number;
  serviceP50: number;
  serviceP99: number;
  publishSingle: number;
  publishBatch: number;
  consume: number;
}

async function benchDriver(driver: string): Promise<Row> {
  const prefix = `b${crypto.randomBytes(5).toString("hex")}`;
  const t = await startQuietApp(
    driver === "postgres" ? "postgres" : "sqlite",
    driver === "nats" ? `${testNatsUrl()}?prefix=${prefix}` : undefined,
  );
  try {
    const p = await eventsProject(t, "bench");
    await p.manage.post("/topics", { name: "bench" });
    await p.manage.post("/topics/bench/groups", { name: "drain", start: "all" });
    const payload = {
      type: "bench.event",
      source: "/bench",
      data: { order: 42, customer: "c-123", items: [{ sku: "a", qty: 1 }], note: "x".repeat(100) },
    };
    const url = `${t.baseUrl}${p.base}/topics/bench/messages`;
    const headers = { authorization: `Bearer ${p.keys.publisher}`, "content-type": "application/json" };

    for (let i = 0; i < 200; i++) await fetch(url, { method: "POST", headers, body: JSON.stringify(payload) }).then((r) => r.arrayBuffer());
    const http: number[] = [];
    for (let i = 0; i < latencyCount; i++) {
      const start = performance.now();
      const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(payload) });
      await res.arrayBuffer();
      http.push(performance.now() - start);
      if (res.status !== 201) throw new Error(`publish answered ${res.status}`);
    }
    const service: number[] = [];
    for (let i = 0; i < latencyCount; i++) {
      const start = performance.now();
      await t.app.services.events.messages.publish(SYSTEM_ACTOR, { project: "bench", topic: "bench", events: [payload] });
      service.push(performance.now() - start);
    }
    http.sort((a, b) => a - b);
    service.sort((a, b) => a - b);

    const single = await autocannon({ url, method: "POST", headers, body: JSON.stringify(payload), connections, duration });
    const batch = await autocannon({
      url,
      method: "POST",
      headers,
      body: JSON.stringify(Array.from({ length: 50 }, () => payload)),
      connections,
      duration,
    });
    if (single.non2xx || batch.non2xx) console.warn(`  ${driver}: non-2xx answers: ${single.non2xx} single, ${batch.non2xx} batch`);

    // Drain the group: everything published above, pulling and acking in batches.
    const consumer = { authorization: `Bearer ${p.keys.manage}`, "content-type": "application/json" };
    const pullUrl = `${t.baseUrl}${p.base}/topics/bench/groups/drain/pull`;
    const ackUrl = `${t.baseUrl}${p.base}/topics/bench/groups/drain/ack`;
    let consumed = 0;
    const started = performance.now();
    for (;;) {
      const got = (await (
        await fetch(pullUrl, { method: "POST", headers: consumer, body: JSON.stringify({ max: 500, wait: 200 }) })
      ).json()) as { messages: Array<{ token: string }> };
      if (got.messages.length === 0) break;
      consumed += got.messages.length;
      const acked = await fetch(ackUrl, {
        method: "POST",
        headers: consumer,
        body: JSON.stringify({ tokens: got.messages.map((m) => m.token) }),
      });
      if (acked.status !== 200) throw new Error(`ack answered ${acked.status}`);
    }
    const consumeSeconds = (performance.now() - started - 200) / 1000;

    return {
      driver: driver === "nats" ? "NATS JetStream" : `embedded on ${driver === "postgres" ? "PostgreSQL" : "SQLite"}`,
      httpP50: percentile(http, 50),
      httpP99: percentile(http, 99),
      serviceP50: percentile(service, 50),
      serviceP99: percentile(service, 99),
      publishSingle: Math.round(single.requests.average),
      publishBatch: Math.round(batch.requests.average * 50),
      consume: Math.round(consumed / consumeSeconds),
    };
  } finally {
    await t.close();
    if (driver === "nats") await deleteNatsStreams(prefix).catch(() => {});
  }
}

/** Like the tests' app, with a logger that writes nothing (request logs would weigh on the numbers). */
async function startQuietApp(kind: "sqlite" | "postgres", busUrl?: string): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const config = configSchema.parse({
    port: 0,
    host: "127.0.0.1",
    dataDir: database.dataDir,
    databaseUrl: database.url,
    console: false,
    trustProxy: true,
    ...(busUrl ? { busUrl } : {}),
  });
  const app = await createApp({
    config,
    logger: pino({ level: "silent" }),
    masterKey: crypto.randomBytes(32),
    passwordParams: { ln: 10, r: 8, p: 1 },
  });
  const address = await app.listen();
  await app.ready;
  return {
    app,
    database,
    baseUrl: `http://127.0.0.1:${address.port}`,
    logs: [],
    async close() {
      if (kind === "postgres") {
        for (const { id } of await app.database.db.selectFrom("projects").select("id").execute())
          await dropProjectNamespace(app.database.db as Kysely<unknown>, projectNamespace("postgres", id)).catch(() => {});
      }
      await app.close();
      await database.drop();
    },
  };
}

const rows: Row[] = [];
for (const driver of drivers) {
  console.log(`… ${driver}`);
  rows.push(await benchDriver(driver));
}
console.log(`\nlatency: ${latencyCount} sequential publishes; throughput: ${connections} connections × ${duration} s\n`);
console.log(
  "| driver | publish HTTP p50 ms | publish HTTP p99 ms | publish service p50 ms | publish service p99 ms | publish events/s (single) | publish events/s (batches of 50) | consume events/s |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows)
  console.log(
    `| ${r.driver} | ${ms(r.httpP50)} | ${ms(r.httpP99)} | ${ms(r.serviceP50)} | ${ms(r.serviceP99)} | ${r.publishSingle} | ${r.publishBatch} | ${r.consume} |`,
  );
process.exit(0);
