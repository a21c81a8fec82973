import { Migrator, sql, type Kysely, type Migration, type MigrationResult } from "kysely";
import { kindOf } from "./dialect";

export interface MigrationState {
  name: string;
  executedAt: string | null;
}

/**
 * The Migrator looks for its tables through introspection, which on PostgreSQL sees every schema:
 * without naming ours, a table of another installation or test suite in the same database makes it
 * skip creating its own. So it is pinned to the connection's current schema.
 */
async function migratorFor(db: Kysely<unknown>, migrations: Record<string, Migration>) {
  const schema =
    kindOf(db) === "postgres" ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: "apprun_migration",
    migrationLockTableName: "apprun_migration_lock",
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

/**
 * Applies pending migrations in order inside Kysely's migration lock (an advisory lock on
 * PostgreSQL), so nodes starting together on one database migrate once.
 */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Record<string, Migration>): Promise<MigrationResult[]> {
  const { error, results } = await (await migratorFor(db, migrations)).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? "(setup)"} failed: ${reason}`, { cause: error });
  }
  return results ?? [];
}

export async function migrationStatus(db: Kysely<unknown>, migrations: Record<string, Migration>): Promise<MigrationState[]> {
  const list = await (await migratorFor(db, migrations)).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt ? m.executedAt.toISOString() : null }));
}
