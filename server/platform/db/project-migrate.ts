import { Migrator, sql, type Kysely, type Migration } from "kysely";
import { createProjectNamespace, dropProjectNamespace, type ProjectNamespace } from "./project-namespace";

/**
 * A migration of a project's own tables. It receives the project's namespace, because on SQLite
 * the physical table and index names carry the project's prefix.
 */
export interface ProjectMigration {
  up(db: Kysely<unknown>, ns: ProjectNamespace): Promise<void>;
  down?(db: Kysely<unknown>, ns: ProjectNamespace): Promise<void>;
}

function migratorFor(db: Kysely<unknown>, ns: ProjectNamespace, migrations: Record<string, ProjectMigration>): Migrator {
  const bound: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(migrations)) {
    bound[name] = { up: (trx) => m.up(trx, ns), ...(m.down ? { down: (trx: Kysely<unknown>) => m.down!(trx, ns) } : {}) };
  }
  return new Migrator({
    db,
    provider: { getMigrations: async () => bound },
    migrationTableName: ns.migrationTables.table,
    migrationLockTableName: ns.migrationTables.lockTable,
    ...(ns.migrationTables.schema ? { migrationTableSchema: ns.migrationTables.schema } : {}),
  });
}

/** The name of the last migration in a list (names sort in apply order). */
export function latestProjectMigration(migrations: Record<string, ProjectMigration>): string {
  return Object.keys(migrations).sort().at(-1) ?? "";
}

/**
 * Creates the project's namespace if needed and applies its pending migrations in order, under
 * Kysely's migration lock. Returns the names applied.
 */
export async function migrateProject(
  db: Kysely<unknown>,
  ns: ProjectNamespace,
  migrations: Record<string, ProjectMigration>,
): Promise<string[]> {
  await createProjectNamespace(db, ns);
  const { error, results } = await migratorFor(db, ns, migrations).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(
      `project ${ns.projectId}: migration ${failed?.migrationName ?? "(setup)"} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * Project storage as the projects service sees it: created with the project, migrated at start-up
 * (only projects whose recorded version is behind, so a start with many projects costs one query),
 * dropped with the project. The recorded version lives in the system table
 * `project_storage_versions`; the project's own migration table stays the authority.
 */
export function createProjectStorage(deps: {
  db: Kysely<unknown>;
  namespace: (projectId: string) => ProjectNamespace;
  migrations: Record<string, ProjectMigration>;
}) {
  const latest = latestProjectMigration(deps.migrations);
  const db = deps.db as Kysely<{ project_storage_versions: { project_id: string; version: string; updated_at: string } }>;

  async function record(projectId: string): Promise<void> {
    const at = new Date().toISOString();
    await db
      .insertInto("project_storage_versions")
      .values({ project_id: projectId, version: latest, updated_at: at })
      .onConflict((oc) => oc.column("project_id").doUpdateSet({ version: latest, updated_at: at }))
      .execute();
  }

  return {
    latest,
    /** Creates and migrates one project's storage. Idempotent. */
    async create(projectId: string): Promise<string[]> {
      const applied = await migrateProject(deps.db, deps.namespace(projectId), deps.migrations);
      await record(projectId);
      return applied;
    },
    async drop(projectId: string): Promise<void> {
      await dropProjectNamespace(deps.db, deps.namespace(projectId));
      await db.deleteFrom("project_storage_versions").where("project_id", "=", projectId).execute();
    },
    /** Brings every project whose recorded version is not the latest up to date; returns their ids. */
    async migratePending(): Promise<string[]> {
      const rows = await sql<{ id: string; version: string | null }>`
        select p.id, v.version from projects p left join project_storage_versions v on v.project_id = p.id`.execute(deps.db);
      const behind = rows.rows.filter((r) => r.version !== latest).map((r) => r.id);
      for (const id of behind) await this.create(id);
      return behind;
    },
  };
}

export type ProjectStorage = ReturnType<typeof createProjectStorage>;
