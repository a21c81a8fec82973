import type { Generated } from "kysely";
import type { Json, Timestamp } from "../../platform/db/column-types";

export interface ProjectsTable {
  id: string;
  slug: string;
  name: string;
  owner_id: string;
  archived_at: Timestamp | null;
  /** Origins whose browser apps may call the project's public API (JSON list; "*" for any). */
  cors_origins: Generated<Json>;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface ProjectRolesTable {
  id: string;
  project_id: string;
  name: string;
  description: Generated<string>;
  permissions: Json;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface ProjectMembersTable {
  project_id: string;
  account_id: string;
  role: string;
  created_at: Generated<Timestamp>;
}

export interface ProjectInvitationsTable {
  id: string;
  project_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_at: Generated<Timestamp>;
}

export interface ProjectGrantsTable {
  id: string;
  project_id: string;
  grantee_project_id: string;
  resource_kind: string;
  resource_name: string;
  access: string;
  created_by: string;
  created_at: Generated<Timestamp>;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface ProjectsTables {
  projects: ProjectsTable;
  project_roles: ProjectRolesTable;
  project_members: ProjectMembersTable;
  project_invitations: ProjectInvitationsTable;
  project_grants: ProjectGrantsTable;
}
