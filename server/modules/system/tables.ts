import type { Generated } from "kysely";
import type { Timestamp } from "../../platform/db/column-types";

/** The one row that identifies this apprun instance and the master key it was set up with. */
export interface InstanceTable {
  id: string;
  created_at: Generated<Timestamp>;
  master_key_fingerprint: string;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface SystemTables {
  apprun_instance: InstanceTable;
}
