import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { modules as defaultModules, systemMigrationsOf } from "./modules/index";
import { createBus } from "./platform/bus/create";
import { busErrorMessages } from "./platform/bus/errors";
import { effectiveDatabaseUrl } from "./platform/config/load";
import type { Config } from "./platform/config/schema";
import { openDatabase, type Database } from "./platform/db/connect";
import { createProjectStorage } from "./platform/db/project-migrate";
import { projectNamespace } from "./platform/db/project-namespace";
import { createErrorCatalog, platformErrorMessages } from "./platform/errors/catalog";
import { installAccess } from "./platform/http/access";
import { installCors } from "./platform/http/cors";
import { mountConsole, type ConsoleHandler } from "./platform/http/console";
import { createHost } from "./platform/http/host";
import { installOpenApi } from "./platform/http/openapi";
import { createLifecycle } from "./platform/lifecycle";
import { createMetrics } from "./platform/metrics/metrics";
import { createPermissionCatalog, sortModules, type AnyModule, type Services } from "./platform/module";
import { createPlatform } from "./platform/platform";
import { mountConsoleApi } from "./trpc/mount";
import { appRouter } from "./trpc/router";

export interface AppOptions {
  config: Config;
  logger: Logger;
  masterKey: Buffer;
  /** The console's request handler; absent for API-only nodes and most tests. */
  console?: ConsoleHandler;
  /** The modules to run (default: every module of apprun); tests add their own. */
  modules?: readonly AnyModule[];
  /** Tests pass cheaper password hashing; production always uses PASSWORD_PARAMS. */
  passwordParams?: { ln: number; r: number; p: number };
  /** Tests move time forward (token expiry); production uses the system clock. */
  clock?: () => number;
  /** Realtime limits (heartbeat, buffers, frame size); tests shrink them. */
  realtime?: Record<string, unknown>;
}

export type App = Awaited<ReturnType<typeof createApp>>;

/**
 * The composition root: opens the platform (database, bus, metrics), creates every module's
 * service in dependency order, and mounts their routes, the console API and the console on one
 * Fastify host. `listen()` starts serving at once; the database is reached (with retries) and
 * migrated in the background, and `ready` resolves when it is.
 */
export async function createApp(options: AppOptions) {
  const { config, logger } = options;
  const modules = sortModules(options.modules ?? defaultModules);
  const database = openDatabase(effectiveDatabaseUrl(config), { poolSize: config.databasePoolSize });
  const bus = createBus(config.busUrl, { database: database as never, logger });
  const catalog = createErrorCatalog(platformErrorMessages, busErrorMessages, ...modules.map((m) => m.errors ?? {}));
  const projectStorage = createProjectStorage({
    db: database.db as never,
    namespace: (id) => projectNamespace(database.kind, id),
    migrations: Object.assign({}, ...modules.map((m) => m.projectMigrations ?? {})),
  });
  const platform = createPlatform({
    options,
    database,
    bus,
    metrics: createMetrics(),
    catalog,
    permissions: createPermissionCatalog(modules),
    nav: modules.flatMap((m) => m.nav ?? []),
  });
  const life = createLifecycle({ platform, modules, projectStorage, logger, migrations: systemMigrationsOf(modules) });

  const services = {} as Record<string, unknown>;
  for (const m of modules) services[m.name] = await m.create({ ...platform, services: services as never });
  life.bind(services);

  const host = createHost({
    logger,
    metrics: platform.metrics,
    catalog,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    gate: life.gate,
  });
  platform.bindHost(host);
  // Every route as registered with who may call it, for the isolation walk of the tests (and anyone who wants the list).
  const routes: Parameters<typeof installAccess>[2] = [];
  installAccess(
    host,
    {
      identity: () => platform.identity,
      allowedOrigins: platform.allowedOrigins,
      // The console API authorizes per procedure (session, permission, CSRF): the walk covers each one.
      defaultAccess: (route) => (route.url.startsWith("/trpc/") ? "public" : undefined),
    },
    routes,
  );
  installOpenApi(host, { publicUrl: platform.publicUrl, version: platform.version });
  installCors(host, { origins: (ref) => platform.identity.corsOrigins(ref), ownOrigins: platform.allowedOrigins });

  // The console API: every module's routers (the console's type is `AppRouter`, kept equal by a test).
  const consoleRouter = await mountConsoleApi(host, { modules, services: services as unknown as Services, catalog, platform, life });
  for (const m of modules)
    life.closeWithRoutes(await m.routes?.(host, services[m.name] as never, { ...platform, services: services as never }));
  if (options.console) mountConsole(host, options.console);

  return {
    fastify: host,
    /** The console API's type-level router (what the console's client sees). */
    appRouter,
    /** The console API as served: every module's routers. */
    consoleRouter,
    modules,
    /** Each project's own storage: created with the project, migrated at start-up, dropped with it. */
    projectStorage,
    /** Every registered route: method, URL template, and its access declaration. */
    routes: routes as ReadonlyArray<(typeof routes)[number]>,
    // Tests and the CLI query any table through it; modules type it with their own tables.

    database: database as Database<any>,
    bus,
    metrics: platform.metrics,
    services: services as unknown as Services,
    /** Every module's error messages (en, zh-CN), for callers outside HTTP (the CLI). */
    catalog,
    permissions: platform.permissions,
    /** For commands that use the services without serving (the CLI): migrate and check the key. */
    prepareDatabase: life.prepareDatabase,
    get phase() {
      return platform.lifecycle.phase;
    },
    /** Starts serving and begins the background start-up; `ready` settles when it ends. */
    async listen(): Promise<AddressInfo> {
      await host.listen({ port: config.port, host: config.host });
      life.begin(options.console?.prepare());
      return host.server.address() as AddressInfo;
    },
    get ready(): Promise<void> {
      return life.ready;
    },
    /** Stops accepting, lets in-flight requests finish within `shutdownTimeoutMs`, closes everything. */
    close: () => life.close(host, options.console),
  };
}
