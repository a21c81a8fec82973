import type { Generated } from "kysely";
import type { Bool, Json, Timestamp } from "../../platform/db/column-types";

export interface AccountsTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  email_verified_at: Timestamp | null;
  is_instance_admin: Generated<Bool>;
  disabled_at: Timestamp | null;
  /** Sealed with the master key (`secretBox`). */
  totp_secret: string | null;
  totp_enabled_at: Timestamp | null;
  totp_last_step: number | null;
  last_sign_in_at: Timestamp | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface AccountSessionsTable {
  id: string;
  account_id: string;
  token_hash: string;
  ip: string | null;
  user_agent: string | null;
  auth_method: string;
  created_at: Generated<Timestamp>;
  last_seen_at: Generated<Timestamp>;
  expires_at: Timestamp;
}

export interface AccountTokensTable {
  id: string;
  kind: string;
  token_hash: string;
  account_id: string | null;
  email: string | null;
  data: Json | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Generated<Timestamp>;
}

export interface AccountRecoveryCodesTable {
  account_id: string;
  code_hash: string;
  used_at: Timestamp | null;
}

export interface SsoProvidersTable {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  /** Sealed with the master key. */
  client_secret: string;
  scopes: string;
  claim_mapping: Json;
  allowed_domains: Json;
  jit_provisioning: Bool;
  default_project_id: string | null;
  default_role: string | null;
  enabled: Generated<Bool>;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface AccountIdentitiesTable {
  provider_id: string;
  subject: string;
  account_id: string;
  email: string | null;
  created_at: Generated<Timestamp>;
}

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface AccountsTables {
  accounts: AccountsTable;
  account_sessions: AccountSessionsTable;
  account_tokens: AccountTokensTable;
  account_recovery_codes: AccountRecoveryCodesTable;
  sso_providers: SsoProvidersTable;
  account_identities: AccountIdentitiesTable;
}
