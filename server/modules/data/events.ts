import type { Kysely } from "kysely";
import type { Actor, ProjectId, RecordData } from "./types";

/**
 * What the data module publishes on the bus, and the hook other modules give it to store record
 * events with the write itself. Both sides import these (the event center, realtime, functions…):
 * no subject is spelled in two places.
 */

export type RecordAction = "created" | "updated" | "deleted";

/** A record change, published on `project.<project>.records.<collection>.<action>` after the write commits. */
export interface RecordEvent {
  project: ProjectId;
  collection: string;
  action: RecordAction;
  id: string;
  record: RecordData | null;
  before: RecordData | null;
  actor: { type: Actor["type"]; id: string | null };
}

/** The subject of one record change. */
export const recordSubject = (project: string, collection: string, action: RecordAction) =>
  `project.${project}.records.${collection}.${action}`;

/** Every record change of every project (a subscription pattern). */
export const RECORD_SUBJECTS = "project.*.records.*.*";

/**
 * Keeps a write's record events somewhere durable besides the bus message: the realtime log,
 * the event center's `records.<collection>` topics. `within` runs inside the write's own
 * transaction, before its commit, and stores there what it can (the change and its events then
 * commit together, or not at all); it returns what is left to do once the write has committed
 * (fan-out, or the append itself when it could not be stored inside), or null for nothing. An
 * error it throws fails the write.
 */
export interface RecordEventSink {
  within(trx: Kysely<any>, events: readonly RecordEvent[]): Promise<(() => Promise<unknown> | void) | null>;
}
