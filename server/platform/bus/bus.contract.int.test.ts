import { spawn } from "node:child_process";
import crypto from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BUS_DRIVERS, createBusHarness, type BusHarness, type BusNode, type NodeOptions } from "../../testing/bus";
import { AppError } from "../errors/app-error";
import type { Bus, BusMessage, Delivery } from "./bus";
import { createCloudEvent, type CloudEvent } from "./cloudevents";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uid = () => crypto.randomBytes(4).toString("hex");

/** Polls until `check` holds (or fails with the last value seen). */
async function eventually<T>(probe: () => T | Promise<T>, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await sleep(25);
  }
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected the promise to reject");
}

function syncRejection(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

function event(n: number, extra: Partial<Parameters<typeof createCloudEvent>[0]> = {}): CloudEvent {
  return createCloudEvent({ source: "/test", type: "test.happened", projectid: "p1", data: { n }, ...extra });
}

function collector(bus: Bus, pattern: string) {
  const seen: BusMessage[] = [];
  const off = bus.subscribe(pattern, (m) => void seen.push(m));
  return { seen, off };
}

/** Pulls (and acks) until `count` deliveries arrived or `timeoutMs` passed. */
async function drain(bus: Bus, stream: string, group: string, count: number, timeoutMs = 5000): Promise<Delivery[]> {
  const got: Delivery[] = [];
  const until = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < until) {
    const batch = await bus.pull(stream, group, { batch: 10, waitMs: 500 });
    for (const d of batch) await bus.ack(d);
    got.push(...batch);
  }
  return got;
}

const seqs = (items: Array<{ seq: number }>) => items.map((i) => i.seq);

describe.each(BUS_DRIVERS)("bus contract: %s", (driver) => {
  let harness: BusHarness;
  const nodes: BusNode[] = [];

  beforeAll(async () => {
    harness = await createBusHarness(driver);
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  afterAll(async () => {
    await harness?.drop();
  });

  async function node(options?: NodeOptions): Promise<Bus> {
    const n = await harness.node(options);
    nodes.push(n);
    return n.bus;
  }

  async function stream(bus: Bus, limits: { maxAgeMs?: number; maxBytes?: number; maxMsgs?: number } = {}): Promise<string> {
    const name = `s${uid()}`;
    await bus.ensureStream({ name, ...limits });
    return name;
  }

  it("fans out ephemeral messages to matching subscribers, after publish returns, until they unsubscribe", async () => {
    const bus = await node();
    const topic = `fan${uid()}`;
    const created = collector(bus, `${topic}.*.created`);
    const all = collector(bus, `${topic}.>`);
    const other = collector(bus, `other${uid()}.>`);
    let failing = 0;
    bus.subscribe(`${topic}.>`, () => {
      failing++;
      throw new Error("a broken subscriber");
    });

    const published = Promise.all([bus.publish(`${topic}.posts.created`, { id: 1 }), bus.publish(`${topic}.posts.deleted`, { id: 2 })]);
    expect(all.seen).toEqual([]);
    await published;
    await eventually(
      () => all.seen.length,
      (n) => n === 2,
    );
    expect(all.seen.map((m) => [m.subject, m.data])).toEqual([
      [`${topic}.posts.created`, { id: 1 }],
      [`${topic}.posts.deleted`, { id: 2 }],
    ]);
    expect(all.seen[0]!.stored).toBeUndefined();
    expect(created.seen.map((m) => m.subject)).toEqual([`${topic}.posts.created`]);
    expect(failing).toBe(2);

    created.off();
    await bus.publish(`${topic}.users.created`, { id: 3 });
    await bus.publish(`${topic}.sentinel`, {});
    await eventually(
      () => all.seen.length,
      (n) => n === 4,
    );
    expect(created.seen).toHaveLength(1);
    expect(other.seen).toEqual([]);
  });

  it("refuses bad input with stable codes", async () => {
    const bus = await node({ maxPayloadBytes: 64 * 1024 });
    const s = await stream(bus);
    expect(await rejection(bus.publish("bad subject", 1))).toMatchObject({ code: "bus_invalid_subject", status: 400 });
    expect(syncRejection(() => bus.subscribe("a.>.b", () => {}))).toMatchObject({ code: "bus_invalid_pattern", status: 400 });
    expect(await rejection(bus.publish("big", "x".repeat(70 * 1024)))).toMatchObject({
      code: "bus_payload_too_large",
      status: 413,
      details: { limit: 64 * 1024 },
    });
    await bus.publish("fits", "x".repeat(60 * 1024));
    expect(await rejection(bus.append(s, "a", { ...event(1), specversion: "2.0" } as never))).toMatchObject({
      code: "bus_invalid_event",
      status: 400,
    });
    expect(await rejection(bus.append(s, "a", event(1, { data: "x".repeat(70 * 1024) })))).toMatchObject({ code: "bus_payload_too_large" });
    expect(await rejection(bus.append(`missing${uid()}`, "a", event(1)))).toMatchObject({ code: "bus_stream_not_found", status: 404 });
    expect(await rejection(bus.append("bad.name", "a", event(1)))).toMatchObject({ code: "bus_invalid_name" });
    expect(await rejection(bus.pull(s, "nogroup"))).toMatchObject({ code: "bus_group_not_found", status: 404 });
    expect(await rejection(bus.ensureGroup(s, "g", { maxDeliveries: 1, deadLetterStream: `missing${uid()}` }))).toMatchObject({
      code: "bus_stream_not_found",
    });
    await bus.ensureGroup(s, "g");
    expect(await rejection(bus.pull(s, "g", { batch: 0 }))).toMatchObject({ code: "bus_invalid_config" });
    expect(await rejection(bus.ack({ stream: s, group: "g", token: "forged" }))).toMatchObject({ code: "bus_invalid_token", status: 400 });
    await bus.append(s, "a", event(1));
    const [d] = await bus.pull(s, "g");
    expect(await rejection(bus.ack({ ...d!, group: "other" }))).toMatchObject({ code: "bus_invalid_token" });
    expect(await bus.streamInfo(`missing${uid()}`)).toBeNull();
  });

  it("stores events with increasing sequences, deduplicates by event id, and fans them out with their sequence", async () => {
    const bus = await node();
    const s = await stream(bus);
    const live = collector(bus, `dur${s}.>`);
    const events = [event(1), event(2), event(3)];
    const results = [];
    for (const e of events) results.push(await bus.append(s, `dur${s}.orders.created`, e));
    expect(results).toEqual([1, 2, 3].map((seq) => ({ stream: s, seq, duplicate: false })));
    expect(await bus.append(s, `dur${s}.orders.created`, events[1]!)).toEqual({ stream: s, seq: 2, duplicate: true });

    expect(await bus.streamInfo(s)).toMatchObject({
      name: s,
      firstSeq: 1,
      lastSeq: 3,
      messages: 3,
      maxAgeMs: null,
      maxBytes: null,
      maxMsgs: null,
    });
    const stored = await bus.read(s, { afterSeq: 0 });
    expect(stored.map((e) => [e.stream, e.seq, e.subject, e.event])).toEqual(events.map((e, i) => [s, i + 1, `dur${s}.orders.created`, e]));
    for (const e of stored) expect(Date.now() - Date.parse(e.storedAt)).toBeLessThan(60_000);

    await eventually(
      () => live.seen.length,
      (n) => n === 3,
    );
    expect(live.seen.map((m) => [m.stored, (m.data as CloudEvent).id])).toEqual(events.map((e, i) => [{ stream: s, seq: i + 1 }, e.id]));
  });

  it("stores an event appended concurrently from two nodes once", async () => {
    const [a, b] = [await node(), await node()];
    const s = await stream(a);
    const same = event(1);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).append(s, "once", same)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.seq))).toEqual(new Set([1]));
    expect(await a.streamInfo(s)).toMatchObject({ lastSeq: 1, messages: 1 });
    expect((await a.append(s, "once", event(2))).seq).toBe(2);
  });

  it("balances a group between consumers and never hands one event to two of them", async () => {
    const bus = await node();
    const s = await stream(bus);
    await bus.ensureGroup(s, "workers", { ackWaitMs: 30_000 });
    for (let i = 1; i <= 20; i++) await bus.append(s, "jobs.run", event(i));

    const first = await bus.pull(s, "workers", { batch: 5 });
    const second = await bus.pull(s, "workers", { batch: 5 });
    expect(first).toHaveLength(5);
    expect(second).toHaveLength(5);
    expect(seqs(first).filter((q) => seqs(second).includes(q))).toEqual([]);
    for (const d of [...first, ...second]) await bus.ack(d);

    const consumer = async () => {
      const got: number[] = [];
      for (let empty = 0; empty < 3;) {
        const batch = await bus.pull(s, "workers", { batch: 2, waitMs: 100 });
        if (batch.length === 0) empty++;
        for (const d of batch) {
          got.push(d.seq);
          await bus.ack(d);
        }
      }
      return got;
    };
    const [a, b] = await Promise.all([consumer(), consumer()]);
    const all = [...seqs(first), ...seqs(second), ...a, ...b].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await bus.groupLag(s, "workers")).toEqual({ pending: 0, unacked: 0 });
  });

  it("acks for good; nacks redeliver at once or after their delay", async () => {
    const bus = await node();
    const s = await stream(bus);
    await bus.ensureGroup(s, "g", { ackWaitMs: 30_000 });
    await bus.append(s, "a", event(1));
    await bus.append(s, "a", event(2));

    const [one, two] = await bus.pull(s, "g", { batch: 2 });
    expect([one!.seq, one!.deliveries, two!.seq]).toEqual([1, 1, 2]);
    expect(one!.event.data).toEqual({ n: 1 });
    await bus.ack(one!);
    await bus.nack(two!);
    const again = await bus.pull(s, "g", { batch: 5, waitMs: 2000 });
    expect(again.map((d) => [d.seq, d.deliveries])).toEqual([[2, 2]]);

    const started = Date.now();
    await bus.nack(again[0]!, { delayMs: 700 });
    expect(await bus.pull(s, "g")).toEqual([]);
    const late = await bus.pull(s, "g", { waitMs: 5000 });
    expect(late.map((d) => [d.seq, d.deliveries])).toEqual([[2, 3]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    await bus.ack(late[0]!);
    expect(await bus.pull(s, "g", { waitMs: 300 })).toEqual([]);
    expect(await bus.groupLag(s, "g")).toEqual({ pending: 0, unacked: 0 });
  });

  it("redelivers after the ack deadline, backing off", async () => {
    const bus = await node();
    const s = await stream(bus);
    await bus.ensureGroup(s, "g", { backoffMs: [300, 1000] });
    await bus.append(s, "a", event(1));
    const times: number[] = [];
    const deliveries: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [d] = await bus.pull(s, "g", { waitMs: 5000 });
      times.push(Date.now());
      deliveries.push(d!.deliveries);
    }
    expect(deliveries).toEqual([1, 2, 3]);
    const [first, second] = [times[1]! - times[0]!, times[2]! - times[1]!];
    expect(first).toBeGreaterThanOrEqual(250);
    expect(first).toBeLessThan(900);
    expect(second).toBeGreaterThanOrEqual(900);
  });

  it("moves an event to the dead-letter stream after maxDeliveries", async () => {
    const bus = await node();
    const s = await stream(bus);
    const dlq = await stream(bus);
    await bus.ensureGroup(s, "g", { ackWaitMs: 30_000, maxDeliveries: 2, deadLetterStream: dlq });
    const poison = event(1);
    await bus.append(s, "orders.created", poison);
    await bus.append(s, "orders.created", event(2));

    for (let attempt = 1; attempt <= 2; attempt++) {
      const batch = await bus.pull(s, "g", { batch: 5, waitMs: 2000 });
      const bad = batch.find((d) => d.seq === 1)!;
      expect(bad.deliveries).toBe(attempt);
      for (const d of batch) await (d.seq === 1 ? bus.nack(d) : bus.ack(d));
    }
    expect(await bus.pull(s, "g", { waitMs: 500 })).toEqual([]);
    const dead = await eventually(
      () => bus.read(dlq, { afterSeq: 0 }),
      (e) => e.length > 0,
    );
    expect(dead).toHaveLength(1);
    expect(dead[0]!.subject).toBe("orders.created");
    expect(dead[0]!.event).toEqual({ ...poison, deadletterstream: s, deadlettergroup: "g", deadletterseq: 1, deadletterdeliveries: 2 });
    expect(await bus.groupLag(s, "g")).toEqual({ pending: 0, unacked: 0 });
  });

  it("replays a group from a sequence and from a time", async () => {
    const bus = await node();
    const s = await stream(bus);
    await bus.ensureGroup(s, "g");
    for (let i = 1; i <= 3; i++) await bus.append(s, "a", event(i));
    await sleep(60);
    const middle = new Date();
    await sleep(60);
    for (let i = 4; i <= 6; i++) await bus.append(s, "a", event(i));
    expect(seqs(await drain(bus, s, "g", 6))).toEqual([1, 2, 3, 4, 5, 6]);

    // An unacked delivery is dropped by the seek, not redelivered on top of the replay.
    await bus.seekGroup(s, "g", { afterSeq: 4 });
    const held = await bus.pull(s, "g", { batch: 1 });
    expect(seqs(held)).toEqual([5]);
    await bus.seekGroup(s, "g", { afterSeq: 2 });
    expect(await bus.groupLag(s, "g")).toEqual({ pending: 4, unacked: 0 });
    expect(seqs(await drain(bus, s, "g", 4))).toEqual([3, 4, 5, 6]);

    await bus.seekGroup(s, "g", { fromTime: middle });
    expect(seqs(await drain(bus, s, "g", 3))).toEqual([4, 5, 6]);
    await bus.seekGroup(s, "g", { afterSeq: 0 });
    expect(seqs(await drain(bus, s, "g", 6))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await bus.pull(s, "g", { waitMs: 200 })).toEqual([]);
  });

  it("starts new groups at the beginning or at new events, and filters by subject", async () => {
    const bus = await node();
    const s = await stream(bus);
    await bus.append(s, "orders.created", event(1));
    await bus.append(s, "orders.shipped", event(2));
    await bus.ensureGroup(s, "late", { start: "new" });
    await bus.ensureGroup(s, "created", { filter: "orders.created" });
    await bus.ensureGroup(s, "any", { filter: "*.shipped" });
    await bus.append(s, "orders.created", event(3));
    await bus.append(s, "users.shipped", event(4));

    expect(await bus.groupLag(s, "late")).toEqual({ pending: 2, unacked: 0 });
    expect(await bus.groupLag(s, "created")).toEqual({ pending: 2, unacked: 0 });
    expect(await bus.groupLag(s, "any")).toEqual({ pending: 2, unacked: 0 });
    expect(seqs(await drain(bus, s, "late", 2))).toEqual([3, 4]);
    expect(seqs(await drain(bus, s, "created", 2))).toEqual([1, 3]);
    expect(seqs(await drain(bus, s, "any", 2))).toEqual([2, 4]);

    const partial = await bus.pull(s, "late", { waitMs: 100 });
    expect(partial).toEqual([]);
    await bus.append(s, "x", event(5));
    const [d] = await bus.pull(s, "late", { waitMs: 2000 });
    expect(await bus.groupLag(s, "late")).toEqual({ pending: 0, unacked: 1 });
    await bus.ack(d!);
    expect(await bus.groupLag(s, "late")).toEqual({ pending: 0, unacked: 0 });
    expect(await bus.deleteGroup(s, "late")).toBe(true);
    expect(await bus.deleteGroup(s, "late")).toBe(false);
    expect(await rejection(bus.groupLag(s, "late"))).toMatchObject({ code: "bus_group_not_found" });
  });

  it("resumes after a sequence with exactly the later events, in order, page by page", async () => {
    const bus = await node();
    const s = await stream(bus);
    for (let i = 1; i <= 10; i++) await bus.append(s, i % 2 ? "rec.posts.updated" : "rec.users.updated", event(i));

    expect(seqs(await bus.read(s, { afterSeq: 4 }))).toEqual([5, 6, 7, 8, 9, 10]);
    const pages: number[] = [];
    for (let after = 4; ;) {
      const page = await bus.read(s, { afterSeq: after }, { limit: 4 });
      if (page.length === 0) break;
      pages.push(...seqs(page));
      after = page.at(-1)!.seq;
    }
    expect(pages).toEqual([5, 6, 7, 8, 9, 10]);
    expect(await bus.read(s, { afterSeq: 10 })).toEqual([]);
    expect(seqs(await bus.read(s, { afterSeq: 4 }, { filter: "rec.posts.>" }))).toEqual([5, 7, 9]);
    expect(seqs(await bus.read(s, { afterSeq: 0 }, { filter: "rec.*.updated", limit: 3 }))).toEqual([1, 2, 3]);

    // A realtime client that saw up to seq 6: live events keep arriving while it catches up.
    const live = collector(bus, "rec.>");
    const appending = (async () => {
      for (let i = 11; i <= 15; i++) await bus.append(s, "rec.posts.updated", event(i));
    })();
    const caughtUp = await bus.read(s, { afterSeq: 6 });
    await appending;
    await eventually(
      () => live.seen.length,
      (n) => n === 5,
    );
    const resumed = new Map<number, unknown>();
    for (const e of caughtUp) resumed.set(e.seq, e.event);
    for (const m of live.seen) if (!resumed.has(m.stored!.seq)) resumed.set(m.stored!.seq, m.data);
    expect([...resumed.keys()].sort((x, y) => x - y)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it("trims streams by count, size and age, oldest first", async () => {
    const bus = await node({ trimIntervalMs: 100 });
    const byCount = await stream(bus, { maxMsgs: 3 });
    const bySize = await stream(bus, { maxBytes: 2048 });
    const byAge = await stream(bus, { maxAgeMs: 500 });
    for (let i = 1; i <= 6; i++) {
      await bus.append(byCount, "a", event(i));
      await bus.append(bySize, "a", event(i, { data: { pad: "x".repeat(400) } }));
    }
    await bus.append(byAge, "a", event(1));
    await bus.append(byAge, "a", event(2));

    expect(
      await eventually(
        () => bus.streamInfo(byCount),
        (i) => i!.messages === 3,
      ),
    ).toMatchObject({ firstSeq: 4, lastSeq: 6, maxMsgs: 3 });
    expect(seqs(await bus.read(byCount, { afterSeq: 0 }))).toEqual([4, 5, 6]);
    const sized = await eventually(
      () => bus.streamInfo(bySize),
      (i) => i!.bytes <= 2048,
    );
    expect(sized).toMatchObject({ lastSeq: 6, maxBytes: 2048 });
    expect(sized!.messages).toBeGreaterThanOrEqual(2);
    expect(sized!.messages).toBeLessThan(6);
    expect(seqs(await bus.read(bySize, { afterSeq: 0 }))).toEqual(
      Array.from({ length: sized!.messages }, (_, i) => 7 - sized!.messages + i),
    );
    expect(
      await eventually(
        () => bus.streamInfo(byAge),
        (i) => i!.messages === 0,
        8000,
      ),
    ).toMatchObject({ firstSeq: 3, lastSeq: 2, maxAgeMs: 500 });

    // Retention limits can change; the stream keeps its events and sequence.
    expect(await bus.ensureStream({ name: byCount, maxMsgs: 10 })).toMatchObject({ lastSeq: 6, messages: 3, maxMsgs: 10 });
    expect(await bus.deleteStream(byCount)).toBe(true);
    expect(await bus.deleteStream(byCount)).toBe(false);
    expect(await bus.streamInfo(byCount)).toBeNull();
  });

  it("shares streams and groups between nodes: an event appended on A reaches a waiting consumer on B", async () => {
    const a = await node();
    const b = await node();
    const s = await stream(a);
    await b.ensureGroup(s, "g");
    const waiting = b.pull(s, "g", { waitMs: 8000 });
    await sleep(100);
    const sent = Date.now();
    await a.append(s, "orders.created", event(1));
    const [d] = await waiting;
    expect(d!.event.data).toEqual({ n: 1 });
    // PostgreSQL wakes B through NOTIFY, NATS at once; SQLite (one node) looks again within its poll interval.
    expect(Date.now() - sent).toBeLessThan(1500);
    await a.ack(d!);

    for (let i = 2; i <= 31; i++) await a.append(s, "orders.created", event(i));
    const consumer = async (bus: Bus) => {
      const got: number[] = [];
      for (let empty = 0; empty < 3;) {
        const batch = await bus.pull(s, "g", { batch: 3, waitMs: 100 });
        if (batch.length === 0) empty++;
        for (const x of batch) {
          got.push(x.seq);
          await bus.ack(x);
        }
      }
      return got;
    };
    const [onA, onB] = await Promise.all([consumer(a), consumer(b)]);
    expect([...onA, ...onB].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    expect(onA.length).toBeGreaterThan(0);
    expect(onB.length).toBeGreaterThan(0);
  });

  // SQLite serves one node: the embedded driver has no cross-node fan-out there (README).
  if (driver !== "embedded-sqlite") {
    it("fans out across nodes: ephemeral messages, large ones, and durable events with their sequence", async () => {
      const a = await node();
      const b = await node();
      const s = await stream(a);
      const onB = collector(b, "x.>");
      // NATS registers a subscription with the server asynchronously; a ping is a round trip after it.
      await b.ping();
      await a.publish("x.small", { n: 1 });
      await a.publish("x.large", { pad: "y".repeat(20_000) });
      await a.append(s, "x.durable", event(1));
      await eventually(
        () => onB.seen.length,
        (n) => n === 3,
      );
      const bySubject = Object.fromEntries(onB.seen.map((m) => [m.subject, m]));
      expect(bySubject["x.small"]!.data).toEqual({ n: 1 });
      expect((bySubject["x.large"]!.data as { pad: string }).pad).toHaveLength(20_000);
      expect(bySubject["x.durable"]!.stored).toEqual({ stream: s, seq: 1 });
      expect((bySubject["x.durable"]!.data as CloudEvent).data).toEqual({ n: 1 });
    });
  }

  it("close() ends waiting pulls and refuses further use", async () => {
    const n = await harness.node({ trimIntervalMs: 50 });
    const s = await stream(n.bus);
    await n.bus.ensureGroup(s, "g");
    n.bus.subscribe("z.>", () => {});
    const waiting = n.bus.pull(s, "g", { waitMs: 20_000 });
    await sleep(150);
    const closedAt = Date.now();
    await n.close();
    expect(await waiting).toEqual([]);
    expect(Date.now() - closedAt).toBeLessThan(2000);
    expect(await rejection(n.bus.publish("z.a", 1))).toMatchObject({ code: "bus_closed", status: 503 });
    expect(await rejection(n.bus.ping())).toMatchObject({ code: "bus_closed" });
    expect(await rejection(n.bus.pull(s, "g"))).toMatchObject({ code: "bus_closed" });
  });

  it("close() leaves nothing running: a process that used the bus exits by itself", async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "server/testing/bus-close-probe.ts", driver, harness.target], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("exit", (exitCode) => {
        clearTimeout(killer);
        resolve({ code: exitCode, stdout, stderr });
      });
    });
    expect(stderr).toBe("");
    expect(stdout).toBe("closed []\n");
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
