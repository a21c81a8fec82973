import type { Generated } from "kysely";

/** The one row that identifies this apprun instance and the master key it was set up with. */
export interface InstanceTable {
  id: string;
  created_at: Generated<string>;
  master_key_fingerprint: string;
}

/** Every system table, as Kysely sees it. Modules add theirs here as they land. */
export interface SystemDatabase {
  apprun_instance: InstanceTable;
}
