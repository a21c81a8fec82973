import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Migration } from "kysely";
import type { Logger } from "pino";
import { AppError } from "./errors/app-error";
import type { Identity } from "./http/access";
import type { ConsoleHandler } from "./http/console";
import { migrateToLatest } from "./db/migrate";
import type { createProjectStorage } from "./db/project-migrate";
import type { AnyModule, ResourceKind } from "./module";
import type { AppPlatform } from "./platform";

/**
 * The app's life around its modules: start-up (reach the database, migrate, each module's
 * `prepare`, the bus, each module's `start`), the project hooks, and shutdown (drain, close the
 * server, each module's `stop` in reverse order, the bus and the database).
 */
export function createLifecycle(deps: {
  platform: AppPlatform;
  modules: readonly AnyModule[];
  projectStorage: ReturnType<typeof createProjectStorage>;
  logger: Logger;
  migrations: Record<string, Migration>;
}) {
  const { platform, modules, projectStorage, logger } = deps;
  const { database, bus, config } = platform;
  const state = platform.lifecycle;
  const abort = new AbortController();
  const closers: Array<{ close(): Promise<void> }> = [];
  let services: Record<string, unknown> = {};
  let ready: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const ctx = () => ({ ...platform, services: services as never });
  const each = async (hook: "start" | "drain" | "stop", list: readonly AnyModule[]) => {
    for (const m of list) await m[hook]?.(services[m.name] as never);
  };

  /** Applies system migrations, runs each module's `prepare` (the master key check) and brings project storage up to date. */
  async function prepareDatabase(): Promise<void> {
    const applied = await migrateToLatest(database.db as never, deps.migrations);
    for (const m of applied) logger.info({ migration: m.migrationName, direction: m.direction }, "system migration applied");
    for (const m of modules) await m.prepare?.(services[m.name] as never, ctx());
    // Pending per-project migrations only: projects already up to date cost nothing but one query.
    for (const id of await projectStorage.migratePending())
      logger.info({ project: id, version: projectStorage.latest }, "project storage migrated");
  }

  async function reachDatabase(): Promise<void> {
    let delay = 500;
    for (let attempt = 1; ; attempt++) {
      try {
        await database.ping();
        break;
      } catch (err) {
        if (!isTransient(err)) throw err;
        state.waitingFor = `database: ${(err as Error).message}`;
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

  /** The embedded bus needs the migrated database; the NATS bus connects here, retrying until close(). */
  async function startBus(): Promise<void> {
    state.waitingFor = "bus";
    await bus.start();
    await each("start", modules);
  }

  async function start(consolePrepared?: Promise<void>): Promise<void> {
    await Promise.all([reachDatabase().then(startBus), consolePrepared]);
    if (state.phase !== "starting") return;
    state.phase = "ready";
    state.waitingFor = null;
    logger.info({ database: database.label, bus: bus.kind, startupMs: Date.now() - platform.startedAt }, "apprun ready");
  }

  return {
    prepareDatabase,

    /** Asked before every route that needs the database: "not ready" and "shutting down". */
    gate(): AppError | null {
      if (state.phase === "ready") return null;
      return state.phase === "stopping" ? new AppError("shutting_down", 503) : new AppError("not_ready", 503, { retryAfterSeconds: 2 });
    },

    /** Once every module exists: the identity parts they answer and the project hooks. */
    bind(created: Record<string, unknown>): void {
      services = created;
      const identity: Partial<Identity> = {};
      for (const m of modules) Object.assign(identity, m.identity?.(created[m.name] as never) ?? {});
      platform.bindIdentity(identity);
      // Dependents first on the way out: a module's data goes before what it was built on.
      const reversed = [...modules].reverse();
      platform.bindProjectHooks({
        async created(projectId) {
          await projectStorage.create(projectId);
          for (const m of modules) await m.onProjectCreate?.(created[m.name] as never, projectId);
        },
        async dropping(projectId) {
          for (const m of reversed) await m.onProjectDrop?.(created[m.name] as never, projectId);
          await projectStorage.drop(projectId);
        },
        resourceKinds: () => modules.flatMap((m): ResourceKind[] => m.resourceKinds?.(created[m.name] as never) ?? []),
      });
    },

    /** What a module's routes return to be closed at shutdown (listeners outside Fastify). */
    closeWithRoutes(result: unknown): void {
      if (result && typeof (result as { close?: unknown }).close === "function") closers.push(result as { close(): Promise<void> });
    },

    onTrpcError({ error, req }: { error: { code: string; cause?: unknown }; req: { log: FastifyBaseLogger } }): void {
      if (error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof AppError))
        req.log.error({ err: error.cause ?? error }, "unhandled tRPC error");
    },

    begin(consolePrepared?: Promise<void>): void {
      ready = start(consolePrepared);
      ready.catch(() => {});
    },

    get ready(): Promise<void> {
      if (!ready) throw new Error("listen() first");
      return ready;
    },

    /** Stops accepting, lets in-flight requests finish within `shutdownTimeoutMs`, closes everything. */
    close(host: FastifyInstance, console?: ConsoleHandler): Promise<void> {
      closing ??= (async () => {
        state.phase = "stopping";
        abort.abort();
        // Connections that never end by themselves (realtime) close first, so the server can drain.
        await each("drain", modules).catch((err) => logger.warn({ err }, "drain failed"));
        for (const c of closers) await c.close().catch((err) => logger.warn({ err }, "listener close failed"));
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
        await console?.close().catch((err) => logger.warn({ err }, "console close failed"));
        for (const m of [...modules].reverse())
          await Promise.resolve(m.stop?.(services[m.name] as never)).catch((err) =>
            logger.warn({ err, module: m.name }, "module stop failed"),
          );
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
