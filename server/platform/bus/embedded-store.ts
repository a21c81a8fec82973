import crypto from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { PlatformTables } from "../../../db/schema";
import type { Database } from "../db/connect";
import { writeTransaction } from "../db/transaction";
import { AppError } from "../errors/app-error";
import { ackDeadlineMs, subjectMatches, type GroupLag, type StreamConfig, type StreamInfo, type ValidGroupConfig } from "./bus";

type Db = Kysely<PlatformTables>;

/**
 * What one node tells the others over PostgreSQL NOTIFY (the embedded driver's cross-node
 * fan-out). `o` is the sending node, so it can skip its own echo.
 *  - `k: "d"`: a durable event was stored; `e` carries it when small, else read it by stream+seq.
 *  - `k: "e"`: an ephemeral message; `d` carries its JSON when small, else `r` names a relay row.
 *  - `k: "w"`: a group of stream `st` may have deliverable events again (nack, seek): waiting pulls look.
 */
export type Notice =
  | { o: string; k: "d"; st: string; q: number; s: string; e?: unknown }
  | { o: string; k: "e"; s: string; d?: unknown; r?: string }
  | { o: string; k: "w"; st: string };

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; keep room for the envelope. */
const NOTIFY_INLINE_LIMIT = 7000;

export interface StoredRow {
  stream: string;
  seq: number;
  subject: string;
  /** The CloudEvent's JSON text. */
  event: string;
  storedMs: number;
}

export interface Claimed extends StoredRow {
  deliveries: number;
  token: string;
}

export interface ClaimResult {
  deliveries: Claimed[];
  /** Events moved to a dead-letter stream by this claim (to fan out after commit). */
  deadLettered: StoredRow[];
  /** When the group's next nacked or unacknowledged event becomes deliverable again, if any. */
  nextVisibleMs: number | null;
  /** The claim stopped scanning events its filter rejects before the stream's end: claim again at once. */
  more: boolean;
}

export interface AppendOutcome {
  row: StoredRow;
  duplicate: boolean;
}

/** How many events one claim examines past those its filter rejects before returning (`more`). */
const SCAN_LIMIT = 2000;

/**
 * The embedded bus's SQL: streams, events, groups and their pending deliveries, on SQLite and
 * PostgreSQL through one code path (except the single-statement append, which SQLite lacks the
 * SQL for). Every write runs in `writeTransaction`; on PostgreSQL a
 * stream's row lock orders its appends (so sequences commit in order and readers never skip
 * one), and a group's row lock orders its cursor moves. Redeliveries are claimed with
 * `FOR UPDATE SKIP LOCKED`, so concurrent pullers on several nodes never lease the same event.
 */
export function createBusStore(deps: { database: Database<PlatformTables>; clock: () => number; nodeId: string; channel: string | null }) {
  const { database, clock, nodeId, channel } = deps;
  const { db, dialect } = database;

  async function notify(trx: Db, notice: Notice, inline?: { key: "e" | "d"; json: string }): Promise<void> {
    if (!channel) return;
    let text = JSON.stringify(notice);
    // The payload's JSON is spliced in as is: it is already valid JSON text.
    if (inline && Buffer.byteLength(text) + Buffer.byteLength(inline.json) + 8 <= NOTIFY_INLINE_LIMIT) {
      text = `${text.slice(0, -1)},"${inline.key}":${inline.json}}`;
    }
    await sql`select pg_notify(${channel}, ${text})`.execute(trx);
  }

  async function lockStream(trx: Db, stream: string) {
    const row = await trx
      .selectFrom("apprun_bus_stream")
      .selectAll()
      .where("name", "=", stream)
      .$if(dialect.rowLocks, (q) => q.forUpdate())
      .executeTakeFirst();
    if (!row) throw new AppError("bus_stream_not_found", 404, { stream });
    return row;
  }

  /** Stores one event inside `trx` (the stream's row lock is taken here). */
  async function appendIn(trx: Db, stream: string, subject: string, eventJson: string, dedupeKey: string): Promise<AppendOutcome> {
    const current = await lockStream(trx, stream);
    const existing = await duplicateOf(trx, stream, dedupeKey);
    if (existing) return existing;
    const seq = current.last_seq + 1;
    const size = Buffer.byteLength(eventJson);
    const storedMs = clock();
    await trx
      .updateTable("apprun_bus_stream")
      .set((eb) => ({ last_seq: seq, bytes: eb("bytes", "+", size) }))
      .where("name", "=", stream)
      .execute();
    await trx
      .insertInto("apprun_bus_event")
      .values({ stream, seq, subject, dedupe_key: dedupeKey, event: eventJson, size, stored_ms: storedMs })
      .execute();
    await notify(trx, { o: nodeId, k: "d", st: stream, q: seq, s: subject }, { key: "e", json: eventJson });
    return { row: { stream, seq, subject, event: eventJson, storedMs }, duplicate: false };
  }

  async function duplicateOf(q: Db, stream: string, dedupeKey: string): Promise<AppendOutcome | null> {
    const existing = await q
      .selectFrom("apprun_bus_event")
      .select(["seq", "subject", "event", "stored_ms"])
      .where("stream", "=", stream)
      .where("dedupe_key", "=", dedupeKey)
      .executeTakeFirst();
    return existing
      ? {
          row: { stream, seq: existing.seq, subject: existing.subject, event: existing.event, storedMs: existing.stored_ms },
          duplicate: true,
        }
      : null;
  }

  // ── SQLite: appends committed in groups ──
  // Every append waiting while a commit runs goes into the next transaction together (group
  // commit): one BEGIN/COMMIT for many events instead of one each, in the order they were
  // called, each promise settling only after its transaction committed. A failing group is
  // retried one append at a time, so one bad append (its stream deleted) fails alone.
  interface Waiting {
    stream: string;
    subject: string;
    eventJson: string;
    dedupeKey: string;
    resolve: (outcome: AppendOutcome) => void;
    reject: (err: unknown) => void;
  }
  const MAX_GROUP = 256;
  let waiting: Waiting[] = [];
  let committing = false;

  /**
   * The same steps as appendIn on SQLite's one connection, run at once (statements prepared once,
   * no promise round trips). The caller holds the connection: inside a write transaction.
   */
  function appendInSqlite(stream: string, subject: string, eventJson: string, dedupeKey: string): AppendOutcome {
    const sync = database.sync!;
    const current = sync.get<{ last_seq: number }>('select "last_seq" from "apprun_bus_stream" where "name" = ?', [stream]);
    if (!current) throw new AppError("bus_stream_not_found", 404, { stream });
    const seq = current.last_seq + 1;
    const size = Buffer.byteLength(eventJson);
    const storedMs = clock();
    // The event first: if its insert fails, nothing of this append was written (the caller's transaction may go on).
    try {
      sync.run(
        'insert into "apprun_bus_event" ("stream", "seq", "subject", "dedupe_key", "event", "size", "stored_ms") values (?, ?, ?, ?, ?, ?, ?)',
        [stream, seq, subject, dedupeKey, eventJson, size, storedMs],
      );
    } catch (err) {
      // Ids are new almost always: the unique key finds the duplicates instead of a lookup before every insert.
      if ((err as { code?: string }).code !== "SQLITE_CONSTRAINT_UNIQUE") throw err;
      const existing = sync.get<{ seq: number; subject: string; event: string; stored_ms: number }>(
        'select "seq", "subject", "event", "stored_ms" from "apprun_bus_event" where "stream" = ? and "dedupe_key" = ?',
        [stream, dedupeKey],
      );
      if (!existing) throw err;
      return {
        row: { stream, seq: existing.seq, subject: existing.subject, event: existing.event, storedMs: existing.stored_ms },
        duplicate: true,
      };
    }
    sync.run('update "apprun_bus_stream" set "last_seq" = ?, "bytes" = "bytes" + ? where "name" = ?', [seq, size, stream]);
    return { row: { stream, seq, subject, event: eventJson, storedMs }, duplicate: false };
  }

  function appendGrouped(stream: string, subject: string, eventJson: string, dedupeKey: string): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      waiting.push({ stream, subject, eventJson, dedupeKey, resolve, reject });
      if (!committing) void commitWaiting();
    });
  }

  async function commitWaiting(): Promise<void> {
    committing = true;
    try {
      while (waiting.length > 0) {
        let group: Waiting[] = [];
        let outcomes: AppendOutcome[] | null = null;
        let failure: unknown = null;
        try {
          outcomes = await writeTransaction(database, async (_trx) => {
            // Taken once the connection is ours: what arrived while waiting for it joins this group.
            group = waiting.length <= MAX_GROUP ? waiting : waiting.slice(0, MAX_GROUP);
            waiting = waiting.length <= MAX_GROUP ? [] : waiting.slice(MAX_GROUP);
            const out: AppendOutcome[] = [];
            for (const a of group) out.push(appendInSqlite(a.stream, a.subject, a.eventJson, a.dedupeKey));
            return out;
          });
        } catch (err) {
          failure = err;
        }
        if (group.length === 0 && failure) {
          // The transaction could not begin (the database closed, say): everything waiting fails.
          group = waiting;
          waiting = [];
          for (const a of group) a.reject(failure);
          continue;
        }
        if (outcomes) {
          for (let i = 0; i < group.length; i++) group[i]!.resolve(outcomes[i]!);
        } else if (group.length === 1) {
          group[0]!.reject(failure);
        } else {
          for (const a of group) {
            try {
              a.resolve(await writeTransaction(database, async () => appendInSqlite(a.stream, a.subject, a.eventJson, a.dedupeKey)));
            } catch (err) {
              a.reject(err);
            }
          }
        }
      }
    } finally {
      committing = false;
    }
  }

  /**
   * PostgreSQL only (it has data-modifying CTEs; SQLite does not): one statement takes the next
   * sequence, stores the event and notifies other nodes, so the stream's row lock is held for one
   * statement instead of a transaction's round trips. Measured with 16 concurrent appenders on one
   * stream: ~2,900 appends/s against ~400/s for the transaction.
   */
  async function appendInOneStatement(stream: string, subject: string, eventJson: string, dedupeKey: string): Promise<AppendOutcome> {
    const earlier = await duplicateOf(db, stream, dedupeKey);
    if (earlier) return earlier;
    const size = Buffer.byteLength(eventJson);
    const storedMs = clock();
    // The notice's JSON around the sequence, which only the statement knows.
    const head = `${JSON.stringify({ o: nodeId, k: "d", st: stream, s: subject }).slice(0, -1)},"q":`;
    const tail = Buffer.byteLength(head) + Buffer.byteLength(eventJson) + 30 <= NOTIFY_INLINE_LIMIT ? `,"e":${eventJson}}` : "}";
    try {
      const { rows } = await sql<{ seq: number }>`
        with next as (
          update apprun_bus_stream set last_seq = last_seq + 1, bytes = bytes + ${size} where name = ${stream} returning last_seq
        ), stored as (
          insert into apprun_bus_event (stream, seq, subject, dedupe_key, event, size, stored_ms)
          select ${stream}, last_seq, ${subject}, ${dedupeKey}, ${eventJson}, ${size}, ${storedMs} from next
          returning seq
        )
        select seq, pg_notify(${channel}, ${head}::text || seq::text || ${tail}::text) from stored`.execute(db);
      const seq = rows[0]?.seq;
      if (seq === undefined) throw new AppError("bus_stream_not_found", 404, { stream });
      return { row: { stream, seq: Number(seq), subject, event: eventJson, storedMs }, duplicate: false };
    } catch (err) {
      // A concurrent append of the same event won the unique key; the whole statement rolled back.
      if ((err as { code?: string }).code === "23505") {
        const winner = await duplicateOf(db, stream, dedupeKey);
        if (winner) return winner;
      }
      throw err;
    }
  }

  /**
   * Up to `want` events after `afterSeq` matching `filter`, and the sequence up to which the
   * stream was examined (to move a group's cursor past events its filter rejects).
   */
  async function scan(
    q: Db,
    stream: string,
    afterSeq: number,
    want: number,
    filter: string | null,
    maxExamined = SCAN_LIMIT,
  ): Promise<{ rows: StoredRow[]; scannedTo: number; exhausted: boolean }> {
    // Read the stream's last sequence first: every event up to it is committed (appends commit in
    // sequence order), so the cursor may move up to it without skipping a later commit.
    const top = (await streamRow(q, stream)).last_seq;
    const rows: StoredRow[] = [];
    let scannedTo = afterSeq;
    const glob = filter
      ? filter
          .split(".")
          .map((t) => (t === "*" || t === ">" ? "*" : t))
          .join(".")
      : null;
    const exact = !filter || !filter.split(".").includes("*");
    for (let examined = 0; rows.length < want && scannedTo < top && examined < maxExamined;) {
      const chunk = Math.min(Math.max(want - rows.length, 50), 500);
      const batch = await q
        .selectFrom("apprun_bus_event")
        .select(["seq", "subject", "event", "stored_ms"])
        .where("stream", "=", stream)
        .where("seq", ">", scannedTo)
        .where("seq", "<=", top)
        .$if(glob !== null, (qb) => qb.where(dialect.glob("subject", glob!)))
        .orderBy("seq")
        .limit(chunk)
        .execute();
      examined += chunk;
      for (const r of batch) {
        scannedTo = r.seq;
        if (exact || subjectMatches(filter!, r.subject)) {
          rows.push({ stream, seq: r.seq, subject: r.subject, event: r.event, storedMs: r.stored_ms });
          if (rows.length === want) return { rows, scannedTo, exhausted: scannedTo >= top };
        }
      }
      // Fewer than asked: nothing else up to `top` matches (the glob may have skipped rows).
      if (batch.length < chunk) scannedTo = top;
    }
    return { rows, scannedTo, exhausted: scannedTo >= top };
  }

  async function groupRow(q: Db, stream: string, group: string, lock = false) {
    const row = await q
      .selectFrom("apprun_bus_group")
      .selectAll()
      .where("stream", "=", stream)
      .where("name", "=", group)
      .$if(lock && dialect.rowLocks, (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (!row) {
      await streamRow(q, stream);
      throw new AppError("bus_group_not_found", 404, { stream, group });
    }
    return row;
  }

  async function streamRow(q: Db, stream: string) {
    const row = await q.selectFrom("apprun_bus_stream").selectAll().where("name", "=", stream).executeTakeFirst();
    if (!row) throw new AppError("bus_stream_not_found", 404, { stream });
    return row;
  }

  async function afterSeqOf(q: Db, stream: string, position: { afterSeq: number } | { fromMs: number }): Promise<number> {
    if ("afterSeq" in position) return position.afterSeq;
    const first = await q
      .selectFrom("apprun_bus_event")
      .select((eb) => eb.fn.min("seq").as("seq"))
      .where("stream", "=", stream)
      .where("stored_ms", ">=", position.fromMs)
      .executeTakeFirst();
    if (first?.seq != null) return Number(first.seq) - 1;
    return (await streamRow(q, stream)).last_seq;
  }

  function configOf(row: {
    filter: string | null;
    ack_wait_ms: number;
    backoff_ms: string | null;
    max_deliveries: number | null;
    dead_letter_stream: string | null;
  }) {
    return {
      filter: row.filter,
      ackWaitMs: row.ack_wait_ms,
      backoffMs: row.backoff_ms ? (JSON.parse(row.backoff_ms) as number[]) : undefined,
      maxDeliveries: row.max_deliveries,
      deadLetterStream: row.dead_letter_stream,
    };
  }

  function infoOf(
    row: { name: string; max_age_ms: number | null; max_bytes: number | null; max_msgs: number | null; last_seq: number; bytes: number },
    messages: number,
    firstSeq: number | null,
  ): StreamInfo {
    return {
      name: row.name,
      maxAgeMs: row.max_age_ms,
      maxBytes: row.max_bytes,
      maxMsgs: row.max_msgs,
      firstSeq: messages === 0 || firstSeq === null ? row.last_seq + 1 : firstSeq,
      lastSeq: row.last_seq,
      messages,
      bytes: row.bytes,
    };
  }

  return {
    async ensureStream(config: StreamConfig): Promise<StreamInfo> {
      const limits = { max_age_ms: config.maxAgeMs ?? null, max_bytes: config.maxBytes ?? null, max_msgs: config.maxMsgs ?? null };
      await writeTransaction(database, async (trx) => {
        await trx
          .insertInto("apprun_bus_stream")
          .values({ name: config.name, ...limits })
          .onConflict((oc) => oc.column("name").doUpdateSet(limits))
          .execute();
      });
      return (await this.streamInfo(config.name))!;
    },

    async streamInfo(name: string): Promise<StreamInfo | null> {
      const row = await db.selectFrom("apprun_bus_stream").selectAll().where("name", "=", name).executeTakeFirst();
      if (!row) return null;
      const stats = await db
        .selectFrom("apprun_bus_event")
        .select((eb) => [eb.fn.countAll<number>().as("messages"), eb.fn.min("seq").as("first")])
        .where("stream", "=", name)
        .executeTakeFirstOrThrow();
      return infoOf(row, Number(stats.messages), stats.first == null ? null : Number(stats.first));
    },

    async deleteStream(name: string): Promise<boolean> {
      return writeTransaction(database, async (trx) => {
        await trx.deleteFrom("apprun_bus_pending").where("stream", "=", name).execute();
        const result = await trx.deleteFrom("apprun_bus_stream").where("name", "=", name).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    /** SQLite only: stores the event inside the write transaction the caller holds on this database. */
    appendWithin(stream: string, subject: string, eventJson: string, dedupeKey: string): AppendOutcome {
      if (!database.sync) throw new Error("appendWithin is for the embedded bus on SQLite");
      return appendInSqlite(stream, subject, eventJson, dedupeKey);
    },

    append(stream: string, subject: string, eventJson: string, dedupeKey: string): Promise<AppendOutcome> {
      if (channel) return appendInOneStatement(stream, subject, eventJson, dedupeKey);
      if (database.kind === "sqlite") return appendGrouped(stream, subject, eventJson, dedupeKey);
      return writeTransaction(database, (trx) => appendIn(trx, stream, subject, eventJson, dedupeKey));
    },

    async read(
      stream: string,
      position: { afterSeq: number } | { fromMs: number },
      limit: number,
      filter: string | null,
    ): Promise<StoredRow[]> {
      await streamRow(db, stream);
      const afterSeq = await afterSeqOf(db, stream, position);
      // A page ends only at `limit` or at the stream's end, however many events the filter skips.
      return (await scan(db, stream, afterSeq, limit, filter, Number.POSITIVE_INFINITY)).rows;
    },

    async event(stream: string, seq: number): Promise<StoredRow | null> {
      const r = await db
        .selectFrom("apprun_bus_event")
        .select(["subject", "event", "stored_ms"])
        .where("stream", "=", stream)
        .where("seq", "=", seq)
        .executeTakeFirst();
      return r ? { stream, seq, subject: r.subject, event: r.event, storedMs: r.stored_ms } : null;
    },

    async ensureGroup(stream: string, group: string, config: ValidGroupConfig): Promise<void> {
      await writeTransaction(database, async (trx) => {
        const s = await streamRow(trx, stream);
        if (config.deadLetterStream) await streamRow(trx, config.deadLetterStream);
        const settings = {
          filter: config.filter ?? null,
          ack_wait_ms: config.ackWaitMs,
          backoff_ms: config.backoffMs ? JSON.stringify(config.backoffMs) : null,
          max_deliveries: config.maxDeliveries ?? null,
          dead_letter_stream: config.deadLetterStream ?? null,
        };
        await trx
          .insertInto("apprun_bus_group")
          .values({ stream, name: group, ...settings, cursor: config.start === "new" ? s.last_seq : 0 })
          .onConflict((oc) => oc.columns(["stream", "name"]).doUpdateSet(settings))
          .execute();
      });
    },

    async deleteGroup(stream: string, group: string): Promise<boolean> {
      return writeTransaction(database, async (trx) => {
        await trx.deleteFrom("apprun_bus_pending").where("stream", "=", stream).where("group_name", "=", group).execute();
        const result = await trx.deleteFrom("apprun_bus_group").where("stream", "=", stream).where("name", "=", group).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    /** Leases up to `batch` events: due redeliveries first, then events the group has not seen. */
    claim(stream: string, group: string, batch: number): Promise<ClaimResult> {
      return writeTransaction(database, async (trx) => {
        const now = clock();
        const config = configOf(await groupRow(trx, stream, group));
        const deliveries: Claimed[] = [];
        const deadLettered: StoredRow[] = [];
        let more = false;

        const due = await trx
          .selectFrom("apprun_bus_pending")
          .select(["seq", "deliveries"])
          .where("stream", "=", stream)
          .where("group_name", "=", group)
          .where("visible_ms", "<=", now)
          .orderBy("seq")
          .limit(batch)
          .$if(dialect.rowLocks, (q) => q.forUpdate().skipLocked())
          .execute();
        if (due.length > 0) {
          const events = await trx
            .selectFrom("apprun_bus_event")
            .select(["seq", "subject", "event", "stored_ms"])
            .where("stream", "=", stream)
            .where(
              "seq",
              "in",
              due.map((d) => d.seq),
            )
            .execute();
          const bySeq = new Map(events.map((e) => [e.seq, e]));
          for (const pending of due) {
            const pk = (q: Db) =>
              q
                .deleteFrom("apprun_bus_pending")
                .where("stream", "=", stream)
                .where("group_name", "=", group)
                .where("seq", "=", pending.seq);
            const e = bySeq.get(pending.seq);
            // Retention removed the event while it was pending: it is gone, as on JetStream.
            if (!e) {
              await pk(trx).execute();
              continue;
            }
            const row: StoredRow = { stream, seq: e.seq, subject: e.subject, event: e.event, storedMs: e.stored_ms };
            if (config.maxDeliveries !== null && pending.deliveries >= config.maxDeliveries) {
              if (config.deadLetterStream) {
                const copy = deadLetterCopy(e.event, { stream, group, seq: e.seq, deliveries: pending.deliveries });
                const outcome = await appendIn(trx, config.deadLetterStream, e.subject, copy, `dl:${stream}:${group}:${e.seq}`);
                if (!outcome.duplicate) deadLettered.push(outcome.row);
              }
              await pk(trx).execute();
              continue;
            }
            const count = pending.deliveries + 1;
            const lease = newLease();
            await trx
              .updateTable("apprun_bus_pending")
              .set({ deliveries: count, visible_ms: now + ackDeadlineMs(config, count), lease })
              .where("stream", "=", stream)
              .where("group_name", "=", group)
              .where("seq", "=", pending.seq)
              .execute();
            deliveries.push({ ...row, deliveries: count, token: deliveryToken(stream, group, e.seq, lease) });
          }
        }

        if (deliveries.length < batch) {
          // The group row's lock orders cursor moves between pullers on every node.
          const { cursor } = await groupRow(trx, stream, group, true);
          const { rows, scannedTo, exhausted } = await scan(trx, stream, cursor, batch - deliveries.length, config.filter);
          more = !exhausted && rows.length < batch - deliveries.length;
          const leased = rows.map((r) => ({ row: r, lease: newLease() }));
          if (leased.length > 0) {
            await trx
              .insertInto("apprun_bus_pending")
              .values(
                leased.map(({ row, lease }) => ({
                  stream,
                  group_name: group,
                  seq: row.seq,
                  deliveries: 1,
                  visible_ms: now + ackDeadlineMs(config, 1),
                  lease,
                })),
              )
              .execute();
          }
          if (scannedTo !== cursor) {
            await trx
              .updateTable("apprun_bus_group")
              .set({ cursor: scannedTo })
              .where("stream", "=", stream)
              .where("name", "=", group)
              .execute();
          }
          for (const { row, lease } of leased)
            deliveries.push({ ...row, deliveries: 1, token: deliveryToken(stream, group, row.seq, lease) });
        }

        const next = await trx
          .selectFrom("apprun_bus_pending")
          .select((eb) => eb.fn.min("visible_ms").as("at"))
          .where("stream", "=", stream)
          .where("group_name", "=", group)
          .executeTakeFirst();
        return { deliveries, deadLettered, nextVisibleMs: next?.at == null ? null : Number(next.at), more };
      });
    },

    /** Acknowledges by sequence, whoever holds the lease now (as JetStream does). */
    async ack(stream: string, group: string, seq: number): Promise<void> {
      const result = await db
        .deleteFrom("apprun_bus_pending")
        .where("stream", "=", stream)
        .where("group_name", "=", group)
        .where("seq", "=", seq)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) await groupRow(db, stream, group);
    },

    /** Releases a lease for redelivery after `delayMs`; a stale lease (already redelivered) changes nothing. */
    async nack(stream: string, group: string, seq: number, lease: string, delayMs: number): Promise<void> {
      const result = await db
        .updateTable("apprun_bus_pending")
        .set({ visible_ms: clock() + delayMs, lease: null })
        .where("stream", "=", stream)
        .where("group_name", "=", group)
        .where("seq", "=", seq)
        .where("lease", "=", lease)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return void (await groupRow(db, stream, group));
      await notify(db, { o: nodeId, k: "w", st: stream });
    },

    async seek(stream: string, group: string, position: { afterSeq: number } | { fromMs: number }): Promise<void> {
      await writeTransaction(database, async (trx) => {
        // Lock order on PostgreSQL is pending rows, then the group row, as in claim(): no deadlock.
        if (dialect.rowLocks)
          await trx
            .selectFrom("apprun_bus_pending")
            .select("seq")
            .where("stream", "=", stream)
            .where("group_name", "=", group)
            .forUpdate()
            .execute();
        await groupRow(trx, stream, group, true);
        const cursor = await afterSeqOf(trx, stream, position);
        await trx.deleteFrom("apprun_bus_pending").where("stream", "=", stream).where("group_name", "=", group).execute();
        await trx.updateTable("apprun_bus_group").set({ cursor }).where("stream", "=", stream).where("name", "=", group).execute();
        await notify(trx, { o: nodeId, k: "w", st: stream });
      });
    },

    async lag(stream: string, group: string): Promise<GroupLag> {
      const g = await groupRow(db, stream, group);
      const first = await db
        .selectFrom("apprun_bus_event")
        .select((eb) => eb.fn.min("seq").as("seq"))
        .where("stream", "=", stream)
        .executeTakeFirst();
      const unacked = await db
        .selectFrom("apprun_bus_pending")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("stream", "=", stream)
        .where("group_name", "=", group)
        // Pending rows whose event retention removed are dropped at the next pull; they are not lag.
        .where("seq", ">=", first?.seq == null ? Number.MAX_SAFE_INTEGER : Number(first.seq))
        .executeTakeFirstOrThrow();
      let pending: number;
      const filter = g.filter;
      if (!filter || !filter.split(".").includes("*")) {
        const glob = filter ? filter.replace(/>$/, "*") : null;
        const r = await db
          .selectFrom("apprun_bus_event")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("stream", "=", stream)
          .where("seq", ">", g.cursor)
          .$if(glob !== null, (qb) => qb.where(dialect.glob("subject", glob!)))
          .executeTakeFirstOrThrow();
        pending = Number(r.n);
      } else {
        // `*` has no exact SQL form on both databases: count the subjects here.
        const subjects = await db
          .selectFrom("apprun_bus_event")
          .select("subject")
          .where("stream", "=", stream)
          .where("seq", ">", g.cursor)
          .execute();
        pending = subjects.filter((s) => subjectMatches(filter, s.subject)).length;
      }
      return { pending, unacked: Number(unacked.n) };
    },

    /** Enforces every stream's retention limits, oldest events first, and expires relay rows. */
    async trim(relayTtlMs: number): Promise<void> {
      const streams = await db
        .selectFrom("apprun_bus_stream")
        .select("name")
        .where((eb) => eb.or([eb("max_age_ms", "is not", null), eb("max_bytes", "is not", null), eb("max_msgs", "is not", null)]))
        .execute();
      for (const { name } of streams) {
        await writeTransaction(database, async (trx) => {
          const s = await trx
            .selectFrom("apprun_bus_stream")
            .selectAll()
            .where("name", "=", name)
            .$if(dialect.rowLocks, (q) => q.forUpdate())
            .executeTakeFirst();
          if (!s) return;
          let cutoff = 0;
          if (s.max_msgs !== null) cutoff = Math.max(cutoff, s.last_seq - s.max_msgs);
          if (s.max_age_ms !== null) {
            const old = await trx
              .selectFrom("apprun_bus_event")
              .select((eb) => eb.fn.max("seq").as("seq"))
              .where("stream", "=", name)
              .where("stored_ms", "<", clock() - s.max_age_ms)
              .executeTakeFirst();
            if (old?.seq != null) cutoff = Math.max(cutoff, Number(old.seq));
          }
          if (s.max_bytes !== null && s.bytes > s.max_bytes) {
            let excess = s.bytes - s.max_bytes;
            let after = 0;
            while (excess > 0) {
              const rows = await trx
                .selectFrom("apprun_bus_event")
                .select(["seq", "size"])
                .where("stream", "=", name)
                .where("seq", ">", after)
                .orderBy("seq")
                .limit(500)
                .execute();
              if (rows.length === 0) break;
              for (const r of rows) {
                after = r.seq;
                excess -= r.size;
                if (excess <= 0) break;
              }
            }
            cutoff = Math.max(cutoff, after);
          }
          if (cutoff <= 0) return;
          const removed = await trx
            .selectFrom("apprun_bus_event")
            .select((eb) => eb.fn.sum<number>("size").as("bytes"))
            .where("stream", "=", name)
            .where("seq", "<=", cutoff)
            .executeTakeFirst();
          const bytes = Number(removed?.bytes ?? 0);
          if (bytes === 0) return;
          await trx.deleteFrom("apprun_bus_event").where("stream", "=", name).where("seq", "<=", cutoff).execute();
          await trx
            .updateTable("apprun_bus_stream")
            .set((eb) => ({ bytes: eb("bytes", "-", bytes) }))
            .where("name", "=", name)
            .execute();
        });
      }
      await db
        .deleteFrom("apprun_bus_relay")
        .where("created_ms", "<", clock() - relayTtlMs)
        .execute();
    },

    /** Tells other nodes about an ephemeral message (PostgreSQL; a no-op on SQLite). */
    async announce(subject: string, json: string): Promise<void> {
      if (!channel) return;
      if (Buffer.byteLength(json) + 200 <= NOTIFY_INLINE_LIMIT) {
        await notify(db, { o: nodeId, k: "e", s: subject }, { key: "d", json });
        return;
      }
      await db.transaction().execute(async (trx) => {
        const id = crypto.randomUUID();
        await trx.insertInto("apprun_bus_relay").values({ id, payload: json, created_ms: clock() }).execute();
        await notify(trx, { o: nodeId, k: "e", s: subject, r: id });
      });
    },

    async relayed(id: string): Promise<string | null> {
      const row = await db.selectFrom("apprun_bus_relay").select("payload").where("id", "=", id).executeTakeFirst();
      return row?.payload ?? null;
    },
  };
}

export type BusStore = ReturnType<typeof createBusStore>;

/**
 * `<seq>.<lease>.<tag>`: the tag ties the token to its stream and group, so a token handed to the
 * wrong group is refused rather than acking that group's event of the same sequence.
 */
export function deliveryToken(stream: string, group: string, seq: number, lease: string): string {
  return `${seq}.${lease}.${groupTag(stream, group)}`;
}

export function parseDeliveryToken(stream: string, group: string, token: unknown): { seq: number; lease: string } | null {
  const match = typeof token === "string" ? /^(\d{1,16})\.([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{8})$/.exec(token) : null;
  if (!match || match[3] !== groupTag(stream, group)) return null;
  return { seq: Number(match[1]), lease: match[2]! };
}

function groupTag(stream: string, group: string): string {
  return crypto.createHash("sha256").update(`${stream}\n${group}`).digest("base64url").slice(0, 8);
}

function newLease(): string {
  return crypto.randomBytes(9).toString("base64url");
}

/** The dead-lettered copy: the same event, with extension attributes saying where it failed. */
export function deadLetterCopy(eventJson: string, from: { stream: string; group: string; seq: number; deliveries: number }): string {
  const event = JSON.parse(eventJson) as Record<string, unknown>;
  return JSON.stringify({
    ...event,
    deadletterstream: from.stream,
    deadlettergroup: from.group,
    deadletterseq: from.seq,
    deadletterdeliveries: from.deliveries,
  });
}
