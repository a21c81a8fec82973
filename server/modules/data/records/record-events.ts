import type { RecordAction, RecordEvent } from "../events";
import type { Actor, ProjectId, RecordData } from "../types";

/** The event of one record change (`events.ts`), as a write records it. */
export function recordEvent(
  project: ProjectId,
  collection: string,
  action: RecordAction,
  actor: Actor,
  record: RecordData | null,
  before: RecordData | null,
): RecordEvent {
  return {
    project,
    collection,
    action,
    id: (record ?? before)!.id,
    record,
    before,
    actor: { type: actor.type, id: actor.type === "anonymous" ? null : actor.id },
  };
}
