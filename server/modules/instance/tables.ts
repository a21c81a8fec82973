import type { Generated } from "kysely";
import type { Json, Timestamp } from "../../platform/db/column-types";

export interface InstanceSettingsTable {
  key: string;
  value: Json;
  updated_at: Generated<Timestamp>;
  updated_by: string | null;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface InstanceTables {
  instance_settings: InstanceSettingsTable;
}
