import crypto from "node:crypto";
import type { Locale } from "../../platform/errors/locale";
import { actorKey, filterId, type CollectionSubscription, type Principal, type RecordActor } from "./access";
import type { ChannelMessage } from "./streams";

/** What a connection's transport must offer: WebSocket and SSE implement it. */
export interface Transport {
  readonly kind: "ws" | "sse";
  /** A frame's JSON text; a Buffer when one frame is fanned out to many (encoded once). */
  send(text: string | Buffer): void;
  /** Bytes accepted but not yet handed to the kernel. */
  buffered(): number;
  close(code: number, reason: string): void;
  /** WebSocket: a protocol ping; returns false when the previous one was never answered. SSE: a comment line. */
  heartbeat(): boolean;
}

export interface ChannelSubscription {
  kind: "channel";
  channel: string;
  name: string;
  presence: boolean;
  /** On a presence channel: how this connection is listed. */
  member: PresenceMember | null;
}

export type Subscription = CollectionSubscription | ChannelSubscription;

export interface PresenceMember {
  connectionId: string;
  auth: { type: Principal["type"]; id: string | null };
  joinedAt: string;
}

/** A subscription map that tells its connection when it changes (the connection's delivery key depends on it). */
class Subscriptions extends Map<string, Subscription> {
  onChange: (() => void) | null = null;
  override set(key: string, value: Subscription): this {
    super.set(key, value);
    this.onChange?.();
    return this;
  }
  override delete(key: string): boolean {
    const deleted = super.delete(key);
    if (deleted) this.onChange?.();
    return deleted;
  }
  override clear(): void {
    super.clear();
    this.onChange?.();
  }
}

/** One client connection, WebSocket or SSE: its principal, subscriptions and delivery state. */
export class Connection {
  readonly id = crypto.randomBytes(16).toString("base64url");
  readonly connectedAt = new Date().toISOString();
  project: { id: string; slug: string } | null = null;
  principal: Principal | null = null;
  #actor: RecordActor = { type: "anonymous" };
  readonly subscriptions = new Subscriptions();
  /** See `deliveryKey()`; null when the actor or the subscriptions changed since it was built. */
  #deliveryKey: string | null = null;
  /** The highest event sequence of the project's log handled for this connection: later duplicates are dropped. */
  seenSeq = 0;
  /** The log's last sequence when the connection authenticated: later events were handled live. */
  authSeq = 0;
  /** Set by `auth` with `lastEventId`: live frames are held until the `resume` that replays from here. */
  resumeFrom: number | null = null;
  /** While a resume replays the log, live frames wait here (sequence, text). */
  replayQueue: Array<[number, string | Buffer]> | null = null;
  closed = false;
  delivered = 0;
  /** Frames are handled one after another, so `subscribe` then `resume` happen in that order. */
  queue: Promise<unknown> = Promise.resolve();
  /** Frames received and not yet answered. */
  pending = 0;
  authTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly transport: Transport,
    readonly locale: Locale,
  ) {
    this.subscriptions.onChange = () => (this.#deliveryKey = null);
  }

  get actor(): RecordActor {
    return this.#actor;
  }

  set actor(actor: RecordActor) {
    this.#actor = actor;
    this.#deliveryKey = null;
  }

  /**
   * What decides which record events this connection receives and in which frame: the actor (view
   * rules and filters read only `auth`) and its collection subscriptions (channel, compiled
   * filter), in order. Connections with equal keys get the same decision and the same frame for
   * an event, so a fan-out checks the rules once per distinct key, not once per connection.
   */
  deliveryKey(): string {
    if (this.#deliveryKey === null) {
      const subs: Array<[string, number]> = [];
      for (const sub of this.subscriptions.values()) if (sub.kind === "collection") subs.push([sub.channel, filterId(sub.filter)]);
      this.#deliveryKey = `${actorKey(this.#actor)}\u0001${JSON.stringify(subs)}`;
    }
    return this.#deliveryKey;
  }

  from(): ChannelMessage["from"] {
    const p = this.principal;
    return p?.type === "user" || p?.type === "apiKey" ? { type: p.type, id: p.id } : { type: "anonymous", id: null };
  }
}
