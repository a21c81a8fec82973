import type { Bus, StoredEvent } from "../../platform/bus/bus";
import { createCloudEvent } from "../../platform/bus/cloudevents";
import { AppError } from "../../platform/errors/app-error";
import type { RecordEvent, RecordEventSink } from "../data/events";
import { channelSubject, recordChangeSubject, RT_PATTERN, streamOf } from "./events";

/** Retention of each project's realtime log: how far back a reconnecting client can resume. */
export interface RetentionLimits {
  maxAgeMs: number;
  maxMsgs: number;
}

export const DEFAULT_RETENTION: RetentionLimits = { maxAgeMs: 24 * 3600_000, maxMsgs: 100_000 };

export { RT_PATTERN, streamOf };

/** A record change as the realtime log stores it. */
function recordEntry(event: RecordEvent) {
  return {
    subject: recordChangeSubject(event.project, event.collection, event.action),
    type: `apprun.record.${event.action}`,
    source: `/projects/${event.project}/collections/${event.collection}`,
    data: { collection: event.collection, action: event.action, id: event.id, record: event.record, before: event.before },
  };
}

/** A channel message as stored and delivered. */
export interface ChannelMessage {
  channel: string;
  data: unknown;
  from: { type: "user" | "apiKey" | "anonymous"; id: string | null };
}

/**
 * The realtime log: appends record changes and channel messages to the project's stream (creating
 * it with the retention limits on first use on this node) and reads it back for resumes.
 */
export function createRealtimeStreams(deps: { bus: Bus; retention?: RetentionLimits }) {
  const { bus } = deps;
  const retention = deps.retention ?? DEFAULT_RETENTION;
  const ensured = new Map<string, Promise<unknown>>();
  /** Projects whose stream this node has created or found (their `ensure` settled). */
  const ready = new Set<string>();

  function ensure(projectId: string): Promise<unknown> {
    let p = ensured.get(projectId);
    if (!p) {
      p = bus.ensureStream({ name: streamOf(projectId), maxAgeMs: retention.maxAgeMs, maxMsgs: retention.maxMsgs });
      p.then(
        () => ensured.get(projectId) === p && ready.add(projectId),
        () => ensured.delete(projectId),
      );
      ensured.set(projectId, p);
    }
    return p;
  }

  async function append(projectId: string, subject: string, type: string, source: string, data: unknown) {
    await ensure(projectId);
    const event = createCloudEvent({ source, type, projectid: projectId, data } as Parameters<typeof createCloudEvent>[0]);
    try {
      return await bus.append(streamOf(projectId), subject, event);
    } catch (err) {
      // The stream went away (the project was deleted and re-created elsewhere): create it again once.
      if (!(err instanceof AppError) || err.code !== "bus_stream_not_found") throw err;
      ensured.delete(projectId);
      ready.delete(projectId);
      await ensure(projectId);
      return bus.append(streamOf(projectId), subject, event);
    }
  }

  const streams = {
    ensure,

    appendRecord(event: RecordEvent) {
      const { subject, type, source, data } = recordEntry(event);
      return append(event.project, subject, type, source, data);
    },

    appendMessage(projectId: string, message: ChannelMessage) {
      return append(
        projectId,
        channelSubject(projectId, message.channel),
        "apprun.realtime.message",
        `/projects/${projectId}/channels/${message.channel}`,
        message,
      );
    },

    async info(projectId: string) {
      await ensure(projectId);
      return bus.streamInfo(streamOf(projectId));
    },

    async read(projectId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
      await ensure(projectId);
      return bus.read(streamOf(projectId), { afterSeq }, { limit });
    },

    async dropProject(projectId: string): Promise<void> {
      ensured.delete(projectId);
      ready.delete(projectId);
      await bus.deleteStream(streamOf(projectId));
    },

    /**
     * Where the data module keeps record changes besides the bus message: every change also goes
     * to the project's durable realtime log, written once by the node that made it (so reconnecting
     * clients resume without gaps and other nodes receive it with its sequence). On SQLite the log
     * rows are written in the change's own transaction; otherwise right after its commit.
     */
    recordSink(): RecordEventSink {
      return {
        async within(trx, events) {
          const project = events[0]!.project;
          const committed: Array<() => void> = [];
          let stored = 0;
          if (bus.appendWithin && ready.has(project)) {
            for (; stored < events.length; stored++) {
              const { subject, type, source, data } = recordEntry(events[stored]!);
              const event = createCloudEvent({ source, type, projectid: project, data } as Parameters<typeof createCloudEvent>[0]);
              try {
                committed.push((await bus.appendWithin(trx, streamOf(project), subject, event)).committed);
              } catch (err) {
                // The stream went away (the project was deleted and re-created elsewhere): after the commit, the usual way.
                if (!(err instanceof AppError) || err.code !== "bus_stream_not_found") throw err;
                ensured.delete(project);
                ready.delete(project);
                break;
              }
            }
          }
          const rest = events.slice(stored);
          return async () => {
            for (const done of committed) done();
            // In call order: a bus that stores appends in call order takes them all at once.
            if (bus.appendsInCallOrder) await Promise.all(rest.map((e) => streams.appendRecord(e)));
            else for (const e of rest) await streams.appendRecord(e);
          };
        },
      };
    },
  };
  return streams;
}

export type RealtimeStreams = ReturnType<typeof createRealtimeStreams>;
