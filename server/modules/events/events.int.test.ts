import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../testing/app";
import { deleteNatsStreams, testNatsUrl } from "../../testing/bus";
import { consoleClient, failure } from "../../testing/console-client";
import { DATABASE_KINDS, type DatabaseKind } from "../../testing/databases";
import { errorOf, eventsProject, eventually, PASSWORD, webhookReceiver, type Caller, type EventsProject } from "./test-helpers";

/** Consumer groups end to end over HTTP: the same scenario on the embedded bus and on JetStream. */
function consumerGroupSuite(setup: () => { t: TestApp; p: EventsProject }) {
  it("pulls with a long poll, acks, and reports lag", async () => {
    const { p } = setup();
    const api = p.manage;
    expect((await api.post("/topics", { name: "orders" })).status).toBe(201);
    const group = await api.post("/topics/orders/groups", { name: "billing", ackWaitMs: 30_000 });
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({ name: "billing", topic: "orders", lag: { pending: 0, unacked: 0 } });

    // A waiting pull returns as soon as an event arrives.
    const started = Date.now();
    const waiting = api.post("/topics/orders/groups/billing/pull", { max: 10, wait: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    const published = await p
      .as(p.keys.publisher!)
      .post("/topics/orders/messages", { type: "order.created", source: "/shop", data: { n: 1 } });
    expect(published.status).toBe(201);
    const pulled = await waiting;
    expect(Date.now() - started).toBeLessThan(4000);
    expect(pulled.status).toBe(200);
    expect(pulled.body.messages).toHaveLength(1);
    const [m] = pulled.body.messages;
    expect(m).toMatchObject({
      seq: published.body.seq,
      deliveries: 1,
      event: { type: "order.created", data: { n: 1 }, specversion: "1.0" },
    });

    await api.post("/topics/orders/messages", [
      { type: "order.created", data: { n: 2 } },
      { type: "order.paid", data: { n: 3 } },
    ]);
    expect((await api.get("/topics/orders/groups/billing")).body.lag).toEqual({ pending: 2, unacked: 1 });
    expect((await api.post("/topics/orders/groups/billing/ack", { tokens: [m.token] })).body).toEqual({ acked: 1 });
    const rest = await api.post("/topics/orders/groups/billing/pull", { max: 10 });
    expect(rest.body.messages.map((x: { event: { data: { n: number } } }) => x.event.data.n)).toEqual([2, 3]);
    await api.post("/topics/orders/groups/billing/ack", { tokens: rest.body.messages.map((x: { token: string }) => x.token) });
    expect((await api.get("/topics/orders/groups/billing")).body.lag).toEqual({ pending: 0, unacked: 0 });
    expect((await api.post("/topics/orders/groups/billing/pull", { max: 10, wait: 100 })).body.messages).toEqual([]);

    // Reading a group needs events:read; a publisher-only key cannot pull.
    expect(errorOf(await p.as(p.keys.publisher!).post("/topics/orders/groups/billing/pull", {}))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(errorOf(await api.post("/topics/orders/groups/nope/pull", {}))).toEqual({ status: 404, code: "event_group_not_found" });
    expect(errorOf(await api.post("/topics/orders/groups/billing/pull", { max: 0 }))).toEqual({ status: 400, code: "invalid_input" });
    expect(errorOf(await api.post("/topics/orders/groups/billing/ack", { tokens: ["garbage"] }))).toEqual({
      status: 400,
      code: "bus_invalid_token",
    });
  });

  it("redelivers after the ack deadline with backoff, on nack (with delay), and dead-letters after maxDeliveries", async () => {
    const { p } = setup();
    const api = p.manage;
    await api.post("/topics", { name: "jobs-dead" });
    await api.post("/topics", { name: "jobs", deadLetterTopic: "jobs-dead" });
    await api.post("/topics/jobs/groups", { name: "workers", backoffMs: [300, 600], maxDeliveries: 3 });
    await api.post("/topics/jobs/messages", { id: "job-1", type: "job.run", data: { job: 1 } });

    const first = (await api.post("/topics/jobs/groups/workers/pull", { max: 1 })).body.messages;
    expect(first).toMatchObject([{ deliveries: 1, event: { id: "job-1" } }]);
    // Nobody else gets it while the lease holds…
    expect((await api.post("/topics/jobs/groups/workers/pull", { max: 1 })).body.messages).toEqual([]);
    // …and after the first deadline (300 ms) it comes back.
    const second = (await api.post("/topics/jobs/groups/workers/pull", { max: 1, wait: 3000 })).body.messages;
    expect(second).toMatchObject([{ deliveries: 2, event: { id: "job-1" } }]);
    // A nack with a delay hands it back later, not at once.
    expect((await api.post("/topics/jobs/groups/workers/nack", { tokens: [second[0].token], delayMs: 400 })).body).toEqual({ nacked: 1 });
    expect((await api.post("/topics/jobs/groups/workers/pull", { max: 1 })).body.messages).toEqual([]);
    const third = (await api.post("/topics/jobs/groups/workers/pull", { max: 1, wait: 3000 })).body.messages;
    expect(third).toMatchObject([{ deliveries: 3 }]);
    await api.post("/topics/jobs/groups/workers/nack", { tokens: [third[0].token] });

    // Three deliveries without an ack: the event goes to the dead-letter topic.
    const dead = await eventually(async () => {
      await api.post("/topics/jobs/groups/workers/pull", { max: 1, wait: 200 });
      const read = await api.get("/topics/jobs-dead/messages?afterSeq=0");
      return read.body.messages.length > 0 ? read.body.messages : null;
    });
    expect(dead[0].event).toMatchObject({ id: "job-1", type: "job.run", data: { job: 1 }, deadlettergroup: "workers" });
    // Sent back (redriven) to the topic it came from: the group gets it again, as a new event.
    const redriven = await api.post(`/topics/jobs-dead/messages/${dead[0].seq}/redrive`);
    expect(redriven.body).toMatchObject({ topic: "jobs", id: `job-1~redrive-${dead[0].seq}`, duplicate: false });
    const back = (await api.post("/topics/jobs/groups/workers/pull", { max: 1, wait: 3000 })).body.messages;
    expect(back).toMatchObject([{ deliveries: 1, event: { id: `job-1~redrive-${dead[0].seq}`, type: "job.run", data: { job: 1 } } }]);
    expect(back[0].event.deadlettergroup).toBeUndefined();
    await api.post("/topics/jobs/groups/workers/ack", { tokens: [back[0].token] });
    expect(errorOf(await api.post("/topics/jobs/messages/1/redrive"))).toEqual({ status: 400, code: "event_not_dead_letter" });
    expect(errorOf(await api.post("/topics/jobs-dead/messages/999/redrive"))).toEqual({ status: 410, code: "event_not_retained" });
    expect(errorOf(await p.as(p.keys.reader!).post(`/topics/jobs-dead/messages/${dead[0].seq}/redrive`))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect((await api.get("/topics/jobs/groups/workers")).body.lag).toEqual({ pending: 0, unacked: 0 });
    // A topic in use as a dead-letter topic cannot go.
    expect(errorOf(await api.delete("/topics/jobs-dead"))).toEqual({ status: 409, code: "event_topic_in_use" });
  });

  it("replays a group from a sequence and from a time; filters by type", async () => {
    const { p } = setup();
    const api = p.manage;
    await api.post("/topics", { name: "audit" });
    const batch = await api.post("/topics/audit/messages", {
      events: [1, 2, 3].map((n) => ({ type: n === 2 ? "audit.login" : "audit.change", data: { n } })),
    });
    expect(batch.status).toBe(201);
    expect(batch.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await api.post("/topics/audit/messages", { type: "audit.change", data: { n: 4 } });

    await api.post("/topics/audit/groups", { name: "all" });
    const drain = async (group: string) => {
      const got = (await api.post(`/topics/audit/groups/${group}/pull`, { max: 100 })).body.messages;
      if (got.length) await api.post(`/topics/audit/groups/${group}/ack`, { tokens: got.map((m: { token: string }) => m.token) });
      return got.map((m: { event: { data: { n: number } } }) => m.event.data.n);
    };
    expect(await drain("all")).toEqual([1, 2, 3, 4]);
    expect((await api.post("/topics/audit/groups/all/seek", { afterSeq: 2 })).status).toBe(200);
    expect(await drain("all")).toEqual([3, 4]);
    await api.post("/topics/audit/groups/all/seek", { fromTime: between });
    expect(await drain("all")).toEqual([4]);
    expect(errorOf(await api.post("/topics/audit/groups/all/seek", {}))).toEqual({ status: 400, code: "invalid_input" });

    await api.post("/topics/audit/groups", { name: "logins", filter: "audit.login" });
    expect(await drain("logins")).toEqual([2]);
    expect(errorOf(await api.post("/topics/audit/groups", { name: "bad", filter: "a.>.b" }))).toEqual({
      status: 400,
      code: "bus_invalid_pattern",
    });
    expect(errorOf(await api.post("/topics/audit/groups", { name: "all" }))).toEqual({ status: 409, code: "event_group_exists" });

    expect((await api.delete("/topics/audit/groups/logins")).status).toBe(204);
    expect((await api.get("/topics/audit/groups")).body.groups.map((g: { name: string }) => g.name)).toEqual(["all"]);
  });
}

describe.each(DATABASE_KINDS)("event center on %s (embedded bus)", (kind: DatabaseKind) => {
  let t: TestApp;
  let p: EventsProject;
  let api: Caller;

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { trustProxy: true } });
    p = await eventsProject(t);
    api = p.manage;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("takes CloudEvents in each mode of the HTTP binding: structured, batch, and binary (ce-* headers)", async () => {
    await api.post("/topics", { name: "binding" });
    const send = (body: string | Blob, headers: Record<string, string>) =>
      fetch(`${t.baseUrl}${p.base}/topics/binding/messages`, {
        method: "POST",
        body,
        headers: { authorization: `Bearer ${p.keys.manage}`, ...headers },
      });
    const structured = await send(
      JSON.stringify({ specversion: "1.0", id: "s-1", source: "/shop", type: "order.placed", data: { n: 1 } }),
      {
        "content-type": "application/cloudevents+json; charset=utf-8",
      },
    );
    expect(structured.status).toBe(201);
    const batch = await send(
      JSON.stringify([
        { specversion: "1.0", id: "b-1", source: "/shop", type: "order.paid" },
        { specversion: "1.0", id: "b-2", source: "/shop", type: "order.shipped" },
      ]),
      { "content-type": "application/cloudevents-batch+json" },
    );
    expect(batch.status).toBe(201);
    expect(((await batch.json()) as { messages: unknown[] }).messages).toHaveLength(2);
    const binaryJson = await send(JSON.stringify({ total: 12 }), {
      "content-type": "application/json",
      "ce-specversion": "1.0",
      "ce-id": "bin-1",
      "ce-source": "/shop",
      "ce-type": "order.totalled",
      "ce-subject": "order%2F42",
      "ce-tenant": "eu",
    });
    expect(binaryJson.status).toBe(201);
    const binaryText = await send("plain words", {
      "content-type": "text/plain",
      "ce-specversion": "1.0",
      "ce-id": "bin-2",
      "ce-source": "/shop",
      "ce-type": "note",
    });
    expect(binaryText.status).toBe(201);
    const binaryBytes = await send(new Blob([new Uint8Array([0, 1, 2, 255])]), {
      "content-type": "application/octet-stream",
      "ce-specversion": "1.0",
      "ce-id": "bin-3",
      "ce-source": "/shop",
      "ce-type": "blob",
    });
    expect(binaryBytes.status).toBe(201);
    const read = (await api.get("/topics/binding/messages?limit=10")).body as { messages: Array<{ event: Record<string, unknown> }> };
    const byId = new Map(read.messages.map((m) => [m.event.id, m.event]));
    expect([...byId.keys()]).toEqual(["s-1", "b-1", "b-2", "bin-1", "bin-2", "bin-3"]);
    expect(byId.get("bin-1")).toMatchObject({
      type: "order.totalled",
      subject: "order/42",
      tenant: "eu",
      datacontenttype: "application/json",
      data: { total: 12 },
    });
    expect(byId.get("bin-2")).toMatchObject({ datacontenttype: "text/plain", data: "plain words" });
    expect(byId.get("bin-3")).toMatchObject({
      datacontenttype: "application/octet-stream",
      data_base64: Buffer.from([0, 1, 2, 255]).toString("base64"),
    });
    // Not JSON and not binary mode: refused with its content type named; a binary-mode event without its required attributes: 400.
    expect((await send("x", { "content-type": "text/plain" })).status).toBe(415);
    const missing = await send("{}", { "content-type": "application/json", "ce-specversion": "1.0", "ce-source": "/shop" });
    expect(missing.status).toBe(400);
  });

  it("creates, lists, describes, changes and deletes topics", async () => {
    const created = await api.post("/topics", {
      name: "invoices",
      description: "Issued invoices",
      maxAgeMs: 86_400_000,
      maxBytes: 1_048_576,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "invoices",
      kind: "user",
      maxAgeMs: 86_400_000,
      maxBytes: 1_048_576,
      createdBy: "key:manage",
      stats: { messages: 0, lastSeq: 0 },
    });
    expect(errorOf(await api.post("/topics", { name: "invoices" }))).toEqual({ status: 409, code: "event_topic_exists" });
    expect(errorOf(await api.post("/topics", { name: "bad name!" }))).toEqual({ status: 400, code: "invalid_input" });
    expect(errorOf(await api.post("/topics", { name: "x", maxAgeMs: 5 }))).toEqual({ status: 400, code: "invalid_input" });
    expect(errorOf(await api.post("/topics", { name: "x", deadLetterTopic: "missing" }))).toEqual({
      status: 400,
      code: "event_dead_letter_invalid",
    });
    expect(errorOf(await p.as(p.keys.reader!).post("/topics", { name: "y" }))).toEqual({ status: 403, code: "forbidden" });

    expect((await api.get("/topics")).body.topics.map((x: { name: string }) => x.name)).toContain("invoices");
    const changed = await api.patch("/topics/invoices", { maxAgeMs: null, maxBytes: 2048 });
    expect(changed.body).toMatchObject({ maxAgeMs: null, maxBytes: 2048, description: "Issued invoices" });
    expect((await p.as(p.keys.reader!).get("/topics/invoices")).body.name).toBe("invoices");
    expect((await api.delete("/topics/invoices")).status).toBe(204);
    expect(errorOf(await api.get("/topics/invoices"))).toEqual({ status: 404, code: "event_topic_not_found" });
    expect(errorOf(await api.delete("/topics/invoices"))).toEqual({ status: 404, code: "event_topic_not_found" });
  });

  it("hands retention limits to the topic's stream (the bus enforces them, see its contract tests)", async () => {
    await api.post("/topics", { name: "small", maxBytes: 2048, maxAgeMs: 60_000 });
    const stream = async () => {
      const row = await t.app.database.db
        .selectFrom("apprun_events_topic")
        .select("stream")
        .where("project_id", "=", p.project.id)
        .where("name", "=", "small")
        .executeTakeFirstOrThrow();
      return (await t.app.bus.streamInfo(row.stream))!;
    };
    expect(await stream()).toMatchObject({ maxBytes: 2048, maxAgeMs: 60_000 });
    await api.patch("/topics/small", { maxAgeMs: null, maxBytes: 4096 });
    expect(await stream()).toMatchObject({ maxBytes: 4096, maxAgeMs: null });
    for (let i = 0; i < 3; i++) await api.post("/topics/small/messages", { type: "t", data: { i } });
    expect((await api.get("/topics/small")).body.stats).toMatchObject({ firstSeq: 1, lastSeq: 3, messages: 3 });
  });

  it("publishes CloudEvents singly and in batches, and names what is wrong", async () => {
    await api.post("/topics", { name: "payments" });
    const pub = p.as(p.keys.publisher!);
    const one = await pub.post("/topics/payments/messages", {
      type: "payment.captured",
      source: "/pay",
      id: "pay-1",
      subject: "order-9",
      data: { amount: 12 },
      traceparent: "00-abc",
    });
    expect(one.status).toBe(201);
    expect(one.body).toEqual({ id: "pay-1", seq: 1, duplicate: false });
    // The same id again is stored once.
    expect((await pub.post("/topics/payments/messages", { type: "payment.captured", source: "/pay", id: "pay-1" })).body).toEqual({
      id: "pay-1",
      seq: 1,
      duplicate: true,
    });
    const batch = await pub.post("/topics/payments/messages", { events: [{ type: "a" }, { type: "b", data: "text" }] });
    expect(batch.body.messages.map((m: { seq: number }) => m.seq)).toEqual([2, 3]);

    const read = await p.as(p.keys.reader!).get("/topics/payments/messages?afterSeq=0&limit=10");
    expect(read.body.messages[0].event).toMatchObject({
      specversion: "1.0",
      id: "pay-1",
      source: "/pay",
      subject: "order-9",
      type: "payment.captured",
      datacontenttype: "application/json",
      data: { amount: 12 },
      traceparent: "00-abc",
      projectid: p.project.id,
    });
    expect(read.body.messages[1].event.source).toBe(`/projects/${p.project.id}/events/topics/payments`);

    const bad = async (body: unknown) => errorOf(await pub.post("/topics/payments/messages", body));
    expect(await bad({ source: "/x" })).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad({ type: "x", specversion: "0.3" })).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad({ type: "x", time: "yesterday" })).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad({ type: "x", "Bad-Ext": 1 })).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad({ type: "x", nested: { a: 1 } })).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad({ type: "x", data: 1, data_base64: "AA==" })).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad({ type: "x", projectid: "prj_other" })).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad("just a string")).toEqual({ status: 400, code: "event_invalid" });
    expect(await bad([])).toEqual({ status: 400, code: "invalid_input" });
    // One bad event in a batch: nothing of the batch is stored.
    const mixed = await pub.post("/topics/payments/messages", [{ type: "ok" }, { type: "" }]);
    expect(errorOf(mixed)).toEqual({ status: 400, code: "event_invalid" });
    expect(mixed.body.error.details.index).toBe(1);
    expect(await bad({ type: "x", data: "y".repeat(300 * 1024) })).toEqual({ status: 413, code: "event_payload_too_large" });
    expect(await bad(Array.from({ length: 101 }, () => ({ type: "x" })))).toEqual({ status: 413, code: "event_batch_too_large" });
    expect(await bad({ type: "x", data: "y".repeat(2 * 1024 * 1024) })).toEqual({ status: 413, code: "payload_too_large" });
    expect((await api.get("/topics/payments")).body.stats.lastSeq).toBe(3);

    expect(errorOf(await pub.post("/topics/nope/messages", { type: "x" }))).toEqual({ status: 404, code: "event_topic_not_found" });
    expect(errorOf(await p.as(p.keys.reader!).post("/topics/payments/messages", { type: "x" }))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(errorOf(await p.as(p.keys.none!).get("/topics/payments/messages"))).toEqual({ status: 403, code: "forbidden" });
    expect(errorOf(await p.rest.call("POST", `${p.base}/topics/payments/messages`, { body: { type: "x" } }))).toEqual({
      status: 401,
      code: "api_key_required",
    });
    // Errors speak the caller's language.
    const zh = await p.rest.call("POST", `${p.base}/topics/nope/messages`, {
      token: p.keys.publisher!,
      body: { type: "x" },
      headers: { "accept-language": "zh-CN" },
    });
    expect(zh.body.error.message).toBe("此项目中没有主题 nope");
  });

  it("limits publishing and reading by role lists for console members", async () => {
    const { owner } = p;
    await owner.trpc.events.topics.create.mutate({
      project: "shop",
      name: "restricted",
      publishRoles: ["admin"],
      subscribeRoles: ["admin", "viewer"],
    });
    await owner.trpc.instance.createAccount.mutate({ email: "dev@example.com", name: "Dev", password: PASSWORD });
    const devId = (await t.app.services.accounts.findByEmail("dev@example.com"))!.id;
    await t.app.services.projects.join(p.project.id, devId, "developer");
    const dev = consoleClient(t.baseUrl);
    await dev.trpc.accounts.signIn.mutate({ email: "dev@example.com", password: PASSWORD });

    expect(
      await failure(dev.trpc.events.messages.publish.mutate({ project: "shop", topic: "restricted", events: [{ type: "x" }] })),
    ).toMatchObject({ code: "event_topic_forbidden", status: 403 });
    expect(await failure(dev.trpc.events.messages.list.query({ project: "shop", topic: "restricted" }))).toMatchObject({
      code: "event_topic_forbidden",
      status: 403,
    });
    // The owner may; the developer may on an open topic.
    expect(
      await owner.trpc.events.messages.publish.mutate({ project: "shop", topic: "restricted", events: [{ type: "x" }] }),
    ).toMatchObject([{ seq: 1 }]);
    await owner.trpc.events.topics.create.mutate({ project: "shop", name: "open" });
    expect(await dev.trpc.events.messages.publish.mutate({ project: "shop", topic: "open", events: [{ type: "x" }] })).toMatchObject([
      { seq: 1 },
    ]);
    // Opening the topic up lifts the limit.
    await owner.trpc.events.topics.update.mutate({ project: "shop", topic: "restricted", publishRoles: null });
    expect(await dev.trpc.events.messages.publish.mutate({ project: "shop", topic: "restricted", events: [{ type: "x" }] })).toMatchObject([
      { seq: 2 },
    ]);
  });

  it("feeds records written through the data module into records.<collection>, read-only", async () => {
    await t.app.services.data.schema.apply(
      p.project.id,
      {
        baseVersion: (await t.app.services.data.schema.get(p.project.id)).version,
        schema: { collections: [{ name: "posts", fields: [{ name: "title", type: "text" }] }] },
      },
      "tester",
    );
    // The system topic exists as soon as the collection does.
    expect((await api.get("/topics")).body.topics).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "records.posts", kind: "system" })]),
    );
    expect((await api.post("/topics/records.posts/groups", { name: "indexer" })).status).toBe(201);

    const record = await t.app.services.data.records.create(p.project.id, "posts", { title: "Hello" }, { type: "admin", id: "tester" });
    await t.app.services.data.records.update(p.project.id, "posts", record.id, { title: "Hello again" }, { type: "admin", id: "tester" });
    await t.app.services.events.flush();
    const got = (await api.post("/topics/records.posts/groups/indexer/pull", { max: 10, wait: 3000 })).body.messages;
    expect(got.map((m: { event: { type: string } }) => m.event.type)).toEqual(["apprun.record.created", "apprun.record.updated"]);
    expect(got[0].event).toMatchObject({
      subject: record.id,
      projectid: p.project.id,
      data: { collection: "posts", action: "created", record: { id: record.id, title: "Hello" } },
    });

    expect(errorOf(await api.post("/topics/records.posts/messages", { type: "x" }))).toEqual({
      status: 403,
      code: "event_topic_read_only",
    });
    expect(errorOf(await api.delete("/topics/records.posts"))).toEqual({ status: 403, code: "event_topic_read_only" });
    expect(errorOf(await api.patch("/topics/records.posts", { publishRoles: ["admin"] }))).toEqual({
      status: 403,
      code: "event_topic_read_only",
    });
    expect((await api.patch("/topics/records.posts", { maxAgeMs: 3_600_000 })).body.maxAgeMs).toBe(3_600_000);
    expect(errorOf(await api.get("/topics/records.nothing"))).toEqual({ status: 404, code: "event_topic_not_found" });
  });

  it("keeps a write's record events with the write: in the topic and the realtime log as it returns (SQLite: in its own transaction); a failed batch stores none", async () => {
    const current = await t.app.services.data.schema.get(p.project.id);
    const notes = { name: "notes", fields: [{ name: "text", type: "text", required: true }] };
    await t.app.services.data.schema.apply(
      p.project.id,
      { baseVersion: current.version, schema: { collections: [...current.schema.collections, notes] } as never },
      "tester",
    );
    expect((await api.get("/topics")).body.topics).toEqual(expect.arrayContaining([expect.objectContaining({ name: "records.notes" })]));
    const admin = { type: "admin", id: "tester" } as const;
    const topic = async () =>
      ((await api.get("/topics/records.notes/messages")).body.messages as Array<{ event: { subject: string; type: string } }>).map(
        (m) => `${m.event.type} ${m.event.subject}`,
      );
    const log = async () =>
      (await t.app.bus.read(`rt_${p.project.id}`, { afterSeq: 0 }, { limit: 1000 }))
        .filter((e) => e.subject.includes(".rec.notes."))
        .map((e) => `${e.event.type} ${(e.event.data as { id: string }).id}`);

    const first = await t.app.services.data.records.create(p.project.id, "notes", { text: "one" }, admin);
    if (kind !== "sqlite") await t.app.services.events.flush();
    const results = await t.app.services.data.records.batch(
      p.project.id,
      [
        { action: "create", collection: "notes", data: { text: "two" } },
        { action: "update", collection: "notes", id: first.id, data: { text: "one, edited" } },
      ],
      admin,
    );
    if (kind !== "sqlite") await t.app.services.events.flush();
    const expected = [`apprun.record.created ${first.id}`, `apprun.record.created ${results[0]!.id}`, `apprun.record.updated ${first.id}`];
    expect(await topic()).toEqual(expected);
    expect(await log()).toEqual(expected);

    // All or nothing: the batch's valid create is undone with it, and neither store holds an event of it.
    const failed = await t.app.services.data.records
      .batch(
        p.project.id,
        [
          { action: "create", collection: "notes", data: { text: "three" } },
          { action: "create", collection: "notes", data: {} },
        ],
        admin,
      )
      .catch((err: unknown) => err);
    expect(failed).toMatchObject({ status: 400 });
    await t.app.services.events.flush();
    expect(await topic()).toEqual(expected);
    expect(await log()).toEqual(expected);
  });

  it("stores app users' sign-ups and sign-ins in the read-only auth.users topic", async () => {
    expect((await api.get("/topics")).body.topics).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "auth.users", kind: "system" })]),
    );
    await api.post("/topics/auth.users/groups", { name: "crm", start: "new" });
    const signUp = await p.rest.post(`/api/v1/projects/shop/auth/sign-up`, { email: "ann@example.com", password: PASSWORD });
    expect(signUp.status).toBe(201);
    const userId = signUp.body.user.id;
    expect((await p.rest.post(`/api/v1/projects/shop/auth/sign-in`, { email: "ann@example.com", password: PASSWORD })).status).toBe(200);
    await t.app.services.events.flush();
    const got = (await api.post("/topics/auth.users/groups/crm/pull", { max: 10, wait: 3000 })).body.messages;
    expect(got.map((m: { event: { type: string } }) => m.event.type)).toEqual([
      "apprun.auth.user.created",
      "apprun.auth.signed_in",
      "apprun.auth.signed_in",
    ]);
    expect(got[0].event).toMatchObject({
      subject: userId,
      source: `/projects/${p.project.id}/auth`,
      data: { userId, email: "ann@example.com", method: "password" },
    });
    expect(got[2].event.data).toMatchObject({ userId, method: "password" });
    expect(errorOf(await api.post("/topics/auth.users/messages", { type: "x" }))).toEqual({ status: 403, code: "event_topic_read_only" });
  });

  it("delivers signed webhooks filtered by type, retries with backoff, logs and redelivers", async () => {
    const receiver = await webhookReceiver([500, 503]);
    try {
      await api.post("/topics", { name: "hooks" });
      const created = await api.post("/webhooks", {
        topic: "hooks",
        url: receiver.url,
        types: ["user.*"],
        retryBaseMs: 200,
        maxAttempts: 4,
      });
      expect(created.status).toBe(201);
      const { webhook, secret } = created.body;
      expect(secret).toMatch(/^whsec_/);
      expect(webhook).toMatchObject({ topic: "hooks", url: receiver.url, types: ["user.*"], enabled: true });
      expect(JSON.stringify((await api.get(`/webhooks/${webhook.id}`)).body)).not.toContain(secret);
      // Sealed at rest.
      const row = await t.app.database.db
        .selectFrom("apprun_events_webhook")
        .select("secret")
        .where("id", "=", webhook.id)
        .executeTakeFirstOrThrow();
      expect(row.secret).not.toContain(secret.slice(6));

      await api.post("/topics/hooks/messages", [
        { type: "order.placed", data: { skip: true } },
        { type: "user.created", id: "u-1", data: { user: 1 } },
      ]);
      // Two failures (500, 503), then success: three calls, the retries spaced by the backoff.
      await receiver.waitFor(3, 15_000);
      const bodies = receiver.received.map((r) => JSON.parse(r.body));
      expect(bodies.every((b) => b.id === "u-1" && b.type === "user.created")).toBe(true);
      for (const r of receiver.received) {
        const header = String(r.headers["x-apprun-signature"]);
        const ts = Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(header)?.[1]);
        // Verified as a receiver would: HMAC-SHA256 over "<t>.<raw body>" with the secret.
        expect(header).toBe(`t=${ts},v1=${crypto.createHmac("sha256", secret).update(`${ts}.${r.body}`).digest("hex")}`);
        expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
        expect(r.headers["content-type"]).toContain("application/cloudevents+json");
      }
      expect(receiver.received.map((r) => r.headers["x-apprun-attempt"])).toEqual(["1", "2", "3"]);

      const log = await eventually(async () => {
        const res = (await api.get(`/webhooks/${webhook.id}/deliveries`)).body.deliveries;
        return res.length >= 3 ? res : null;
      });
      expect(log.map((d: { attempt: number; status: string; responseCode: number }) => [d.attempt, d.status, d.responseCode])).toEqual([
        [3, "succeeded", 200],
        [2, "retrying", 503],
        [1, "retrying", 500],
      ]);
      expect(log[0]).toMatchObject({ eventId: "u-1", eventType: "user.created", manual: false });
      expect(typeof log[0].durationMs).toBe("number");
      const gap = Date.parse(log[1].createdAt) - Date.parse(log[2].createdAt);
      expect(gap).toBeGreaterThanOrEqual(150);

      const again = await api.post(`/webhooks/${webhook.id}/deliveries/${log[0].id}/redeliver`);
      expect(again.body).toMatchObject({ status: "succeeded", responseCode: 200, manual: true, eventId: "u-1" });
      expect(receiver.received).toHaveLength(4);
      expect(errorOf(await api.post(`/webhooks/${webhook.id}/deliveries/dlv_nope/redeliver`))).toEqual({
        status: 404,
        code: "webhook_delivery_not_found",
      });

      // Bad URLs are refused, including apprun itself.
      expect(errorOf(await api.post("/webhooks", { topic: "hooks", url: "ftp://example.com/x" }))).toEqual({
        status: 400,
        code: "webhook_url_invalid",
      });
      expect(errorOf(await api.post("/webhooks", { topic: "hooks", url: "not a url" }))).toEqual({
        status: 400,
        code: "webhook_url_invalid",
      });
      const self = new URL(t.baseUrl);
      expect(errorOf(await api.post("/webhooks", { topic: "hooks", url: `${t.baseUrl}/api/v1/ping` }))).toEqual({
        status: 400,
        code: "webhook_url_self",
      });
      expect(errorOf(await api.post("/webhooks", { topic: "hooks", url: `http://localhost:${self.port}/x` }))).toEqual({
        status: 400,
        code: "webhook_url_self",
      });
      expect(errorOf(await api.patch(`/webhooks/${webhook.id}`, { url: "javascript:alert(1)" }))).toEqual({
        status: 400,
        code: "webhook_url_invalid",
      });
      expect(errorOf(await api.post("/webhooks", { topic: "missing", url: receiver.url }))).toEqual({
        status: 404,
        code: "event_topic_not_found",
      });
      expect(errorOf(await p.as(p.keys.reader!).post("/webhooks", { topic: "hooks", url: receiver.url }))).toEqual({
        status: 403,
        code: "forbidden",
      });

      const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
      expect(Number(/apprun_events_webhook_calls_total\{status="retrying"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
      expect(Number(/apprun_events_published_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);

      // A new secret: later calls are signed with it, the old one no longer verifies.
      const rotated = await api.post(`/webhooks/${webhook.id}/rotate-secret`);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(secret);
      await api.post("/topics/hooks/messages", { type: "user.updated", id: "u-2" });
      await receiver.waitFor(5);
      const latest = receiver.received[4]!;
      const t2 = /^t=(\d+),/.exec(String(latest.headers["x-apprun-signature"]))![1];
      expect(JSON.parse(latest.body).id).toBe("u-2");
      expect(latest.headers["x-apprun-signature"]).toBe(
        `t=${t2},v1=${crypto.createHmac("sha256", rotated.body.secret).update(`${t2}.${latest.body}`).digest("hex")}`,
      );

      // Disabled: nothing goes out; deleted: gone with its log.
      expect((await api.patch(`/webhooks/${webhook.id}`, { enabled: false })).body.enabled).toBe(false);
      await new Promise((r) => setTimeout(r, 200));
      await api.post("/topics/hooks/messages", { type: "user.deleted", id: "u-3" });
      await new Promise((r) => setTimeout(r, 1500));
      expect(receiver.received).toHaveLength(5);
      // Enabled again: what was published meanwhile goes out.
      await api.patch(`/webhooks/${webhook.id}`, { enabled: true });
      await receiver.waitFor(6);
      expect(JSON.parse(receiver.received[5]!.body).id).toBe("u-3");
      expect((await api.get("/webhooks")).body.webhooks).toHaveLength(1);
      expect((await api.delete(`/webhooks/${webhook.id}`)).status).toBe(204);
      expect(errorOf(await api.get(`/webhooks/${webhook.id}`))).toEqual({ status: 404, code: "webhook_not_found" });
    } finally {
      await receiver.close();
    }
  });

  it("gives up after maxAttempts and logs the failure", async () => {
    const receiver = await webhookReceiver([500, 500, 500]);
    try {
      await api.post("/topics", { name: "flaky" });
      const { webhook } = (await api.post("/webhooks", { topic: "flaky", url: receiver.url, retryBaseMs: 100, maxAttempts: 2 })).body;
      await api.post("/topics/flaky/messages", { type: "x", id: "f-1" });
      const log = await eventually(async () => {
        const res = (await api.get(`/webhooks/${webhook.id}/deliveries`)).body.deliveries;
        return res.length >= 2 ? res : null;
      });
      expect(log.map((d: { status: string }) => d.status)).toEqual(["failed", "retrying"]);
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it("deletes a project's topics, their streams, groups and webhooks with the project", async () => {
    const { owner } = p;
    const other = await owner.trpc.projects.create.mutate({ name: "Gone", slug: "gone" });
    await owner.trpc.events.topics.create.mutate({ project: "gone", name: "t1" });
    await owner.trpc.events.groups.create.mutate({ project: "gone", topic: "t1", name: "g" });
    await owner.trpc.events.webhooks.create.mutate({ project: "gone", topic: "t1", url: "https://hooks.example.com/in" });
    await owner.trpc.events.messages.publish.mutate({ project: "gone", topic: "t1", events: [{ type: "x" }] });
    const { stream } = await t.app.database.db
      .selectFrom("apprun_events_topic")
      .select("stream")
      .where("project_id", "=", other.id)
      .executeTakeFirstOrThrow();
    expect(await t.app.bus.streamInfo(stream)).toMatchObject({ messages: 1 });

    await owner.trpc.projects.delete.mutate({ project: "gone", confirm: "gone" });
    expect(await t.app.bus.streamInfo(stream)).toBeNull();
    for (const table of ["apprun_events_topic", "apprun_events_group", "apprun_events_webhook"] as const) {
      expect(await t.app.database.db.selectFrom(table).select("id").where("project_id", "=", other.id).execute()).toEqual([]);
    }
  });

  it("refuses bad input with stable codes and writes nothing", async () => {
    await api.post("/topics", { name: "strict" });
    await api.post("/topics/strict/groups", { name: "g" });
    const bad = async (method: "post" | "patch", path: string, body: unknown) => errorOf(await api[method](path, body));
    // Topics
    expect(await bad("post", "/topics", { name: "x".repeat(64) })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics", { name: "ok", unknown: 1 })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics", { name: "ok", publishRoles: ["no spaces allowed"] })).toEqual({
      status: 400,
      code: "invalid_input",
    });
    expect(await bad("post", "/topics", { name: "ok", maxBytes: 10 })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics", { name: "ok", deadLetterTopic: "records.posts" })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("patch", "/topics/strict", { deadLetterTopic: "strict" })).toEqual({ status: 400, code: "event_dead_letter_invalid" });
    // Groups
    expect(await bad("post", "/topics/strict/groups", { name: "_wh_mine" })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics/strict/groups", { name: "g2", ackWaitMs: 10 })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics/strict/groups", { name: "g2", backoffMs: [100, 200, 300], maxDeliveries: 2 })).toEqual({
      status: 400,
      code: "bus_invalid_config",
    });
    expect(await bad("post", "/topics/strict/groups", { name: "g2", start: "middle" })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics/strict/groups/g/pull", { wait: 60_001 })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics/strict/groups/g/pull", { max: 1001 })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics/strict/groups/g/ack", { tokens: [] })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics/strict/groups/g/nack", { tokens: ["x"], delayMs: -1 })).toEqual({
      status: 400,
      code: "invalid_input",
    });
    expect(await bad("post", "/topics/strict/groups/g/seek", { fromTime: "last tuesday" })).toEqual({ status: 400, code: "invalid_input" });
    expect(await bad("post", "/topics/strict/groups/g/seek", { afterSeq: 1, fromTime: new Date().toISOString() })).toEqual({
      status: 400,
      code: "invalid_input",
    });
    expect(errorOf(await api.get("/topics/strict/messages?limit=5000"))).toEqual({ status: 400, code: "invalid_input" });
    // Webhooks
    expect(await bad("post", "/webhooks", { topic: "strict", url: "https://hooks.example.com/x", types: ["a.>.b"] })).toEqual({
      status: 400,
      code: "bus_invalid_pattern",
    });
    expect(await bad("post", "/webhooks", { topic: "strict", url: "https://hooks.example.com/x", maxAttempts: 0 })).toEqual({
      status: 400,
      code: "invalid_input",
    });
    expect(await bad("post", "/webhooks", { topic: "strict", url: "https://hooks.example.com/x", retryBaseMs: 10 })).toEqual({
      status: 400,
      code: "invalid_input",
    });
    expect(errorOf(await api.get("/webhooks/whk_nope"))).toEqual({ status: 404, code: "webhook_not_found" });
    // Not JSON at all
    const raw = await fetch(`${t.baseUrl}${p.base}/topics/strict/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.keys.manage}`, "content-type": "application/json" },
      body: "{nope",
    });
    expect(raw.status).toBe(400);

    // Nothing of it was written.
    expect((await api.get("/topics")).body.topics.map((x: { name: string }) => x.name)).not.toContain("ok");
    expect((await api.get("/topics/strict/groups")).body.groups.map((g: { name: string }) => g.name)).toEqual(["g"]);
    expect((await api.get("/topics/strict")).body).toMatchObject({ deadLetterTopic: null, stats: { messages: 0 } });
    expect((await api.get("/webhooks")).body.webhooks.filter((w: { topic: string }) => w.topic === "strict")).toEqual([]);
  });

  describe("consumer groups", () => {
    consumerGroupSuite(() => ({ t, p }));
  });
});

describe("event center consumer groups on NATS JetStream", () => {
  let t: TestApp;
  let p: EventsProject;
  const prefix = `t${crypto.randomBytes(5).toString("hex")}`;
  beforeAll(async () => {
    t = await startTestApp("sqlite", { config: { trustProxy: true, busUrl: `${testNatsUrl()}?prefix=${prefix}` } });
    expect(t.app.bus.kind).toBe("nats");
    p = await eventsProject(t);
  });
  afterAll(async () => {
    await t?.close();
    await deleteNatsStreams(prefix);
  });
  consumerGroupSuite(() => ({ t, p }));

  it("delivers webhooks and retries them through JetStream's delayed nacks", async () => {
    const receiver = await webhookReceiver([502]);
    try {
      await p.manage.post("/topics", { name: "hooks" });
      const { webhook, secret } = (await p.manage.post("/webhooks", { topic: "hooks", url: receiver.url, retryBaseMs: 300 })).body;
      // The delivery loop picks the webhook up at once on this node; give the consumer a moment to exist.
      await new Promise((r) => setTimeout(r, 300));
      await p.manage.post("/topics/hooks/messages", { type: "ping", id: "nats-1" });
      await receiver.waitFor(2);
      const [first, second] = receiver.received;
      expect(JSON.parse(second!.body)).toMatchObject({ id: "nats-1", type: "ping" });
      const ts = Number(/^t=(\d+),/.exec(String(second!.headers["x-apprun-signature"]))?.[1]);
      expect(second!.headers["x-apprun-signature"]).toBe(
        `t=${ts},v1=${crypto.createHmac("sha256", secret).update(`${ts}.${second!.body}`).digest("hex")}`,
      );
      expect([first!.headers["x-apprun-attempt"], second!.headers["x-apprun-attempt"]]).toEqual(["1", "2"]);
      const log = await eventually(async () => {
        const res = (await p.manage.get(`/webhooks/${webhook.id}/deliveries`)).body.deliveries;
        return res.length >= 2 ? res : null;
      });
      expect(log.map((d: { status: string; responseCode: number }) => [d.status, d.responseCode])).toEqual([
        ["succeeded", 200],
        ["retrying", 502],
      ]);
    } finally {
      await receiver.close();
    }
  });
});
