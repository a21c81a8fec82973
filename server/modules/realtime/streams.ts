import type { Bus, StoredEvent } from "../../platform/bus/bus";
import { createCloudEvent } from "../../platform/bus/cloudevents";
import { AppError } from "../../platform/errors/app-error";
import type { RecordEvent } from "../data/records/record-service";

/** Retention of each project's realtime log: how far back a reconnecting client can resume. */
export interface RetentionLimits {
  maxAgeMs: number;
  maxMsgs: number;
}

export const DEFAULT_RETENTION: RetentionLimits = { maxAgeMs: 24 * 3600_000, maxMsgs: 100_000 };

/** One durable stream per project holds its record changes and channel messages: one sequence, so one `lastEventId` resumes both. */
export const streamOf = (projectId: string) => `rt_${projectId}`;
/** Subjects in it: `rt.<project>.rec.<collection>.<action>` and `rt.<project>.ch.<channel>`. */
export const RT_PATTERN = "rt.>";
const RECORD_SUBJECT = /^project\.([a-z0-9_]+)\.records\.([a-z0-9_]+)\.(created|updated|deleted)$/;

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

  function ensure(projectId: string): Promise<unknown> {
    let p = ensured.get(projectId);
    if (!p) {
      p = bus.ensureStream({ name: streamOf(projectId), maxAgeMs: retention.maxAgeMs, maxMsgs: retention.maxMsgs });
      p.catch(() => ensured.delete(projectId));
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
      await ensure(projectId);
      return bus.append(streamOf(projectId), subject, event);
    }
  }

  const streams = {
    ensure,

    appendRecord(event: RecordEvent) {
      const data = { collection: event.collection, action: event.action, id: event.id, record: event.record, before: event.before };
      return append(event.project, `rt.${event.project}.rec.${event.collection}.${event.action}`, `apprun.record.${event.action}`, `/projects/${event.project}/collections/${event.collection}`, data);
    },

    appendMessage(projectId: string, message: ChannelMessage) {
      return append(projectId, `rt.${projectId}.ch.${message.channel}`, "apprun.realtime.message", `/projects/${projectId}/channels/${message.channel}`, message);
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
      await bus.deleteStream(streamOf(projectId));
    },

    /**
     * The bus the data module publishes record changes on: every record event also goes to the
     * project's durable realtime log, written once by the node that made the change (so reconnecting
     * clients resume without gaps and other nodes receive it with its sequence). The ephemeral
     * `project.<p>.records.…` message is published unchanged for other consumers.
     */
    recordingBus(): Bus {
      const publish = async (subject: string, data: unknown) => {
        const match = RECORD_SUBJECT.exec(subject);
        if (!match) return bus.publish(subject, data);
        await Promise.all([bus.publish(subject, data), streams.appendRecord(data as RecordEvent)]);
      };
      return new Proxy(bus, {
        get(target, prop) {
          if (prop === "publish") return publish;
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  };
  return streams;
}

export type RealtimeStreams = ReturnType<typeof createRealtimeStreams>;
