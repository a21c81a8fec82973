import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../server/platform/db/dialect";

/**
 * The embedded bus's durable state (server/platform/bus/README.md). Times the bus compares are
 * epoch milliseconds in bigint columns, identical on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db));

  await db.schema
    .createTable("apprun_bus_stream")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("max_age_ms", t.types.bigint)
    .addColumn("max_bytes", t.types.bigint)
    .addColumn("max_msgs", t.types.bigint)
    // The last sequence handed out; appends increment it under the row's lock.
    .addColumn("last_seq", t.types.bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("bytes", t.types.bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .execute();

  await db.schema
    .createTable("apprun_bus_event")
    .addColumn("stream", "text", (c) => c.notNull().references("apprun_bus_stream.name").onDelete("cascade"))
    .addColumn("seq", t.types.bigint, (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    // The CloudEvent id, or the dead-letter key: appends with a key already stored are duplicates.
    .addColumn("dedupe_key", "text", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("stored_ms", t.types.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("apprun_bus_event_pk", ["stream", "seq"])
    .addUniqueConstraint("apprun_bus_event_dedupe", ["stream", "dedupe_key"])
    .execute();
  await db.schema.createIndex("apprun_bus_event_time").on("apprun_bus_event").columns(["stream", "stored_ms"]).execute();

  await db.schema
    .createTable("apprun_bus_group")
    .addColumn("stream", "text", (c) => c.notNull().references("apprun_bus_stream.name").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("filter", "text")
    .addColumn("ack_wait_ms", t.types.bigint, (c) => c.notNull())
    .addColumn("backoff_ms", "text")
    .addColumn("max_deliveries", "integer")
    .addColumn("dead_letter_stream", "text")
    // Every event with seq <= cursor has been handed to the group (or skipped by its filter).
    .addColumn("cursor", t.types.bigint, (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .addPrimaryKeyConstraint("apprun_bus_group_pk", ["stream", "name"])
    .execute();

  await db.schema
    .createTable("apprun_bus_pending")
    .addColumn("stream", "text", (c) => c.notNull())
    .addColumn("group_name", "text", (c) => c.notNull())
    .addColumn("seq", t.types.bigint, (c) => c.notNull())
    .addColumn("deliveries", "integer", (c) => c.notNull())
    // Deliverable again from this time: the ack deadline of a lease, or the end of a nack delay.
    .addColumn("visible_ms", t.types.bigint, (c) => c.notNull())
    // The current holder's lease; null when nacked (nobody holds it).
    .addColumn("lease", "text")
    .addPrimaryKeyConstraint("apprun_bus_pending_pk", ["stream", "group_name", "seq"])
    .addForeignKeyConstraint("apprun_bus_pending_group", ["stream", "group_name"], "apprun_bus_group", ["stream", "name"], (c) =>
      c.onDelete("cascade"),
    )
    .execute();
  await db.schema
    .createIndex("apprun_bus_pending_visible")
    .on("apprun_bus_pending")
    .columns(["stream", "group_name", "visible_ms"])
    .execute();

  // Ephemeral messages too large for a PostgreSQL NOTIFY payload, kept briefly for other nodes.
  await db.schema
    .createTable("apprun_bus_relay")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_ms", t.types.bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("apprun_bus_relay_created").on("apprun_bus_relay").column("created_ms").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["apprun_bus_relay", "apprun_bus_pending", "apprun_bus_group", "apprun_bus_event", "apprun_bus_stream"]) {
    await db.schema.dropTable(table).execute();
  }
}
