import crypto from "node:crypto";
import type { Kysely } from "kysely";
import pino from "pino";
import { createApp, type App, type AppOptions } from "../app";
import { configSchema, type ConfigInput } from "../platform/config/schema";
import type { ConsoleHandler } from "../platform/http/console";
import { dropProjectNamespace, projectNamespace } from "../platform/db/project-namespace";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases";

export interface TestApp {
  app: App;
  database: TestDatabase;
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  /** Log lines the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  config?: Partial<ConfigInput>;
  /** Registers extra routes before the app listens (to exercise shared mechanisms). */
  routes?: (app: App) => void;
  console?: ConsoleHandler;
  /** Do not wait for readiness (for tests of the not-ready state). */
  noWait?: boolean;
  databaseUrl?: string;
  /** A clock the auth module reads (tokens, codes), so tests can move time forward. */
  clock?: () => number;
  /** Realtime limits (heartbeat, buffers, frame size), shrunk by the realtime tests. */
  realtime?: AppOptions["realtime"];
  /** The modules to run instead of apprun's own (a test adds a module of its own to the list). */
  modules?: AppOptions["modules"];
}

/**
 * A real apprun on a real database, listening on an ephemeral port: integration tests talk to
 * it over HTTP exactly as clients do.
 */
export async function startTestApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const config = configSchema.parse({
    port: 0,
    host: "127.0.0.1",
    dataDir: database.dataDir,
    databaseUrl: options.databaseUrl ?? database.url,
    console: false,
    ...options.config,
  });
  // Cheap password hashing keeps auth tests fast; production parameters are covered by their own unit test.
  const app = await createApp({
    config,
    logger,
    masterKey: crypto.randomBytes(32),
    console: options.console,
    passwordParams: { ln: 10, r: 8, p: 1 },
    clock: options.clock,
    realtime: options.realtime,
    modules: options.modules,
  });
  options.routes?.(app);
  const address = await app.listen();
  if (!options.noWait) await app.ready;
  return {
    app,
    database,
    baseUrl: `http://127.0.0.1:${address.port}`,
    logs,
    async close() {
      // Projects' PostgreSQL schemas live beside the test's own schema; drop them first.
      if (kind === "postgres") {
        const projects = await app.database.db
          .selectFrom("projects")
          .select("id")
          .execute()
          .catch(() => []);
        for (const { id } of projects)
          await dropProjectNamespace(app.database.db as Kysely<unknown>, projectNamespace("postgres", id)).catch(() => {});
      }
      await app.close();
      await database.drop();
    },
  };
}
