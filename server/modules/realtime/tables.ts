import type { Generated } from "kysely";
import type { Bool, Timestamp } from "../../platform/db/column-types";

/** A project's broadcast channel (realtime): who may subscribe and publish (CEL over `auth`, `channel`), and whether it tracks presence. */
export interface RealtimeChannelTable {
  project_id: string;
  name: string;
  subscribe_rule: string | null;
  publish_rule: string | null;
  presence: Bool;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

/** A connection present on a channel, on some node; `seen_ms` is refreshed by that node's heartbeat. */
export interface RealtimePresenceTable {
  project_id: string;
  channel: string;
  connection_id: string;
  node_id: string;
  member: string;
  joined_ms: number;
  seen_ms: number;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface RealtimeTables {
  apprun_realtime_channel: RealtimeChannelTable;
  apprun_realtime_presence: RealtimePresenceTable;
}
