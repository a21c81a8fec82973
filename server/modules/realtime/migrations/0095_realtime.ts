import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

/**
 * Realtime (server/modules/realtime/README.md): each project's broadcast channels with their
 * subscribe/publish rules, and who is present on which channel (one row per connection, kept
 * fresh by its node's heartbeat, so every node can list the members of a channel).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db));

  await db.schema
    .createTable("apprun_realtime_channel")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    // CEL over `auth` and `channel`; null: API keys with the permission only, "": everyone.
    .addColumn("subscribe_rule", "text")
    .addColumn("publish_rule", "text")
    .addColumn("presence", t.types.boolean, (c) => c.notNull())
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .addColumn("updated_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .addPrimaryKeyConstraint("apprun_realtime_channel_pk", ["project_id", "name"])
    .execute();

  await db.schema
    .createTable("apprun_realtime_presence")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("connection_id", "text", (c) => c.notNull())
    .addColumn("node_id", "text", (c) => c.notNull())
    .addColumn("member", "text", (c) => c.notNull())
    .addColumn("joined_ms", t.types.bigint, (c) => c.notNull())
    // Refreshed by the node's heartbeat; rows of a node that stopped refreshing are ignored, then swept.
    .addColumn("seen_ms", t.types.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint("apprun_realtime_presence_pk", ["project_id", "channel", "connection_id"])
    .execute();
  await db.schema.createIndex("apprun_realtime_presence_node").on("apprun_realtime_presence").columns(["node_id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("apprun_realtime_presence").execute();
  await db.schema.dropTable("apprun_realtime_channel").execute();
}
