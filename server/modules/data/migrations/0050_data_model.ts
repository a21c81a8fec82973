import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

/**
 * The data module's bookkeeping: each project's current model and version, every version with
 * its up and down steps, and data kept after drops until purged. Project tables themselves live
 * in per-project namespaces (see server/modules/data/storage/namespace.ts), not here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db));
  await db.schema
    .createTable("apprun_data_project")
    .addColumn("project_id", "text", (c) => c.primaryKey())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("model", t.types.json, (c) => c.notNull())
    .addColumn("updated_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .execute();

  await db.schema
    .createTable("apprun_data_version")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("base_version", "integer", (c) => c.notNull())
    .addColumn("model", t.types.json, (c) => c.notNull())
    .addColumn("up_steps", t.types.json, (c) => c.notNull())
    .addColumn("down_steps", t.types.json, (c) => c.notNull())
    .addColumn("warnings", t.types.json, (c) => c.notNull())
    .addColumn("author", "text", (c) => c.notNull())
    .addColumn("message", "text")
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .addPrimaryKeyConstraint("apprun_data_version_pk", ["project_id", "version"])
    .execute();

  await db.schema
    .createTable("apprun_data_retained")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("collection_id", "text", (c) => c.notNull())
    .addColumn("collection_name", "text", (c) => c.notNull())
    .addColumn("field_id", "text")
    .addColumn("field_name", "text")
    .addColumn("definition", t.types.json, (c) => c.notNull())
    .addColumn("tables", t.types.json, (c) => c.notNull())
    .addColumn("row_count", "integer", (c) => c.notNull())
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .execute();
  await db.schema
    .createIndex("apprun_data_retained_project_idx")
    .on("apprun_data_retained")
    .columns(["project_id", "collection_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("apprun_data_retained").execute();
  await db.schema.dropTable("apprun_data_version").execute();
  await db.schema.dropTable("apprun_data_project").execute();
}
