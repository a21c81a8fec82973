import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { dialectOf, type Dialect, type DbKind } from "./dialect";

export interface Database<DB = unknown> {
  kind: DbKind;
  db: Kysely<DB>;
  dialect: Dialect;
  /** The URL with any password removed, for logs and `system.info`. */
  label: string;
  /** The PostgreSQL schema every connection uses, when one was set with `?schema=`. */
  schema?: string;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * PostgreSQL only: LISTENs on a channel over a dedicated connection (outside the pool),
   * reconnecting with backoff when it drops. Resolves once the first LISTEN is in place.
   */
  listen?(channel: string, handlers: NotificationHandlers): Promise<NotificationListener>;
  /**
   * SQLite only: runs a statement at once on the one connection, without Kysely's promise round
   * trips (prepared once, cached with Kysely's). Only for code that holds the connection, that is
   * inside a transaction it was handed or began (`writeTransaction`), or for a read while no
   * transaction is open (`inTransaction()`): anything else could land in a transaction someone
   * else has open.
   */
  sync?: SqliteSync;
  /**
   * PostgreSQL only: one read outside any transaction, as a named prepared statement (parsed and
   * planned once per connection, not per query). For queries of a fixed shape: each distinct text
   * stays prepared on every connection that ran it; past 500 texts the rest run unnamed.
   */
  preparedRead?(text: string, params: readonly unknown[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export interface SqliteSync {
  get<T>(text: string, params: readonly unknown[]): T | undefined;
  run(text: string, params: readonly unknown[]): { changes: number };
  /** The first column of every row. */
  column<T>(text: string, params: readonly unknown[]): T[];
  /**
   * Whether a transaction is open on the connection. When none is, a read may run through `get`
   * or `column` without holding the connection: it runs to its end at once, and sees only
   * committed data.
   */
  inTransaction(): boolean;
}

export interface NotificationHandlers {
  onNotification(payload: string): void;
  /** Called after a dropped connection listens again: notifications in between were lost. */
  onReconnect?(): void;
  onError?(err: Error): void;
}

export interface NotificationListener {
  close(): Promise<void>;
}

export interface DatabaseOptions {
  poolSize?: number;
  /** Milliseconds a SQLite writer waits on a locked database before failing. */
  busyTimeoutMs?: number;
}

/**
 * Opens the database a URL names: `sqlite:PATH` (better-sqlite3, WAL) or `postgres://…` (pg pool;
 * `?schema=NAME` pins every connection's search_path). PostgreSQL connects lazily, so a server that
 * is down surfaces in `ping()`, not here.
 */
export function openDatabase<DB = unknown>(url: string, options: DatabaseOptions = {}): Database<DB> {
  if (url.startsWith("sqlite:")) return openSqlite<DB>(url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, ""), options);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres<DB>(url, options);
  throw new Error(`unsupported database URL: ${redactUrl(url)}`);
}

function openSqlite<DB>(file: string, options: DatabaseOptions): Database<DB> {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new SqliteDatabase(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  raw.pragma("foreign_keys = ON");
  raw.pragma("synchronous = NORMAL");
  // Savepoints (group commit, group-commit.ts) journal the pages they change; in memory, not in a temp file.
  raw.pragma("temp_store = MEMORY");
  const statements = statementCache(raw);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withSqliteValues(raw, statements) }) });
  return {
    kind: "sqlite",
    db,
    sync: {
      get: <T>(text: string, params: readonly unknown[]) => statements(text).get(params.map(toSqlite)) as T | undefined,
      run: (text: string, params: readonly unknown[]) => statements(text).run(params.map(toSqlite)),
      inTransaction: () => raw.inTransaction,
      column: <T>(text: string, params: readonly unknown[]) => {
        const stmt = statements(text);
        try {
          return stmt.pluck(true).all(params.map(toSqlite)) as T[];
        } finally {
          stmt.pluck(false);
        }
      },
    },
    dialect: dialectOf("sqlite"),
    label: `sqlite:${file}`,
    async ping() {
      raw.prepare("select 1").get();
    },
    async close() {
      await db.destroy();
      // Kysely leaves the handle open when it never ran a query.
      if (raw.open) raw.close();
    },
  };
}

const STATEMENT_CACHE_SIZE = 500;

/** better-sqlite3 binds only numbers, strings, bigints, buffers and null; booleans and Dates are converted. */
const toSqlite = (v: unknown) => (typeof v === "boolean" ? (v ? 1 : 0) : v instanceof Date ? v.toISOString() : v);

/**
 * Prepared statements by their text. Kysely prepares every query anew; on the data plane's hot
 * paths that was ~10 % of the CPU. Queries are parameterized, so a few hundred distinct texts
 * cover them; SQLite re-prepares a cached statement by itself after a schema change.
 */
function statementCache(raw: SqliteDatabase.Database): (source: string) => SqliteDatabase.Statement {
  const prepare = raw.prepare.bind(raw);
  const statements = new Map<string, SqliteDatabase.Statement>();
  return (source: string): SqliteDatabase.Statement => {
    const hit = statements.get(source);
    // A statement still iterating (a stream) cannot run again until it is done: take a fresh one.
    if (hit && !hit.busy) return hit;
    const stmt = prepare(source);
    if (hit) return stmt;
    if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    statements.set(source, stmt);
    return stmt;
  };
}

/** The connection Kysely sees: statements from the cache, booleans and Dates converted, so one code path serves both databases. */
function withSqliteValues(raw: SqliteDatabase.Database, cached: (source: string) => SqliteDatabase.Statement): SqliteDatabase.Database {
  return new Proxy(raw, {
    get(target, prop, receiver) {
      if (prop !== "prepare") return Reflect.get(target, prop, receiver);
      return (source: string) => {
        const stmt = cached(source);
        return {
          get reader() {
            return stmt.reader;
          },
          all: (params: unknown[]) => stmt.all(params.map(toSqlite)),
          run: (params: unknown[]) => stmt.run(params.map(toSqlite)),
          iterate: (params: unknown[]) => stmt.iterate(params.map(toSqlite)),
        };
      };
    },
  });
}

const PG_INT8 = 20;
const PG_JSON = 114;
const PG_JSONB = 3802;
const PG_DATE = 1082;
const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;

/** int8 (counts, sums) as numbers, times as ISO-8601 text, dates as plain `YYYY-MM-DD`, JSON as text. */
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    switch (oid) {
      case PG_INT8:
        return (v: string) => {
          const n = Number(v);
          return Number.isSafeInteger(n) ? n : v;
        };
      case PG_DATE:
        return (v: string) => v;
      // JSON as its text, as SQLite gives it: `readJson` parses both alike. (Parsed here, a JSON
      // value that is itself a string, `"abc"`, would reach readJson as abc and fail to parse.)
      case PG_JSON:
      case PG_JSONB:
        return (v: string) => v;
      case PG_TIMESTAMP:
        return (v: string) => new Date(v.replace(" ", "T") + "Z").toISOString();
      case PG_TIMESTAMPTZ:
        return (v: string) => new Date(v).toISOString();
      default:
        return pg.types.getTypeParser(oid, format as "text");
    }
  },
};

/** How many distinct texts `preparedRead` prepares (per process; on each connection that runs them). */
const PREPARED_TEXTS = 500;

function openPostgres<DB>(url: string, options: DatabaseOptions): Database<DB> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? undefined;
  parsed.searchParams.delete("schema");
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name in database URL: ${schema}`);
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    types: pgTypes as pg.CustomTypesConfig,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // Statement names by text, at most PREPARED_TEXTS (each stays prepared on every connection that
  // ran it; texts beyond the limit run unnamed). A new generation after a column changed type under
  // a prepared statement ("cached plan must not change result type"): the texts are prepared again.
  const names = new Map<string, string>();
  let generation = 0;
  return {
    kind: "postgres",
    db,
    async preparedRead(text, params) {
      let name = names.get(text);
      if (name === undefined && names.size < PREPARED_TEXTS) {
        name = `ap${generation}_${crypto.createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
        names.set(text, name);
      }
      try {
        return (await pool.query(name === undefined ? { text, values: [...params] } : { name, text, values: [...params] })).rows;
      } catch (err) {
        if ((err as { code?: string }).code !== "0A000") throw err;
        generation++;
        names.clear();
        return (await pool.query(text, [...params])).rows;
      }
    },
    dialect: dialectOf("postgres"),
    label: redactUrl(url),
    schema,
    async ping() {
      const client = await pool.connect();
      try {
        await client.query("select 1");
      } finally {
        client.release();
      }
    },
    listen(channel, handlers) {
      return listenPostgres({ connectionString: parsed.toString(), connectionTimeoutMillis: 5000 }, channel, handlers);
    },
    async close() {
      await db.destroy();
      // Kysely leaves the pool open when it never ran a query.
      if (!pool.ended) await pool.end();
    },
  };
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

async function listenPostgres(config: pg.ClientConfig, channel: string, handlers: NotificationHandlers): Promise<NotificationListener> {
  if (!CHANNEL.test(channel)) throw new Error(`invalid notification channel: ${channel}`);
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;

  async function connect(): Promise<void> {
    const c = new pg.Client(config);
    c.on("notification", (n) => {
      if (n.channel === channel) handlers.onNotification(n.payload ?? "");
    });
    c.on("error", (err) => {
      handlers.onError?.(err);
      void c.end().catch(() => {});
    });
    c.on("end", () => {
      if (client === c) client = undefined;
      if (!closed) schedule();
    });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    delay = 250;
  }

  function schedule(): void {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => handlers.onReconnect?.(),
        (err) => {
          handlers.onError?.(err as Error);
          delay = Math.min(delay * 2, 10_000);
          schedule();
        },
      );
    }, delay);
  }

  // The first LISTEN must succeed (the database was just reachable); later drops are retried.
  try {
    await connect();
  } catch (err) {
    closed = true;
    clearTimeout(retry);
    throw err;
  }
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      retry = undefined;
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}
