import type { Kysely } from "kysely";
import { dialectOf, kindOf } from "../../../platform/db/dialect";

/** The origins whose browser apps may call a project's public API (CORS), as a JSON list. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = dialectOf(kindOf(db)).types;
  await db.schema
    .alterTable("projects")
    .addColumn("cors_origins", t.json, (c) => c.notNull().defaultTo("[]"))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("projects").dropColumn("cors_origins").execute();
}
