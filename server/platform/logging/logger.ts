import { createRequire } from "node:module";
import pino, { type Logger } from "pino";
import { createBatchedStream } from "./batched-stream";

export type { Logger };

/**
 * A safety net for fields that must never reach a log line. Explicit paths only: wildcard paths
 * cost ~2 µs per line, a third of a fast request. Code never logs request bodies or headers.
 */
export const REDACTED_PATHS = [
  "password",
  "secret",
  "token",
  "masterKey",
  "authorization",
  "cookie",
  "headers.authorization",
  "headers.cookie",
];

const require = createRequire(import.meta.url);

/** JSON lines by default; human-readable when writing to a terminal. */
export function createLogger(options: { level: string; pretty?: boolean; destination?: pino.DestinationStream }): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty ?? Boolean(process.stdout.isTTY)) {
    // pino-pretty as a synchronous stream: no worker thread, nothing lost at exit.
    const pretty = require("pino-pretty") as (o: object) => pino.DestinationStream;
    return pino(base, pretty({ colorize: true, sync: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" }));
  }
  const stream = createBatchedStream(1);
  // Lines still buffered when the process exits (even on a crash) are written synchronously.
  process.once("exit", () => stream.flushSync());
  return pino(base, stream);
}
