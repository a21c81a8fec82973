import { AppError } from "../../platform/errors/app-error";
// The module's only imports from the data module: its rules and filters, as `RecordActor`, `RecordFilter`, `DataRules` below.
import { bypassesRules, recordPermissionsOf, type CompiledExpression, type DataActor, type DataService } from "../data/service";
import type { ChannelConfig, ChannelService, RuleSubject } from "./channels";
import type { RecordPayload } from "./frames";

/** Who a connection authenticated as. */
export type Principal =
  | { type: "user"; id: string; roles: string[]; expiresAt: number }
  | { type: "apiKey"; id: string; permissions: readonly string[] }
  | { type: "anonymous" };

/** The caller as view rules and filters see it. */
export type RecordActor = DataActor;
/** A subscription's filter, compiled by the data module against the collection. */
export type RecordFilter = CompiledExpression;
/** What realtime uses of the data module: its compiled rules and filters, evaluated in memory. */
export type DataRules = Pick<DataService, "expressions">;
type ViewRule = Awaited<ReturnType<DataService["expressions"]["rule"]>>["rule"];

export interface CollectionSubscription {
  kind: "collection";
  channel: string;
  collection: string;
  id: string | null;
  filter: RecordFilter | null;
  filterText: string | null;
}

/** The actor a principal's record events are judged as. */
export function recordActor(principal: Principal): RecordActor {
  return principal.type === "user"
    ? { type: "user", id: principal.id, roles: principal.roles }
    : principal.type === "apiKey"
      ? // API keys hold project permissions: data:read lets a key see every record, like the REST API.
        {
          type: "apiKey",
          id: principal.id,
          permissions: recordPermissionsOf(principal.permissions),
        }
      : { type: "anonymous" };
}

/** Everything a view rule or filter reads of the caller: equal keys, equal decisions. */
export function actorKey(actor: RecordActor): string {
  switch (actor.type) {
    case "user":
      return JSON.stringify(["user", actor.id, actor.roles]);
    case "apiKey":
      return JSON.stringify(["apiKey", actor.id, actor.permissions]);
    case "admin":
      return JSON.stringify(["admin", actor.id]);
    default:
      return JSON.stringify([actor.type]);
  }
}

/** Distinct compiled filters get distinct numbers (two texts may compile alike, one text differently per model version). */
const filterIds = new WeakMap<RecordFilter, number>();
let nextFilterId = 1;
export function filterId(filter: RecordFilter | null): number {
  if (!filter) return 0;
  let id = filterIds.get(filter);
  if (id === undefined) filterIds.set(filter, (id = nextFilterId++));
  return id;
}

/** What a channel rule sees of a connection's principal. */
function ruleSubject(principal: Principal | null, channel: string): RuleSubject {
  const p = principal;
  const auth =
    p?.type === "user"
      ? { id: p.id, type: "user" as const, roles: [...p.roles] }
      : p?.type === "apiKey"
        ? { id: p.id, type: "apiKey" as const, roles: [] }
        : { id: null, type: "anonymous" as const, roles: [] };
  return { auth, channel };
}

/**
 * Authorization per connection: who may subscribe to a collection (its view rule) or a channel
 * (its subscribe rule), publish on a channel (its publish rule), and which subscriptions a record
 * event reaches (view rule, then filters, evaluated in memory).
 */
export function createAccess(deps: { data: DataRules; channels: ChannelService }) {
  const { data } = deps;

  async function viewRule(projectId: string, collection: string): Promise<ViewRule | undefined> {
    try {
      return (await data.expressions.rule(projectId, collection, "view")).rule;
    } catch {
      // The collection is gone (or the project): nobody sees its events.
      return undefined;
    }
  }

  function safeEvaluate(compiled: CompiledExpression, record: Record<string, unknown>, actor: RecordActor): boolean {
    try {
      return data.expressions.evaluate(compiled, record, actor);
    } catch {
      return false;
    }
  }

  return {
    viewRule,

    /** The subscriptions a record event reaches (rule, then filters), or null. */
    recordChannels(
      subscriptions: Iterable<CollectionSubscription | { kind: "channel" }>,
      actor: RecordActor,
      e: RecordPayload,
      rule: ViewRule,
    ): string[] | null {
      // Deleted records are judged by their last image.
      const image = (e.action === "deleted" ? e.before : e.record) ?? { id: e.id };
      let channels: string[] | null = null;
      let allowed: boolean | undefined;
      for (const sub of subscriptions) {
        if (sub.kind !== "collection" || sub.collection !== e.collection || (sub.id !== null && sub.id !== e.id)) continue;
        if (allowed === undefined) {
          if (bypassesRules(actor, e.collection, "view")) allowed = true;
          else if (rule.kind === "locked") allowed = false;
          else if (rule.kind === "public") allowed = true;
          else allowed = safeEvaluate(rule.compiled, image, actor);
          if (!allowed) return null;
        }
        if (sub.filter && !safeEvaluate(sub.filter, image, actor)) continue;
        (channels ??= []).push(sub.channel);
      }
      return channels;
    },

    /** A subscription to a collection or one record: refused when the view rule is locked for the actor; its filter compiled. */
    async collectionSubscription(
      projectId: string,
      actor: RecordActor,
      channel: string,
      target: { collection: string; id: string | null },
      filterText: string | undefined,
    ): Promise<CollectionSubscription> {
      const { rule } = await data.expressions.rule(projectId, target.collection, "view");
      if (rule.kind === "locked" && !bypassesRules(actor, target.collection, "view"))
        throw new AppError("realtime_forbidden", 403, { operation: "subscribe", channel });
      const filter =
        filterText !== undefined && filterText.trim() !== ""
          ? await data.expressions.filter(projectId, target.collection, filterText)
          : null;
      return { kind: "collection", channel, collection: target.collection, id: target.id, filter, filterText: filter ? filterText! : null };
    },

    /** The channel's config when the principal may subscribe to it or publish on it; API keys with the permission pass its rules. */
    async channel(
      projectId: string,
      principal: Principal | null,
      name: string,
      operation: "subscribe" | "publish",
    ): Promise<ChannelConfig> {
      const config = await deps.channels.get(projectId, name);
      if (!config) throw new AppError("realtime_channel_not_found", 404, { name });
      const p = principal;
      const permission = operation === "subscribe" ? "events:read" : "events:publish";
      const bypass = p?.type === "apiKey" && p.permissions.includes(permission);
      const subject = ruleSubject(principal, name);
      if (!bypass && !(operation === "subscribe" ? config.canSubscribe(subject) : config.canPublish(subject)))
        throw new AppError("realtime_forbidden", 403, { operation, channel: `channels/${name}` });
      return config;
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
