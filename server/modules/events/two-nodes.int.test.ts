import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../app";
import { configSchema } from "../../platform/config/schema";
import { dropProjectNamespace, projectNamespace } from "../../platform/db/project-namespace";
import type { TestApp } from "../../testing/app";
import { deleteNatsStreams, testNatsUrl } from "../../testing/bus";
import { createTestDatabase, type TestDatabase } from "../../testing/databases";
import { eventsProject, webhookReceiver, type EventsProject } from "./test-helpers";

/** Node B: another apprun process on the same PostgreSQL schema and NATS prefix. */
function spawnNode(database: TestDatabase, busUrl: string, masterKey: Buffer): Promise<{ child: ChildProcess; baseUrl: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-node-b-"));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "server/testing/events-node.ts", database.url, busUrl, masterKey.toString("hex"), dataDir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`node B did not start: ${err}`)), 60_000);
    child.stderr!.on("data", (c) => (err += c));
    child.stdout!.on("data", (c) => {
      out += c;
      const match = /port (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, baseUrl: `http://127.0.0.1:${match[1]}` });
      }
    });
    child.on("exit", (code) => reject(new Error(`node B exited (${code}): ${err}`)));
  });
}

describe("event center across two apprun processes on one PostgreSQL and NATS", () => {
  const prefix = `t${crypto.randomBytes(5).toString("hex")}`;
  const busUrl = `${testNatsUrl()}?prefix=${prefix}`;
  const masterKey = crypto.randomBytes(32);
  let database: TestDatabase;
  let app: App;
  let a: TestApp;
  let b: { child: ChildProcess; baseUrl: string } | undefined;
  let p: EventsProject;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const config = configSchema.parse({
      port: 0,
      host: "127.0.0.1",
      dataDir: database.dataDir,
      databaseUrl: database.url,
      busUrl,
      console: false,
      trustProxy: true,
    });
    app = await createApp({ config, logger: pino({ level: "silent" }), masterKey, passwordParams: { ln: 10, r: 8, p: 1 } });
    const address = await app.listen();
    await app.ready;
    a = { app, database, baseUrl: `http://127.0.0.1:${address.port}`, logs: [], close: async () => {} };
    p = await eventsProject(a);
    b = await spawnNode(database, busUrl, masterKey);
  }, 90_000);

  afterAll(async () => {
    if (b?.child.exitCode === null) b.child.kill("SIGKILL");
    if (app) {
      for (const { id } of await app.database.db
        .selectFrom("projects")
        .select("id")
        .execute()
        .catch(() => []))
        await dropProjectNamespace(app.database.db as Kysely<unknown>, projectNamespace("postgres", id)).catch(() => {});
      await app.close();
    }
    await database?.drop();
    await deleteNatsStreams(prefix);
  });

  /** The same API key, calling node B. */
  const onB = (method: string, route: string, body?: unknown) =>
    fetch(`${b!.baseUrl}${p.base}${route}`, {
      method,
      headers: { authorization: `Bearer ${p.keys.manage}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it("publishes on A and consumes on B; a record written on A reaches a group on B once; webhooks go out once; a consumer killed before its ack leads to redelivery; killing a node loses no event it acknowledged", async () => {
    const api = p.manage;
    expect((await api.post("/topics", { name: "orders" })).status).toBe(201);
    expect((await onB("POST", "/topics/orders/groups", { name: "shipping", ackWaitMs: 1500 })).status).toBe(201);

    // A long poll on B wakes when A publishes.
    const waiting = onB("POST", "/topics/orders/groups/shipping/pull", { max: 10, wait: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const published = await api.post("/topics/orders/messages", { type: "order.placed", id: "o-1", data: { order: 1 } });
    const got = await waiting;
    expect(got.body.messages).toMatchObject([{ seq: published.body.seq, deliveries: 1, event: { id: "o-1", data: { order: 1 } } }]);
    expect((await onB("POST", "/topics/orders/groups/shipping/ack", { tokens: [got.body.messages[0].token] })).body).toEqual({ acked: 1 });
    expect((await api.get("/topics/orders/groups/shipping")).body.lag).toEqual({ pending: 0, unacked: 0 });

    // A record written through the data module on A: both nodes hear the change, the topic keeps one copy.
    const data = a.app.services.data;
    await data.schema.apply(
      p.project.id,
      {
        baseVersion: (await data.schema.get(p.project.id)).version,
        schema: { collections: [{ name: "posts", fields: [{ name: "title", type: "text" }] }] },
      },
      "tester",
    );
    expect((await onB("POST", "/topics/records.posts/groups", { name: "search" })).status).toBe(201);
    const record = await data.records.create(p.project.id, "posts", { title: "From A" }, { type: "admin", id: "tester" });
    const change = await onB("POST", "/topics/records.posts/groups/search/pull", { max: 10, wait: 10_000 });
    expect(change.body.messages).toMatchObject([
      { event: { type: "apprun.record.created", subject: record.id, data: { record: { title: "From A" } } } },
    ]);
    await onB("POST", "/topics/records.posts/groups/search/ack", { tokens: [change.body.messages[0].token] });
    await new Promise((r) => setTimeout(r, 500));
    expect((await api.get("/topics/records.posts")).body.stats.messages).toBe(1);
    expect((await onB("POST", "/topics/records.posts/groups/search/pull", { max: 10, wait: 300 })).body.messages).toEqual([]);

    // A webhook is pulled by both nodes; each event goes out once.
    const receiver = await webhookReceiver();
    try {
      await api.post("/topics", { name: "notify" });
      expect((await onB("POST", "/webhooks", { topic: "notify", url: receiver.url })).status).toBe(201);
      // Both nodes pick the new webhook up within their 3 s sync.
      await new Promise((r) => setTimeout(r, 3500));
      await api.post(
        "/topics/notify/messages",
        Array.from({ length: 20 }, (_, i) => ({ type: "note", id: `n-${i}` })),
      );
      await receiver.waitFor(20);
      await new Promise((r) => setTimeout(r, 1000));
      const ids = receiver.received.map((r) => JSON.parse(r.body).id as string);
      expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `n-${i}`).sort());
    } finally {
      await receiver.close();
    }

    // Events whose publish B acknowledged survive B's death: 50 published through B, one at a time.
    expect((await api.post("/topics", { name: "ledger" })).status).toBe(201);
    expect((await api.post("/topics/ledger/groups", { name: "audit" })).status).toBe(201);
    for (let i = 0; i < 50; i++) expect((await onB("POST", "/topics/ledger/messages", { type: "entry", id: `l-${i}` })).status).toBe(201);

    // A consumer on B takes an event and B dies before the ack: the event comes back, on A.
    await api.post("/topics/orders/messages", { type: "order.placed", id: "o-2", data: { order: 2 } });
    const leased = await onB("POST", "/topics/orders/groups/shipping/pull", { max: 10, wait: 5000 });
    expect(leased.body.messages).toMatchObject([{ event: { id: "o-2" }, deliveries: 1 }]);
    const exited = new Promise((r) => b!.child.once("exit", r));
    b!.child.kill("SIGKILL");
    await exited;
    expect((await api.post("/topics/orders/groups/shipping/pull", { max: 10 })).body.messages).toEqual([]);
    const again = await api.post("/topics/orders/groups/shipping/pull", { max: 10, wait: 5000 });
    expect(again.body.messages).toMatchObject([{ event: { id: "o-2" }, deliveries: 2 }]);
    await api.post("/topics/orders/groups/shipping/ack", { tokens: [again.body.messages[0].token] });
    expect((await api.get("/topics/orders/groups/shipping")).body.lag).toEqual({ pending: 0, unacked: 0 });

    // Every event B acknowledged before it was killed is there for a consumer on A, in order.
    const ledger: string[] = [];
    for (let round = 0; round < 10 && ledger.length < 50; round++) {
      const batch = await api.post("/topics/ledger/groups/audit/pull", { max: 50, wait: 2000 });
      ledger.push(...batch.body.messages.map((m: { event: { id: string } }) => m.event.id));
      if (batch.body.messages.length > 0)
        await api.post("/topics/ledger/groups/audit/ack", { tokens: batch.body.messages.map((m: { token: string }) => m.token) });
    }
    expect(ledger).toEqual(Array.from({ length: 50 }, (_, i) => `l-${i}`));
  }, 90_000);
});
