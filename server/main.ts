import type { Logger } from "pino";
import { createApp } from "./app";
import { ensureConsoleBuild } from "./platform/http/console-build";
import { ensureDataDir } from "./platform/config/data-dir";
import { ConfigError, loadConfig, type ConfigSources } from "./platform/config/load";
import { resolveMasterKey } from "./platform/crypto/master-key";
import { createNextConsole } from "./platform/http/console";
import { createLogger } from "./platform/logging/logger";
import { packageRoot } from "./platform/package-info";

export const EXIT_RUNTIME = 1;
export const EXIT_CONFIG = 2;

/**
 * `apprun start`: config → platform → modules → HTTP, then waits for SIGTERM/SIGINT and shuts
 * down gracefully. Returns only on a fatal start-up error (with the exit code to use).
 */
export async function start(sources: ConfigSources): Promise<void> {
  const config = loadConfig(sources);
  ensureDataDir(config.dataDir);
  const masterKey = resolveMasterKey(config);
  const logger = createLogger({ level: config.logLevel });
  const root = packageRoot();

  if (config.console) await ensureConsoleBuild(root, logger);

  const app = await createApp({
    config,
    logger,
    masterKey,
    console: config.console ? createNextConsole({ root, hostname: config.host, port: config.port }) : undefined,
  });

  let stopping = false;
  const stop = async (signal: string, code: number) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      return exit(logger, 1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await app.close();
      logger.info("stopped");
    } catch (err) {
      logger.error({ err }, "shutdown failed");
      code = code || EXIT_RUNTIME;
    }
    exit(logger, code);
  };
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  process.on("SIGINT", () => void stop("SIGINT", 0));

  try {
    const address = await app.listen();
    logger.info({ url: `http://${displayHost(address.address)}:${address.port}`, database: app.database.label }, "apprun listening");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    logger.fatal({ code: e.code }, e.code === "EADDRINUSE" ? `port ${config.port} is already in use` : `cannot listen: ${e.message}`);
    await app.close().catch(() => {});
    return exit(logger, EXIT_RUNTIME);
  }

  app.ready.catch(async (err) => {
    if (stopping) return;
    const code = err instanceof ConfigError ? EXIT_CONFIG : EXIT_RUNTIME;
    logger.fatal({ err: err instanceof ConfigError ? undefined : err }, err instanceof ConfigError ? err.message : "start-up failed");
    stopping = true;
    await app.close().catch(() => {});
    exit(logger, code);
  });
}

function displayHost(address: string): string {
  return address === "0.0.0.0" || address === "::" ? "localhost" : address.includes(":") ? `[${address}]` : address;
}

function exit(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
}
