import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

/**
 * The event center (server/modules/events/README.md): topics of each project (each backed by one
 * bus stream), their consumer groups, webhooks and the webhooks' delivery log. Rows carry the
 * project id; the events themselves live in the bus.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db));

  await db.schema
    .createTable("apprun_events_topic")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    // "user" topics are published to through the API; "system" topics are written by apprun only.
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("stream", "text", (c) => c.notNull().unique())
    .addColumn("max_age_ms", t.types.bigint)
    .addColumn("max_bytes", t.types.bigint)
    .addColumn("publish_roles", t.types.json)
    .addColumn("subscribe_roles", t.types.json)
    .addColumn("dead_letter_topic", "text")
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull())
    .addUniqueConstraint("apprun_events_topic_name", ["project_id", "name"])
    .execute();

  await db.schema
    .createTable("apprun_events_group")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("topic_id", "text", (c) => c.notNull().references("apprun_events_topic.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("config", t.types.json, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull())
    .addUniqueConstraint("apprun_events_group_name", ["topic_id", "name"])
    .execute();

  await db.schema
    .createTable("apprun_events_webhook")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("topic_id", "text", (c) => c.notNull().references("apprun_events_topic.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("types", t.types.json, (c) => c.notNull())
    // The signing secret, sealed with the master key (purpose "webhooks").
    .addColumn("secret", "text", (c) => c.notNull())
    .addColumn("enabled", t.types.boolean, (c) => c.notNull())
    .addColumn("retry_base_ms", "integer", (c) => c.notNull())
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("apprun_events_webhook_project").on("apprun_events_webhook").columns(["project_id", "topic_id"]).execute();

  await db.schema
    .createTable("apprun_events_delivery")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("webhook_id", "text", (c) => c.notNull().references("apprun_events_webhook.id").onDelete("cascade"))
    .addColumn("seq", t.types.bigint, (c) => c.notNull())
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("event_type", "text", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    // "succeeded", "retrying" (a later attempt follows), "failed" (attempts exhausted).
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("response_code", "integer")
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("manual", t.types.boolean, (c) => c.notNull())
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("apprun_events_delivery_webhook").on("apprun_events_delivery").columns(["webhook_id", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["apprun_events_delivery", "apprun_events_webhook", "apprun_events_group", "apprun_events_topic"]) {
    await db.schema.dropTable(table).execute();
  }
}
