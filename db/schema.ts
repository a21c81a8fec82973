import type { Generated } from "kysely";

/**
 * Column types as Kysely sees them. Timestamps are ISO text on SQLite and timestamptz on
 * PostgreSQL; read them with `readTime`. Booleans are 0/1 on SQLite; read them with `readBool`.
 * JSON is text on SQLite; read it with `readJson`.
 */
type Timestamp = string;
type Bool = boolean | number;
type Json = unknown;

/** The one row that identifies this apprun instance and the master key it was set up with. */
export interface InstanceTable {
  id: string;
  created_at: Generated<Timestamp>;
  master_key_fingerprint: string;
}

export interface InstanceSettingsTable {
  key: string;
  value: Json;
  updated_at: Generated<Timestamp>;
  updated_by: string | null;
}

export interface RateLimitCountersTable {
  key: string;
  window_start: number;
  count: number;
}

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

export interface ProjectsTable {
  id: string;
  slug: string;
  name: string;
  owner_id: string;
  archived_at: Timestamp | null;
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

/** The last per-project migration applied to each project's own storage (see `project-migrate.ts`). */
export interface ProjectStorageVersionsTable {
  project_id: string;
  version: string;
  updated_at: Generated<Timestamp>;
}

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

/** A project's event topic (server/modules/events), backed by one bus stream. */
export interface EventsTopicTable {
  id: string;
  project_id: string;
  name: string;
  kind: string;
  description: string;
  stream: string;
  max_age_ms: number | null;
  max_bytes: number | null;
  publish_roles: Json | null;
  subscribe_roles: Json | null;
  dead_letter_topic: string | null;
  created_by: string;
  created_at: Timestamp;
}

export interface EventsGroupTable {
  id: string;
  project_id: string;
  topic_id: string;
  name: string;
  config: Json;
  created_by: string;
  created_at: Timestamp;
}

export interface EventsWebhookTable {
  id: string;
  project_id: string;
  topic_id: string;
  url: string;
  types: Json;
  secret: string;
  enabled: Bool;
  retry_base_ms: number;
  max_attempts: number;
  created_by: string;
  created_at: Timestamp;
}

export interface EventsDeliveryTable {
  id: string;
  project_id: string;
  webhook_id: string;
  seq: number;
  event_id: string;
  event_type: string;
  attempt: number;
  status: string;
  response_code: number | null;
  duration_ms: number;
  error: string | null;
  manual: Bool;
  created_at: Timestamp;
}

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

/** Every system table, as Kysely sees it. Modules add theirs here as they land. */
export interface SystemDatabase {
  apprun_instance: InstanceTable;
  apprun_data_project: DataProjectTable;
  apprun_data_version: DataVersionTable;
  apprun_data_retained: DataRetainedTable;
  instance_settings: InstanceSettingsTable;
  rate_limit_counters: RateLimitCountersTable;
  accounts: AccountsTable;
  account_sessions: AccountSessionsTable;
  account_tokens: AccountTokensTable;
  account_recovery_codes: AccountRecoveryCodesTable;
  sso_providers: SsoProvidersTable;
  account_identities: AccountIdentitiesTable;
  projects: ProjectsTable;
  project_roles: ProjectRolesTable;
  project_members: ProjectMembersTable;
  project_invitations: ProjectInvitationsTable;
  project_grants: ProjectGrantsTable;
  audit_log: AuditLogTable;
  apprun_bus_stream: BusStreamTable;
  apprun_bus_event: BusEventTable;
  apprun_bus_group: BusGroupTable;
  apprun_bus_pending: BusPendingTable;
  apprun_bus_relay: BusRelayTable;
  apprun_realtime_channel: RealtimeChannelTable;
  apprun_realtime_presence: RealtimePresenceTable;
  project_storage_versions: ProjectStorageVersionsTable;
  auth_settings: AuthSettingsTable;
  auth_signing_keys: AuthSigningKeysTable;
  auth_providers: AuthProvidersTable;
  api_keys: ApiKeysTable;
  apprun_events_topic: EventsTopicTable;
  apprun_events_group: EventsGroupTable;
  apprun_events_webhook: EventsWebhookTable;
  apprun_events_delivery: EventsDeliveryTable;
}
