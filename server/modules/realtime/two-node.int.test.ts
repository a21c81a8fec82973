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
import { deleteNatsStreams, testNatsUrl } from "../../testing/bus";
import { consoleClient } from "../../testing/console-client";
import { createTestDatabase, type TestDatabase } from "../../testing/databases";
import type { Actor } from "../data/types";
import { connectRealtime, quiet, type RealtimeClient } from "./test-client";

const PASSWORD = "correct horse battery";
const ADMIN: Actor = { type: "admin", id: "tester" };

interface Node {
  app: App;
  baseUrl: string;
}

/** One apprun node: its own process state and port, the cluster's database, bus and master key. */
async function startNode(databaseUrl: string, busUrl: string, masterKey: Buffer): Promise<Node> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-node-"));
  const config = configSchema.parse({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    databaseUrl,
    busUrl,
    console: false,
    trustProxy: true,
    publicUrl: "http://cluster.test",
  });
  const app = await createApp({ config, logger: pino({ level: "silent" }), masterKey, passwordParams: { ln: 10, r: 8, p: 1 } });
  const address = await app.listen();
  await app.ready;
  return { app, baseUrl: `http://127.0.0.1:${address.port}` };
}

/**
 * Two apprun nodes on one PostgreSQL schema, with NATS JetStream (unique prefix) or the embedded bus
 * (LISTEN/NOTIFY) between them: what is written or published on one node reaches realtime
 * subscribers on the other, with the same event ids, and presence is shared.
 */
describe.each([
  ["NATS JetStream", "nats"],
  ["the embedded bus on PostgreSQL", "embedded"],
] as const)("realtime across two nodes with %s", (_label, busKind) => {
  let db: TestDatabase;
  let a: Node;
  let b: Node;
  let prefix: string;
  let project: string;
  let token: string;
  let userId: string;
  const clients: RealtimeClient[] = [];

  async function subscriber(node: Node, channels: string[], lastEventId?: number): Promise<RealtimeClient> {
    const c = await connectRealtime(node.baseUrl);
    clients.push(c);
    expect(
      await c.request({ type: "auth", project: "cluster", token, ...(lastEventId !== undefined ? { lastEventId } : {}) }),
    ).toMatchObject({ type: "ok" });
    for (const channel of channels) expect(await c.request({ type: "subscribe", channel })).toMatchObject({ type: "ok" });
    return c;
  }

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    prefix = `t${crypto.randomBytes(5).toString("hex")}`;
    const busUrl = busKind === "nats" ? `${testNatsUrl()}?prefix=${prefix}` : "embedded";
    const masterKey = crypto.randomBytes(32);
    a = await startNode(db.url, busUrl, masterKey);
    b = await startNode(db.url, busUrl, masterKey);
    const owner = consoleClient(a.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
    project = (await owner.trpc.projects.create.mutate({ name: "Cluster", slug: "cluster" })).id;
    await a.app.services.data.schema.apply(
      project,
      {
        baseVersion: 0,
        schema: {
          collections: [
            {
              name: "notes",
              fields: [
                { name: "text", type: "text" },
                { name: "owner", type: "text" },
              ],
              rules: { view: "owner == auth.id" },
            },
          ],
        },
      },
      "tester",
    );
    await owner.trpc.realtime.channels.save.mutate({
      project: "cluster",
      name: "room",
      subscribeRule: "auth.id != null",
      publishRule: "auth.id != null",
      presence: true,
    });
    // Signed up on node B, verified on node A: the keys live in the shared database.
    const res = await fetch(`${b.baseUrl}/api/v1/projects/cluster/auth/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "user@example.com", password: PASSWORD }),
    });
    const body = (await res.json()) as { accessToken: string; user: { id: string } };
    token = body.accessToken;
    userId = body.user.id;
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await b?.app.close();
    if (a) {
      await dropProjectNamespace(a.app.database.db as Kysely<unknown>, projectNamespace("postgres", project)).catch(() => {});
      await a.app.close();
    }
    if (busKind === "nats") await deleteNatsStreams(prefix).catch(() => {});
    await db?.drop();
  });

  it("delivers a record written through node A to a WebSocket subscriber on node B, rule-checked, with the log's id", async () => {
    const onB = await subscriber(b, ["collections/notes"]);
    const onA = await subscriber(a, ["collections/notes"]);
    const mine = await a.app.services.data.records.create(project, "notes", { text: "from A", owner: userId }, ADMIN);
    const hidden = await a.app.services.data.records.create(project, "notes", { text: "someone else's", owner: "usr_other" }, ADMIN);
    const last = await a.app.services.data.records.create(project, "notes", { text: "last", owner: userId }, ADMIN);
    const atB = await onB.next((f) => f.type === "event" && f.record.id === last.id, { timeoutMs: 10_000 });
    const atA = await onA.next((f) => f.type === "event" && f.record.id === last.id, { timeoutMs: 10_000 });
    expect(atB.id).toBe(atA.id);
    expect(onB.events().map((f) => f.record.id)).toEqual([mine.id, last.id]);
    expect(onB.events()[0]).toMatchObject({ action: "created", collection: "notes", record: { text: "from A", owner: userId } });
    expect(JSON.stringify(onB.frames)).not.toContain(hidden.id);
  });

  it("resumes on node B from the id last seen on node A", async () => {
    const onA = await subscriber(a, ["collections/notes"]);
    const first = await a.app.services.data.records.create(project, "notes", { text: "seen", owner: userId }, ADMIN);
    const lastSeen = (await onA.next((f) => f.record?.id === first.id, { timeoutMs: 10_000 })).id as number;
    await onA.close();
    const missed: string[] = [];
    for (let i = 0; i < 10; i++)
      missed.push((await b.app.services.data.records.create(project, "notes", { text: `missed ${i}`, owner: userId }, ADMIN)).id);
    const onB = await subscriber(b, ["collections/notes"], lastSeen);
    expect(await onB.request({ type: "resume" })).toMatchObject({ type: "ok", replayed: 10 });
    expect(onB.events().map((f) => f.record.id)).toEqual(missed);
  });

  it("carries channel messages and presence between the nodes", async () => {
    const onA = await subscriber(a, []);
    expect((await onA.request({ type: "subscribe", channel: "channels/room" })).members).toHaveLength(1);
    const onB = await subscriber(b, []);
    const joined = await onB.request({ type: "subscribe", channel: "channels/room" });
    expect(joined.members.map((m: { connectionId: string }) => m.connectionId)).toEqual([
      onA.frames[0]!.connectionId,
      onB.frames[0]!.connectionId,
    ]);
    expect(await onA.next((f) => f.type === "presence" && f.action === "join", { timeoutMs: 10_000 })).toMatchObject({
      member: { connectionId: onB.frames[0]!.connectionId },
    });
    const sent = await onB.request({ type: "publish", channel: "channels/room", data: { hello: "from B" } });
    expect(await onA.next((f) => f.type === "message", { timeoutMs: 10_000 })).toMatchObject({
      id: sent.id,
      data: { hello: "from B" },
      from: { type: "user", id: userId },
    });
    await onB.close();
    expect(await onA.next((f) => f.type === "presence" && f.action === "leave", { timeoutMs: 10_000 })).toMatchObject({
      member: { connectionId: onB.frames[0]!.connectionId },
    });
    await quiet(50);
    expect((await onA.request({ type: "presence", channel: "channels/room" })).members).toHaveLength(1);
  });
});

/** NATS enforces a stream's message limit on every write, so retention can be shrunk and crossed at once. */
describe("realtime resume beyond retention (NATS)", () => {
  let db: TestDatabase;
  let node: Node;
  let prefix: string;
  let project: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    prefix = `t${crypto.randomBytes(5).toString("hex")}`;
    node = await startNode(db.url, `${testNatsUrl()}?prefix=${prefix}`, crypto.randomBytes(32));
    const owner = consoleClient(node.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
    project = (await owner.trpc.projects.create.mutate({ name: "Short", slug: "short" })).id;
    await node.app.services.data.schema.apply(
      project,
      { baseVersion: 0, schema: { collections: [{ name: "notes", fields: [{ name: "text", type: "text" }], rules: { view: "" } }] } },
      "tester",
    );
  });

  afterAll(async () => {
    if (node) {
      await dropProjectNamespace(node.app.database.db as Kysely<unknown>, projectNamespace("postgres", project)).catch(() => {});
      await node.app.close();
    }
    await deleteNatsStreams(prefix).catch(() => {});
    await db?.drop();
  });

  it("replays what is left and answers realtime_resume_gap with the oldest id kept", async () => {
    const first = await connectRealtime(node.baseUrl);
    const start = (await first.request({ type: "auth", project: "short" })).lastEventId as number;
    first.ws.terminate();
    // Keep only the last 5 events of the project's log.
    await node.app.bus.ensureStream({ name: `rt_${project}`, maxAgeMs: 24 * 3600_000, maxMsgs: 5 });
    const written: string[] = [];
    for (let i = 0; i < 12; i++) written.push((await node.app.services.data.records.create(project, "notes", { text: `n${i}` }, ADMIN)).id);
    const c = await connectRealtime(node.baseUrl);
    try {
      expect(await c.request({ type: "auth", project: "short", lastEventId: start })).toMatchObject({ type: "ok" });
      expect(await c.request({ type: "subscribe", channel: "collections/notes" })).toMatchObject({ type: "ok" });
      const reply = await c.request({ type: "resume" });
      expect(reply).toMatchObject({ type: "error", code: "realtime_resume_gap", details: { lastEventId: start, firstSeq: start + 8 } });
      expect(c.events().map((f) => f.record.id)).toEqual(written.slice(7));
      // Live delivery goes on.
      const later = await node.app.services.data.records.create(project, "notes", { text: "later" }, ADMIN);
      expect(await c.next((f) => f.type === "event" && f.record.id === later.id)).toMatchObject({ id: start + 13 });
    } finally {
      c.ws.terminate();
    }
  });

  it("app.close() closes open WebSocket (1001) and SSE connections and does not wait for them", async () => {
    const ws = await connectRealtime(node.baseUrl);
    expect(await ws.request({ type: "auth", project: "short" })).toMatchObject({ type: "ok" });
    const sse = await fetch(`${node.baseUrl}/realtime/sse`);
    const reader = sse.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    await dropProjectNamespace(node.app.database.db as Kysely<unknown>, projectNamespace("postgres", project));
    const started = Date.now();
    await node.app.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await ws.closed).toEqual({ code: 1001, reason: "realtime_shutting_down" });
    await ended;
    expect(text).toContain("event: close");
    expect(text).toContain("realtime_shutting_down");
  });
});
