import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBusHarness, type BusHarness, type BusNode } from "../../testing/bus";
import { testPostgresUrl } from "../../testing/databases";
import type { Bus, BusMessage } from "./bus";
import { createCloudEvent } from "./cloudevents";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const event = (n: number) => createCloudEvent({ source: "/test", type: "test", projectid: "p1", data: { n } });

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Several PostgreSQL nodes on one schema: what the embedded driver promises beyond the contract. */
describe("embedded bus on PostgreSQL, several nodes", () => {
  let harness: BusHarness;
  const nodes: BusNode[] = [];
  beforeAll(async () => {
    harness = await createBusHarness("embedded-postgres");
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  afterAll(async () => {
    await harness?.drop();
  });
  async function node(): Promise<Bus> {
    const n = await harness.node();
    nodes.push(n);
    return n.bus;
  }

  it("commits concurrent appends in sequence order, so a reader following the stream never skips one", async () => {
    const writers = await Promise.all([node(), node(), node()]);
    const reader = await node();
    await writers[0]!.ensureStream({ name: "busy" });
    let done = false;
    const writing = Promise.all(
      writers.map(async (bus, w) => {
        for (let i = 0; i < 60; i++) await bus.append("busy", `w${w}`, event(i));
      }),
    ).finally(() => (done = true));
    const seen: number[] = [];
    for (let last = 0; ;) {
      const wasDone = done;
      const page = await reader.read("busy", { afterSeq: last }, { limit: 7 });
      seen.push(...page.map((e) => e.seq));
      if (page.length > 0) last = page.at(-1)!.seq;
      else if (wasDone) break;
    }
    await writing;
    expect(seen).toEqual(Array.from({ length: 180 }, (_, i) => i + 1));
  });

  it("stores an event once when two nodes append it at the same moment", async () => {
    const [a, b] = [await node(), await node()];
    await a.ensureStream({ name: "twice" });
    const same = event(1);
    // Hold the stream's row so both appends pass the duplicate check and then wait on the lock.
    const blocker = new pg.Client({
      connectionString: harness.target.replace(/\?schema=(\w+)/, ""),
      options: `-c search_path=${new URL(harness.target).searchParams.get("schema")}`,
    });
    await blocker.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select * from apprun_bus_stream where name = 'twice' for update");
      const racing = Promise.all([a.append("twice", "x", same), b.append("twice", "x", same)]);
      await sleep(200);
      await blocker.query("commit");
      const results = await racing;
      expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
      expect(results.map((r) => r.seq)).toEqual([1, 1]);
    } finally {
      await blocker.end();
    }
    expect(await a.streamInfo("twice")).toMatchObject({ lastSeq: 1, messages: 1 });
    expect((await b.append("twice", "x", event(2))).seq).toBe(2);
  });

  it("never leases one event to two nodes pulling the same group", async () => {
    const buses = await Promise.all([node(), node(), node()]);
    await buses[0]!.ensureStream({ name: "work" });
    await buses[0]!.ensureGroup("work", "g", { ackWaitMs: 60_000 });
    for (let i = 1; i <= 150; i++) await buses[i % 3]!.append("work", "job", event(i));
    const taken = await Promise.all(
      buses.map(async (bus) => {
        const got: number[] = [];
        for (let empty = 0; empty < 3;) {
          const batch = await bus.pull("work", "g", { batch: 7, waitMs: 50 });
          if (batch.length === 0) empty++;
          for (const d of batch) {
            got.push(d.seq);
            await bus.ack(d);
          }
        }
        return got;
      }),
    );
    expect(taken.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    for (const got of taken) expect(got.length).toBeGreaterThan(0);
  });

  it("wakes a waiting pull on another node when a nack's delay ends, not at the next poll", async () => {
    const [a, b] = [await node(), await node()];
    await a.ensureStream({ name: "retry" });
    await a.ensureGroup("retry", "g");
    await a.append("retry", "x", event(1));
    const [d] = await a.pull("retry", "g");
    const waiting = b.pull("retry", "g", { waitMs: 5000 });
    await sleep(50);
    const nackedAt = Date.now();
    await a.nack(d!, { delayMs: 250 });
    const [again] = await waiting;
    expect(again!.deliveries).toBe(2);
    expect(Date.now() - nackedAt).toBeGreaterThanOrEqual(200);
    expect(Date.now() - nackedAt).toBeLessThan(800);
  });

  it("listens again after its connection is killed, and waiting pulls look again", async () => {
    const [a, b] = [await node(), await node()];
    await a.ensureStream({ name: "resilient" });
    await b.ensureGroup("resilient", "g");
    const seen: BusMessage[] = [];
    b.subscribe("r.>", (m) => void seen.push(m));

    const killed = await terminateListeners(harness.target);
    expect(killed).toBeGreaterThanOrEqual(2);
    // While B's listener is down a notice would be lost; after it is back, messages flow again.
    await eventually(async () => {
      await a.publish("r.ping", {});
      await sleep(100);
      return seen.length > 0;
    });
    const waiting = b.pull("resilient", "g", { waitMs: 5000 });
    await sleep(50);
    const sentAt = Date.now();
    await a.append("resilient", "r.event", event(1));
    expect(await waiting).toHaveLength(1);
    expect(Date.now() - sentAt).toBeLessThan(800);
  });
});

/** Ends the LISTEN connections of the embedded buses on the harness's schema, as a network cut would. */
async function terminateListeners(databaseUrl: string): Promise<number> {
  const schema = new URL(databaseUrl).searchParams.get("schema")!;
  const crypto = await import("node:crypto");
  const channel = `apprun_bus_${crypto.createHash("sha256").update(schema).digest("hex").slice(0, 24)}`;
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>("select pg_terminate_backend(pid) as ok from pg_stat_activity where query = $1", [
      `listen ${channel}`,
    ]);
    return rows.filter((r) => r.ok).length;
  } finally {
    await client.end();
  }
}

describe.each(["embedded-sqlite", "embedded-postgres"] as const)("embedded bus filters on %s", (driver) => {
  let harness: BusHarness;
  let n: BusNode;
  beforeAll(async () => {
    harness = await createBusHarness(driver);
    n = await harness.node();
  });
  afterAll(async () => {
    await n?.close();
    await harness?.drop();
  });

  it("finds a match behind thousands of events the SQL pre-filter lets through and the pattern rejects", async () => {
    const { bus } = n;
    await bus.ensureStream({ name: "backlog" });
    await bus.ensureGroup("backlog", "hits", { filter: "a.*.hit" });
    // `a.*.hit` becomes the SQL glob `a.*.hit`, which also matches these four-token subjects.
    for (let i = 0; i < 2600; i += 100)
      await Promise.all(Array.from({ length: 100 }, (_, j) => bus.append("backlog", "a.x.y.hit", event(i + j))));
    await bus.append("backlog", "a.b.hit", event(-1));

    const page = await bus.read("backlog", { afterSeq: 0 }, { filter: "a.*.hit", limit: 5 });
    expect(page.map((e) => e.subject)).toEqual(["a.b.hit"]);
    expect(await bus.groupLag("backlog", "hits")).toEqual({ pending: 1, unacked: 0 });
    const [d] = await bus.pull("backlog", "hits");
    expect(d!.seq).toBe(2601);
  });
});

/** SQLite: appends made together are committed in groups, in call order; one failing fails alone. */
describe("embedded bus on SQLite, appends made together", () => {
  let harness: BusHarness;
  let n: BusNode;
  beforeAll(async () => {
    harness = await createBusHarness("embedded-sqlite");
    n = await harness.node();
  });
  afterAll(async () => {
    await n?.close();
    await harness?.drop();
  });

  it("stores them in call order, each settling once committed; a duplicate keeps its first sequence; a bad one fails alone", async () => {
    const bus = n.bus;
    expect(bus.appendsInCallOrder).toBe(true);
    await bus.ensureStream({ name: "group_a" });
    await bus.ensureStream({ name: "group_b" });
    const events = Array.from({ length: 40 }, (_, i) => event(i));
    const started = events.map((e, i) =>
      i === 17 ? bus.append("missing", "x", e) : bus.append(i % 2 ? "group_a" : "group_b", `s.${i}`, e),
    );
    // The same event again, in the same group: stored once.
    const again = bus.append("group_b", "s.0", events[0]!);
    const results = await Promise.allSettled([...started, again]);
    expect(results[17]).toMatchObject({ status: "rejected", reason: { code: "bus_stream_not_found" } });
    const ok = results
      .filter((r, i) => i !== 17)
      .map((r) => (r as PromiseFulfilledResult<{ stream: string; seq: number; duplicate: boolean }>).value);
    expect(ok.at(-1)).toMatchObject({ stream: "group_b", seq: 1, duplicate: true });
    const a = await bus.read("group_a", { afterSeq: 0 }, { limit: 100 });
    const b = await bus.read("group_b", { afterSeq: 0 }, { limit: 100 });
    expect(a.map((e) => e.subject)).toEqual(
      Array.from({ length: 20 }, (_, i) => 2 * i + 1)
        .filter((i) => i !== 17)
        .map((i) => `s.${i}`),
    );
    expect(b.map((e) => e.subject)).toEqual(Array.from({ length: 20 }, (_, i) => `s.${2 * i}`));
    expect(a.map((e) => e.seq)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(b.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("appends inside a caller's transaction: stored only if it commits, seen by subscribers only after committed()", async () => {
    const bus = n.bus;
    const { db } = n.database!;
    await bus.ensureStream({ name: "within" });
    const seen: BusMessage[] = [];
    const unsubscribe = bus.subscribe("w.>", (m) => void seen.push(m));
    try {
      // Rolled back with the caller's work: nothing stored, the sequence is not used up.
      await expect(
        db.transaction().execute(async (trx) => {
          await bus.appendWithin!(trx, "within", "w.lost", event(1));
          throw new Error("the caller's work failed");
        }),
      ).rejects.toThrow("the caller's work failed");
      const result = await db.transaction().execute((trx) => bus.appendWithin!(trx, "within", "w.kept", event(2)));
      expect(result).toMatchObject({ stream: "within", seq: 1, duplicate: false });
      await sleep(20);
      expect(seen).toEqual([]);
      result.committed();
      await eventually(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ subject: "w.kept", data: { data: { n: 2 } }, stored: { stream: "within", seq: 1 } });
      expect((await bus.read("within", { afterSeq: 0 })).map((e) => [e.seq, e.subject])).toEqual([[1, "w.kept"]]);
      // A grouped append after it continues the sequence; the same event again inside a transaction is a duplicate.
      expect((await bus.append("within", "w.next", event(3))).seq).toBe(2);
      const again = await db.transaction().execute((trx) => bus.appendWithin!(trx, "within", "w.kept", seen[0]!.data as never));
      expect(again).toMatchObject({ seq: 1, duplicate: true });
      await expect(db.transaction().execute((trx) => bus.appendWithin!(trx, "nowhere", "w.x", event(4)))).rejects.toMatchObject({
        code: "bus_stream_not_found",
      });
    } finally {
      unsubscribe();
    }
  });
});
