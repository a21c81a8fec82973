import type { Generated } from "kysely";
import type { Bool, Json, Timestamp } from "../../platform/db/column-types";

/** App-user auth settings of a project (`server/modules/auth/settings.ts`). */
export interface AuthSettingsTable {
  project_id: string;
  settings: Json;
  updated_at: Generated<Timestamp>;
}

/** Ed25519 keys that sign a project's access tokens; the private half sealed with the master key. */
export interface AuthSigningKeysTable {
  id: string;
  project_id: string;
  algorithm: string;
  public_jwk: Json;
  private_jwk: string;
  active: Bool;
  max_token_ttl_seconds: number;
  created_at: Timestamp;
  retired_at: Timestamp | null;
  verify_until: Timestamp | null;
}

/** OAuth2/OIDC providers app users sign in with, per project. */
export interface AuthProvidersTable {
  id: string;
  project_id: string;
  name: string;
  kind: string;
  display_name: string;
  issuer: string | null;
  client_id: string;
  /** Sealed with the master key. */
  client_secret: string;
  scopes: string;
  options: Json;
  enabled: Bool;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

/** Service-account keys of a project: `ar_<prefix>_<secret>`, the secret stored as SHA-256 only. */
export interface ApiKeysTable {
  id: string;
  project_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  permissions: Json;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_by: string;
  created_at: Timestamp;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface AuthTables {
  auth_settings: AuthSettingsTable;
  auth_signing_keys: AuthSigningKeysTable;
  auth_providers: AuthProvidersTable;
  api_keys: ApiKeysTable;
}
