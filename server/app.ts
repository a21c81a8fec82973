import type { AddressInfo } from "node:net";
import path from "node:path";
import os from "node:os";
import { fastifyTRPCPlugin, type CreateFastifyContextOptions, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { accountErrorMessages } from "./modules/accounts/errors";
import { registerAccountRoutes } from "./modules/accounts/routes";
import { createAccountsService, type IssuedSession, type ResolvedSession } from "./modules/accounts/service";
import { createSsoService } from "./modules/accounts/sso";
import { createAuditService } from "./modules/audit/service";
import { dataErrorMessages } from "./modules/data/errors";
import { createRequestActor } from "./modules/data/request-actor";
import { registerDataRoutes } from "./modules/data/routes";
import { createDataService } from "./modules/data/service";
import { portabilityErrorMessages } from "./modules/data/portability/errors";
import { registerPortabilityRoutes } from "./modules/data/portability/routes";
import { authErrorMessages } from "./modules/auth/errors";
import { eventsErrorMessages } from "./modules/events/errors";
import { registerEventsRoutes } from "./modules/events/routes";
import { createEventsService } from "./modules/events/service";
import { registerAuthRoutes } from "./modules/auth/routes";
import { createAuthService } from "./modules/auth/service";
import { authProjectMigrations } from "./modules/auth/storage";
import { createInstanceService } from "./modules/instance/service";
import { projectErrorMessages } from "./modules/projects/errors";
import { createProjectsService } from "./modules/projects/service";
import { realtimeErrorMessages } from "./modules/realtime/errors";
import { registerRealtimeRoutes } from "./modules/realtime/routes";
import type { RealtimeLimits } from "./modules/realtime/hub";
import { createRealtimeService } from "./modules/realtime/service";
import { createRealtimeStreams } from "./modules/realtime/streams";
import type { RequestOrigin } from "./platform/auth/actor";
import { createSecretBox } from "./platform/crypto/secret-box";
import { parseCookies, serializeCookie } from "./platform/http/cookies";
import { createMailer } from "./platform/mail/mailer";
import { createRateLimiter } from "./platform/ratelimit/limiter";
import type { Logger } from "pino";
import { systemMigrations } from "../db/migrations";
import type { SystemDatabase } from "../db/schema";
import { ensureInstance } from "./modules/system/instance";
import { registerSystemRoutes } from "./modules/system/routes";
import { createSystemService, type Phase } from "./modules/system/service";
import { createBus } from "./platform/bus/create";
import { busErrorMessages } from "./platform/bus/errors";
import { effectiveDatabaseUrl } from "./platform/config/load";
import type { Config } from "./platform/config/schema";
import { masterKeyFingerprint } from "./platform/crypto/master-key";
import { openDatabase } from "./platform/db/connect";
import { migrateToLatest } from "./platform/db/migrate";
import { createProjectStorage } from "./platform/db/project-migrate";
import { projectNamespace } from "./platform/db/project-namespace";
import { AppError } from "./platform/errors/app-error";
import { createErrorCatalog, platformErrorMessages } from "./platform/errors/catalog";
import { localeOf } from "./platform/errors/locale";
import { mountConsole, type ConsoleHandler } from "./platform/http/console";
import { createHost } from "./platform/http/host";
import { createMetrics } from "./platform/metrics/metrics";
import { apprunVersion } from "./platform/package-info";
import type { Services } from "./services";
import { appRouter, type AppRouter } from "./trpc/router";
import type { TrpcContext } from "./trpc/trpc";

export interface AppOptions {
  config: Config;
  logger: Logger;
  masterKey: Buffer;
  /** The console's request handler; absent for API-only nodes and most tests. */
  console?: ConsoleHandler;
  /** Tests pass cheaper password hashing; production always uses PASSWORD_PARAMS. */
  passwordParams?: { ln: number; r: number; p: number };
  /** Tests move time forward (token expiry); production uses the system clock. */
  clock?: () => number;
  /** Realtime limits (heartbeat, buffers, frame size); tests shrink them. */
  realtime?: Partial<RealtimeLimits>;
}

export const SESSION_COOKIE = "apprun_session";

export type App = Awaited<ReturnType<typeof createApp>>;

/**
 * The composition root: opens the platform (database, bus, metrics), builds every module's
 * service, mounts REST, tRPC and the console on one Fastify host. `listen()` starts serving at
 * once; the database is reached (with retries) and migrated in the background, and `ready`
 * resolves when it is.
 */
export async function createApp(options: AppOptions) {
  const { config, logger } = options;
  const startedAt = Date.now();
  const database = openDatabase<SystemDatabase>(effectiveDatabaseUrl(config), { poolSize: config.databasePoolSize });
  const bus = createBus(config.busUrl, { database, logger });
  const metrics = createMetrics();
  const catalog = createErrorCatalog(
    platformErrorMessages,
    busErrorMessages,
    accountErrorMessages,
    projectErrorMessages,
    authErrorMessages,
    dataErrorMessages,
    portabilityErrorMessages,
    eventsErrorMessages,
    realtimeErrorMessages,
  );
  const lifecycle: { phase: Phase; waitingFor: string | null } = { phase: "starting", waitingFor: null };

  const db = database.db;
  const publicUrl = (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, "");
  const secretsFor = (purpose: string) => createSecretBox(options.masterKey, purpose);
  const audit = createAuditService({ db });
  const instance = createInstanceService({ db, secrets: secretsFor("settings"), audit });
  const mailer = createMailer({ smtp: () => instance.smtp() });
  const limiter = createRateLimiter({ db });
  const accounts = createAccountsService({
    db,
    secrets: secretsFor("totp"),
    limiter,
    mailer,
    instance,
    audit,
    publicUrl,
    passwordParams: options.passwordParams,
  });
  // Each project's own tables (its app users…) live in its namespace; every module's per-project migrations are listed here.
  const projectStorage = createProjectStorage({
    db: db as never,
    namespace: (id) => projectNamespace(database.kind, id),
    migrations: { ...authProjectMigrations },
  });
  const projects = createProjectsService({
    db,
    audit,
    accounts,
    mailer,
    publicUrl,
    // Each project has one pool of app users, named "default"; other modules add their kinds.
    resourceKinds: [{ kind: "user_pool", exists: async (_projectId, name) => name === "default" }],
    storage: {
      create: async (id) => void (await projectStorage.create(id)),
      drop: [
        async (id) => events.dropProject(id),
        async (id) => data.schema.dropProject(id),
        projectStorage.drop,
        async (id) => auth.forgetProject(id),
        async (id) => realtime.dropProject(id),
      ],
    },
  });
  const auth = createAuthService({
    db,
    kind: database.kind,
    projects,
    audit,
    mailer,
    limiter,
    secrets: { totp: secretsFor("app-totp"), jwt: secretsFor("jwt"), oauth: secretsFor("oauth") },
    publicUrl,
    passwordParams: options.passwordParams,
    clock: options.clock,
    bus,
  });
  // Record changes also go to each project's durable realtime log (resume, other nodes) and to the
  // event center's records.<collection> topics: on SQLite inside the change's own transaction.
  const realtimeStreams = createRealtimeStreams({ bus });
  const data = createDataService({
    database,
    bus,
    eventSinks: [realtimeStreams.recordSink(), { within: (trx, changes) => events.recordSink.within(trx, changes) }],
    clock: options.clock,
    onPublishError: (err, subject) => logger.error({ err, subject }, "record event not published (the write committed)"),
  });
  // Webhooks may not call apprun itself: its public URL and the address it listens on.
  const selfOrigins = () => {
    const origins = [publicUrl];
    const address = host?.server.address();
    if (address && typeof address === "object") {
      const hosts = new Set(["127.0.0.1", address.address]);
      // Listening on every interface: each of the machine's addresses reaches apprun.
      if (address.address === "0.0.0.0" || address.address === "::")
        for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) hosts.add(i.address);
      for (const h of hosts) origins.push(`http://${h.includes(":") ? `[${h}]` : h}:${address.port}`);
    }
    return origins;
  };
  const events = createEventsService({
    db,
    kind: database.kind,
    bus,
    projects,
    secrets: secretsFor("webhooks"),
    selfOrigins,
    collections: async (projectId) => (await data.schema.get(projectId)).schema.collections.map((c) => c.name),
    onError: (err, context) => logger.error({ err }, context),
    registry: metrics.registry,
  });
  const sso = createSsoService({
    db,
    secrets: secretsFor("sso"),
    accounts,
    audit,
    publicUrl,
    joinProject: (projectId, accountId, role) => projects.join(projectId, accountId, role),
  });
  const realtime = createRealtimeService({
    db,
    bus,
    data,
    auth,
    projects,
    audit,
    streams: realtimeStreams,
    catalog,
    logger,
    limits: options.realtime,
    clock: options.clock,
    registry: metrics.registry,
  });
  const services: Services = {
    system: createSystemService({ database, bus, lifecycle, version: apprunVersion(), startedAt }),
    audit,
    instance,
    mailer,
    accounts,
    sso,
    projects,
    auth,
    data,
    events,
    realtime,
  };

  const secureCookies = publicUrl.startsWith("https:");
  const sessionCookie = (session: IssuedSession | null, https: boolean) =>
    serializeCookie(SESSION_COOKIE, session?.token ?? "", {
      httpOnly: true,
      secure: secureCookies || https,
      sameSite: "Lax",
      maxAgeSeconds: session ? (Date.parse(session.expiresAt) - Date.now()) / 1000 : 0,
    });
  const originOf = (req: FastifyRequest): RequestOrigin => ({
    ip: req.ip ?? null,
    userAgent: typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : null,
  });
  const allowedOrigins = new Set([new URL(publicUrl).origin]);

  const host: FastifyInstance = createHost({
    logger,
    metrics,
    catalog,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    gate: () => {
      if (lifecycle.phase === "ready") return null;
      return lifecycle.phase === "stopping" ? new AppError("shutting_down", 503) : new AppError("not_ready", 503, { retryAfterSeconds: 2 });
    },
  });

  // Every route as registered, for the isolation walk of the tests (and anyone who wants the list).
  const routes: Array<{ method: string; url: string; anonymous: boolean }> = [];
  host.addHook("onRoute", (route) => {
    for (const method of [route.method].flat())
      if (method !== "HEAD") routes.push({ method, url: route.url, anonymous: route.config?.anonymous === true });
  });

  registerSystemRoutes(host, {
    system: services.system,
    metrics,
    caller: (req) => {
      if (lifecycle.phase !== "ready") throw new AppError("not_ready", 503, { retryAfterSeconds: 2 });
      return auth.requestAuth.summary(req);
    },
  });
  await host.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: appRouter,
      createContext: ({ req, res }: CreateFastifyContextOptions): TrpcContext => {
        const token = parseCookies(req.headers.cookie)[SESSION_COOKIE] ?? null;
        let session: Promise<ResolvedSession | null> | undefined;
        return {
          req,
          res,
          locale: localeOf(req.headers),
          requestId: req.id,
          services,
          catalog,
          origin: originOf(req),
          publicUrl,
          allowedOrigins,
          sessionToken: () => token,
          session: () => (session ??= token ? accounts.resolveSession(token) : Promise.resolve(null)),
          setSessionCookie: (issued) => void res.header("set-cookie", sessionCookie(issued, req.protocol === "https")),
        };
      },
      onError: ({ error, req }) => {
        if (error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof AppError))
          req.log.error({ err: error.cause ?? error }, "unhandled tRPC error");
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);
  registerAuthRoutes(host, { auth, origin: originOf, publicUrl });
  // Who a data-plane or management request stands for (tokens, API keys, console sessions),
  // for the data routes and the portability routes alike.
  const requestActor = createRequestActor({
    auth,
    projects,
    sessionCookie: SESSION_COOKIE,
    resolveSession: (token) => accounts.resolveSession(token),
    allowedOrigins,
  });
  registerDataRoutes(host, {
    data,
    projects,
    audit,
    requestActor,
  });
  registerEventsRoutes(host, { events, auth });
  registerAccountRoutes(host, {
    sso,
    publicUrl,
    origin: originOf,
    setSessionCookie: (reply, issued) => void reply.header("set-cookie", sessionCookie(issued, reply.request.protocol === "https")),
  });
  registerPortabilityRoutes(host, {
    data,
    projects,
    audit,
    publicUrl,
    apprunVersion: apprunVersion(),
    spoolDir: path.join(config.dataDir, "tmp"),
    caller: (req) => requestActor.caller(req),
  });
  const realtimeRoutes = registerRealtimeRoutes(host, {
    hub: realtime.hub,
    gate: () => (lifecycle.phase === "ready" ? null : new AppError(lifecycle.phase === "stopping" ? "shutting_down" : "not_ready", 503)),
  });
  if (options.console) mountConsole(host, options.console);

  const abort = new AbortController();

  async function reachDatabase(): Promise<void> {
    let delay = 500;
    for (let attempt = 1; ; attempt++) {
      try {
        await database.ping();
        break;
      } catch (err) {
        if (!isTransient(err)) throw err;
        lifecycle.waitingFor = `database: ${(err as Error).message}`;
        logger.warn(
          { attempt, retryInMs: delay, database: database.label, reason: (err as Error).message },
          "database unreachable, retrying",
        );
        await sleep(delay, abort.signal);
        delay = Math.min(delay * 2, 10_000);
      }
    }
    await prepareDatabase();
  }

  /** Applies system migrations and checks the master key against the database. */
  async function prepareDatabase(): Promise<void> {
    const applied = await migrateToLatest(database.db as never, systemMigrations);
    for (const m of applied) logger.info({ migration: m.migrationName, direction: m.direction }, "system migration applied");
    await ensureInstance(database.db, masterKeyFingerprint(options.masterKey));
    // Pending per-project migrations only: projects already up to date cost nothing but one query.
    for (const id of await projectStorage.migratePending())
      logger.info({ project: id, version: projectStorage.latest }, "project storage migrated");
  }

  /** The embedded bus needs the migrated database; the NATS bus connects here, retrying until close(). */
  async function startBus(): Promise<void> {
    lifecycle.waitingFor = "bus";
    await bus.start();
    events.start();
    await realtime.start();
  }

  async function start(): Promise<void> {
    await Promise.all([reachDatabase().then(startBus), options.console?.prepare()]);
    if (lifecycle.phase !== "starting") return;
    lifecycle.phase = "ready";
    lifecycle.waitingFor = null;
    logger.info({ database: database.label, bus: bus.kind, startupMs: Date.now() - startedAt }, "apprun ready");
  }

  let ready: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  return {
    fastify: host,
    appRouter,
    /** Each project's own storage: created with the project, migrated at start-up, dropped with it. */
    projectStorage,
    /** Every registered route: method, URL template, and whether it answers anonymous callers. */
    routes: routes as ReadonlyArray<{ method: string; url: string; anonymous: boolean }>,
    database,
    bus,
    metrics,
    services,
    /** Every module's error messages (en, zh-CN), for callers outside HTTP (the CLI). */
    catalog,
    /** For commands that use the services without serving (the CLI): migrate and check the key. */
    prepareDatabase,
    get phase(): Phase {
      return lifecycle.phase;
    },
    /** Starts serving and begins the background start-up; `ready` settles when it ends. */
    async listen(): Promise<AddressInfo> {
      await host.listen({ port: config.port, host: config.host });
      ready = start();
      ready.catch(() => {});
      return host.server.address() as AddressInfo;
    },
    get ready(): Promise<void> {
      if (!ready) throw new Error("listen() first");
      return ready;
    },
    /** Stops accepting, lets in-flight requests finish within `shutdownTimeoutMs`, closes everything. */
    close(): Promise<void> {
      closing ??= (async () => {
        lifecycle.phase = "stopping";
        abort.abort();
        // Realtime connections never end by themselves: close them first so the server can drain.
        await realtime.close().catch((err) => logger.warn({ err }, "realtime close failed"));
        await realtimeRoutes.close();
        const force = setTimeout(() => {
          logger.warn({ timeoutMs: config.shutdownTimeoutMs }, "in-flight requests did not finish in time; closing their connections");
          host.server.closeAllConnections();
        }, config.shutdownTimeoutMs);
        // Keep-alive sockets of requests that finish during shutdown turn idle later; close them as they do.
        const sweep = setInterval(() => host.server.closeIdleConnections(), 50);
        try {
          await host.close();
        } finally {
          clearTimeout(force);
          clearInterval(sweep);
        }
        await ready?.catch(() => {});
        await options.console?.close().catch((err) => logger.warn({ err }, "console close failed"));
        mailer.close();
        await events.stop().catch((err) => logger.warn({ err }, "event center stop failed"));
        await bus.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/** Connection-level failures worth retrying; anything else (bad credentials, SQL errors) is fatal. */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? "";
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"].includes(code))
    return true;
  // PostgreSQL: connection exceptions (08xxx), cannot connect now / admin shutdown (57P0x), too many connections.
  if (/^08/.test(code) || /^57P0/.test(code) || code === "53300") return true;
  return /timeout|Connection terminated/i.test(e?.message ?? "");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("start-up aborted"));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(new Error("start-up aborted"));
      },
      { once: true },
    );
  });
}
