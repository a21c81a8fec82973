import type { Generated } from "kysely";
import type { Json, Timestamp } from "../../platform/db/column-types";

export interface AuditLogTable {
  id: string;
  project_id: string | null;
  actor_kind: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_kind: string;
  target_id: string | null;
  data: Json;
  ip: string | null;
  created_at: Generated<Timestamp>;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface AuditTables {
  audit_log: AuditLogTable;
}
