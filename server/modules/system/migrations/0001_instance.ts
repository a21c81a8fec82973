import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db));
  await db.schema
    .createTable("apprun_instance")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_at", t.types.timestamp, (c) => c.notNull().defaultTo(t.now()))
    .addColumn("master_key_fingerprint", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("apprun_instance").execute();
}
