import type { Bool, Json, Timestamp } from "../../platform/db/column-types";

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

/** The system tables this module owns, as Kysely sees them; its service types the database with these only. */
export interface EventsTables {
  apprun_events_topic: EventsTopicTable;
  apprun_events_group: EventsGroupTable;
  apprun_events_webhook: EventsWebhookTable;
  apprun_events_delivery: EventsDeliveryTable;
}
