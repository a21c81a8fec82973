import type { Generated } from "kysely";
import type { Timestamp } from "../server/platform/db/column-types";

export interface RateLimitCountersTable {
  key: string;
  window_start: number;
  count: number;
}

/** Durable streams of the embedded bus (server/platform/bus). Times are epoch milliseconds. */
export interface BusStreamTable {
  name: string;
  max_age_ms: number | null;
  max_bytes: number | null;
  max_msgs: number | null;
  last_seq: Generated<number>;
  bytes: Generated<number>;
  created_at: Generated<string>;
}

export interface BusEventTable {
  stream: string;
  seq: number;
  subject: string;
  dedupe_key: string;
  /** The CloudEvent as JSON text. */
  event: string;
  size: number;
  stored_ms: number;
}

export interface BusGroupTable {
  stream: string;
  name: string;
  filter: string | null;
  ack_wait_ms: number;
  /** JSON array of milliseconds, or null. */
  backoff_ms: string | null;
  max_deliveries: number | null;
  dead_letter_stream: string | null;
  cursor: Generated<number>;
  created_at: Generated<string>;
}

/** Events delivered to a group and not yet acknowledged. */
export interface BusPendingTable {
  stream: string;
  group_name: string;
  seq: number;
  deliveries: number;
  visible_ms: number;
  lease: string | null;
}

export interface BusRelayTable {
  id: string;
  payload: string;
  created_ms: number;
}

/** The last per-project migration applied to each project's own storage (see `project-migrate.ts`). */
export interface ProjectStorageVersionsTable {
  project_id: string;
  version: string;
  updated_at: Generated<Timestamp>;
}

/** The platform's own system tables (bus, rate limits, per-project storage versions), as Kysely sees them. */
export interface PlatformTables {
  rate_limit_counters: RateLimitCountersTable;
  apprun_bus_stream: BusStreamTable;
  apprun_bus_event: BusEventTable;
  apprun_bus_group: BusGroupTable;
  apprun_bus_pending: BusPendingTable;
  apprun_bus_relay: BusRelayTable;
  project_storage_versions: ProjectStorageVersionsTable;
}
