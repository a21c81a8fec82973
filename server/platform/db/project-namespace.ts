import {
  IdentifierNode,
  OperationNodeTransformer,
  sql,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RawBuilder,
  type RootOperationNode,
  type SchemableIdentifierNode,
  type UnknownRow,
} from "kysely";
import type { DbKind } from "./dialect";
import { assertSafeIdentifier } from "./dialect";

/**
 * Where a project's own tables live, so that a mistake in one project's query cannot reach
 * another's rows: on PostgreSQL a schema per project (named by the project id, e.g.
 * `prj_0m3k9x2p7q4r8s1t0ab`), on SQLite a table-name prefix (`prj_0m3k…__users`). Every module
 * that stores per-project data goes through this one mapping.
 */
export interface ProjectNamespace {
  kind: DbKind;
  projectId: string;
  /** The PostgreSQL schema, or null on SQLite. */
  schema: string | null;
  /** The physical name of a project table, unqualified (SQLite: prefixed). */
  tableName(table: string): string;
  /** A reference to the table for `sql` templates: `"schema"."table"` or `"prefix__table"`. */
  table(table: string): RawBuilder<unknown>;
  /** Migration bookkeeping tables of this project, for Kysely's Migrator. */
  migrationTables: { schema?: string; table: string; lockTable: string };
}

export function projectNamespace(kind: DbKind, projectId: string): ProjectNamespace {
  assertSafeIdentifier(projectId, "project id");
  if (kind === "postgres") {
    return {
      kind,
      projectId,
      schema: projectId,
      tableName: (table) => assertSafeIdentifier(table, "table"),
      table: (table) => sql`${sql.id(projectId, assertSafeIdentifier(table, "table"))}`,
      migrationTables: { schema: projectId, table: "apprun_migration", lockTable: "apprun_migration_lock" },
    };
  }
  const prefix = `${projectId}__`;
  return {
    kind,
    projectId,
    schema: null,
    tableName: (table) => assertSafeIdentifier(`${prefix}${assertSafeIdentifier(table, "table")}`, "table"),
    table: (table) => sql`${sql.id(`${prefix}${assertSafeIdentifier(table, "table")}`)}`,
    migrationTables: { table: `${prefix}apprun_migration`, lockTable: `${prefix}apprun_migration_lock` },
  };
}

/** A Kysely instance whose unqualified table names resolve inside the project's namespace on PostgreSQL. */
export function withProjectSchema<DB>(db: Kysely<DB>, ns: ProjectNamespace): Kysely<DB> {
  return ns.schema ? db.withSchema(ns.schema) : db;
}

/** Creates the PostgreSQL schema of a project (SQLite needs nothing). Idempotent. */
export async function createProjectNamespace(db: Kysely<unknown>, ns: ProjectNamespace): Promise<void> {
  if (ns.schema) await sql`create schema if not exists ${sql.id(ns.schema)}`.execute(db);
}

/** Drops every table of a project: its PostgreSQL schema, or its prefixed SQLite tables. */
export async function dropProjectNamespace(db: Kysely<unknown>, ns: ProjectNamespace): Promise<void> {
  if (ns.schema) {
    await sql`drop schema if exists ${sql.id(ns.schema)} cascade`.execute(db);
    return;
  }
  const prefix = `${ns.projectId}__`;
  const tables = await sql<{
    name: string;
  }>`select name from sqlite_master where type = 'table' and substr(name, 1, ${prefix.length}) = ${prefix}`.execute(db);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    for (const { name } of tables.rows) await sql`drop table if exists ${sql.id(name)}`.execute(db);
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

/**
 * On SQLite, renames the project's logical table names (and only those, so aliases and other
 * tables pass untouched) to their prefixed physical names.
 */
class TablePrefixTransformer extends OperationNodeTransformer {
  constructor(
    private readonly ns: ProjectNamespace,
    private readonly tables: ReadonlySet<string>,
  ) {
    super();
  }

  protected override transformSchemableIdentifier(node: SchemableIdentifierNode, queryId?: QueryId): SchemableIdentifierNode {
    const transformed = super.transformSchemableIdentifier(node, queryId);
    if (transformed.schema || !this.tables.has(transformed.identifier.name)) return transformed;
    return { ...transformed, identifier: IdentifierNode.create(this.ns.tableName(transformed.identifier.name)) };
  }
}

class TablePrefixPlugin implements KyselyPlugin {
  readonly #transformer: TablePrefixTransformer;
  constructor(ns: ProjectNamespace, tables: ReadonlySet<string>) {
    this.#transformer = new TablePrefixTransformer(ns, tables);
  }
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * A Kysely instance on which a project's tables are queried by their logical names (`users`,
 * `sessions`…): on PostgreSQL they resolve inside the project's schema, on SQLite they are
 * renamed to the prefixed tables. `tables` lists the logical names the caller owns.
 */
export function projectDb<DB>(db: Kysely<unknown>, ns: ProjectNamespace, tables: readonly string[]): Kysely<DB> {
  const typed = db as unknown as Kysely<DB>;
  return ns.schema ? typed.withSchema(ns.schema) : typed.withPlugin(new TablePrefixPlugin(ns, new Set(tables)));
}
