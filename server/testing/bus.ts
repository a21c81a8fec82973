import crypto from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { systemMigrations } from "../modules/index";
import type { PlatformTables } from "../../db/schema";
import type { Bus } from "../platform/bus/bus";
import { createEmbeddedBus, type EmbeddedBusOptions } from "../platform/bus/embedded";
import { createNatsBus } from "../platform/bus/nats";
import { parseNatsUrl } from "../platform/bus/nats-url";
import { openDatabase, type Database } from "../platform/db/connect";
import { migrateToLatest } from "../platform/db/migrate";
import { createTestDatabase, type TestDatabase } from "./databases";

export const BUS_DRIVERS = ["embedded-sqlite", "embedded-postgres", "nats"] as const;
export type BusDriver = (typeof BUS_DRIVERS)[number];

/** The NATS server integration tests use: the machine's local one unless TEST_NATS_URL says otherwise. */
export function testNatsUrl(): string {
  return process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
}

export interface BusNode {
  bus: Bus;
  /** The embedded drivers' database (the bus's own connection). */
  database?: Database<PlatformTables>;
  /** Closes the bus and what the node opened for it (its database pool). */
  close(): Promise<void>;
}

export interface NodeOptions {
  maxPayloadBytes?: number;
  trimIntervalMs?: number;
}

export interface BusHarness {
  driver: BusDriver;
  /** Whether ephemeral messages reach other nodes (not on SQLite: it serves a single node). */
  crossNodeFanOut: boolean;
  /** A started bus standing in for one node; every node of a harness shares its database or NATS prefix. */
  node(options?: NodeOptions): Promise<BusNode>;
  /** Drops the database, or deletes every NATS stream under the harness's prefix. */
  drop(): Promise<void>;
  /** Where nodes connect: what another process needs to join (see bus-close-probe.ts). */
  target: string;
}

/** A node of the given driver joining `target` (a database URL, or a NATS prefix). */
export async function openBusNode(driver: BusDriver, target: string, options: NodeOptions = {}): Promise<BusNode> {
  if (driver === "nats") {
    const bus = createNatsBus({ url: testNatsUrl(), prefix: target, maxPayloadBytes: options.maxPayloadBytes, requestTimeoutMs: 3000 });
    await bus.start();
    return { bus, close: () => bus.close() };
  }
  const database = openDatabase<PlatformTables>(target, { poolSize: 4 });
  const bus = createEmbeddedBus({ database, maxPayloadBytes: options.maxPayloadBytes, trimIntervalMs: options.trimIntervalMs });
  await bus.start();
  return {
    bus,
    database,
    async close() {
      await bus.close();
      await database.close();
    },
  };
}

/** One driver on real infrastructure: a fresh SQLite file or PostgreSQL schema, or a fresh NATS prefix. */
export async function createBusHarness(driver: BusDriver): Promise<BusHarness> {
  if (driver === "nats") {
    const prefix = `t${crypto.randomBytes(5).toString("hex")}`;
    return {
      driver,
      crossNodeFanOut: true,
      target: prefix,
      node: (options) => openBusNode(driver, prefix, options),
      drop: () => deleteNatsStreams(prefix),
    };
  }
  const testDb: TestDatabase = await createTestDatabase(driver === "embedded-sqlite" ? "sqlite" : "postgres");
  const setup = openDatabase<PlatformTables>(testDb.url, { poolSize: 4 });
  try {
    await migrateToLatest(setup.db as never, systemMigrations);
  } catch (err) {
    // The caller gets no harness to drop: leave nothing behind.
    await setup.close();
    await testDb.drop();
    throw err;
  }
  // PostgreSQL nodes each open their own pool. SQLite serves one process: its bus instances share
  // one handle, since better-sqlite3 blocks the thread while a second handle waits for the lock.
  const shared = driver === "embedded-sqlite" ? setup : null;
  if (!shared) await setup.close();
  return {
    driver,
    crossNodeFanOut: driver === "embedded-postgres",
    target: testDb.url,
    async node(options = {}) {
      if (!shared) return openBusNode(driver, testDb.url, options);
      const busOptions: EmbeddedBusOptions = {
        database: shared,
        maxPayloadBytes: options.maxPayloadBytes,
        trimIntervalMs: options.trimIntervalMs,
      };
      const bus = createEmbeddedBus(busOptions);
      await bus.start();
      return { bus, database: shared, close: () => bus.close() };
    },
    async drop() {
      await shared?.close();
      await testDb.drop();
    },
  };
}

/** Deletes the streams (with their consumers) a test run created under its prefix. */
export async function deleteNatsStreams(prefix: string): Promise<void> {
  const target = parseNatsUrl(testNatsUrl());
  if (typeof target === "string") throw new Error(`TEST_NATS_URL ${target}`);
  const nc = await connect({ servers: target.servers, user: target.user, pass: target.pass, token: target.token });
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(`${prefix}_`)) names.push(name);
    for (const name of names) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}
