import crypto from "node:crypto";
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from "kysely";
import { systemMigrations } from "../index";
import type { DataTables } from "./tables";
import type { BusMessage } from "../../platform/bus/bus";
import { createEmbeddedBus } from "../../platform/bus/embedded";
import { openDatabase, type Database } from "../../platform/db/connect";
import { migrateToLatest } from "../../platform/db/migrate";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../../testing/databases";
import type { ModelDocumentInput } from "./schema";
import { createDataService, type DataService } from "./service";
import type { Actor } from "./types";

export const admin: Actor = { type: "admin", id: "admin1" };
export const anonymous: Actor = { type: "anonymous" };
export const user = (id: string, roles: string[] = []): Actor => ({ type: "user", id, roles });

export interface DataTest {
  kind: DatabaseKind;
  /** The database URL, to open a second connection (a second node). */
  url: string;
  database: Database<DataTables>;
  data: DataService;
  /** Every message published on the bus, in order. */
  messages: BusMessage[];
  /** A fresh project id, dropped on close. */
  project(): string;
  /** Applies a model on top of the project's current version. */
  apply(project: string, schema: ModelDocumentInput): Promise<number>;
  /** Rolls the project back to a version, on top of its current version. */
  rollback(project: string, toVersion: number): Promise<number>;
  close(): Promise<void>;
}

/** A migrated database of the given kind, a bus and the data service over them, for one suite. */
export async function openDataTest(kind: DatabaseKind, options: { clock?: () => number } = {}): Promise<DataTest> {
  const testDb: TestDatabase = await createTestDatabase(kind);
  const database = openDatabase<DataTables>(testDb.url);
  await migrateToLatest(database.db as unknown as Kysely<unknown>, systemMigrations);
  const bus = createEmbeddedBus({ database: database as never });
  await bus.start();
  const messages: BusMessage[] = [];
  bus.subscribe(">", (m) => void messages.push(m));
  const data = createDataService({ database, bus, ...(options.clock ? { clock: options.clock } : {}) });
  const projects = new Set<string>();
  return {
    kind,
    url: testDb.url,
    database,
    data,
    messages,
    project() {
      const id = `prj_t${crypto.randomBytes(6).toString("hex")}`;
      projects.add(id);
      return id;
    },
    async apply(project, schema) {
      const { version } = await data.schema.get(project);
      return (await data.schema.apply(project, { baseVersion: version, schema }, "tester")).version;
    },
    async rollback(project, toVersion) {
      const { version } = await data.schema.get(project);
      return (await data.schema.rollback(project, { baseVersion: version, toVersion }, "tester")).version;
    },
    async close() {
      try {
        for (const p of projects) await data.schema.dropProject(p);
        // Belt and braces: a project schema left by a test that failed half-way.
        if (kind === "postgres") for (const p of projects) await sql`drop schema if exists ${sql.id(p)} cascade`.execute(database.db);
      } finally {
        await bus.close();
        await database.close();
        await testDb.drop();
      }
    },
  };
}

/** Waits for bus subscribers (they run on a microtask after publish). */
export function flushBus(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A Kysely that compiles queries for a dialect without a database (planner and compiler unit tests). */
export function offlineKysely(kind: DatabaseKind): Kysely<unknown> {
  const pg = kind === "postgres";
  return new Kysely<unknown>({
    dialect: {
      createAdapter: () => (pg ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (pg ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (pg ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}
