import type { Generated } from "kysely";

/** Data module: a project's current model and version. */
export interface DataProjectTable {
  project_id: string;
  version: number;
  /** The normalized model document (JSON). */
  model: unknown;
  updated_at: Generated<string>;
}

/** Data module: one applied model version with the SQL it ran and the SQL that undoes it. */
export interface DataVersionTable {
  project_id: string;
  version: number;
  kind: "apply" | "rollback";
  base_version: number;
  model: unknown;
  up_steps: unknown;
  down_steps: unknown;
  warnings: unknown;
  author: string;
  message: string | null;
  created_at: Generated<string>;
}

/** Data module: rows kept after a field or collection was dropped, until purged. */
export interface DataRetainedTable {
  id: string;
  project_id: string;
  version: number;
  kind: "field" | "collection";
  collection_id: string;
  collection_name: string;
  field_id: string | null;
  field_name: string | null;
  definition: unknown;
  tables: unknown;
  row_count: number;
  created_at: Generated<string>;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface DataTables {
  apprun_data_project: DataProjectTable;
  apprun_data_version: DataVersionTable;
  apprun_data_retained: DataRetainedTable;
}
