import { Environment } from "@marcbachmann/cel-js";
import type { Kysely } from "kysely";
import type { RealtimeTables } from "./tables";
import type { Actor } from "../../platform/auth/actor";
import { readBool, readTime } from "../../platform/db/dialect";
import { AppError } from "../../platform/errors/app-error";
import { invalidInput } from "../../platform/errors/normalize";
import type { AuditService } from "../audit/service";
import type { ProjectsService } from "../projects/service";
import { byProject, channelInput, channelRef } from "./schema";

/** What a channel rule sees: the caller (`auth.id`, `auth.type`, `auth.roles`) and the channel's name. */
export interface RuleSubject {
  auth: { id: string | null; type: "user" | "apiKey" | "anonymous"; roles: string[] };
  channel: string;
}

export interface ChannelView {
  name: string;
  subscribeRule: string | null;
  publishRule: string | null;
  presence: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A channel as connections use it: its rules compiled once. null rule: refused unless the API key holds the permission. */
export interface ChannelConfig extends ChannelView {
  canSubscribe(subject: RuleSubject): boolean;
  canPublish(subject: RuleSubject): boolean;
}

// The environment bounds what a hostile rule can cost; `auth` and `channel` are the only names.
const environment = new Environment({
  unlistedVariablesAreDyn: false,
  limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 100, maxMapEntries: 0, maxCallArguments: 4 },
})
  .registerVariable("auth", "map")
  .registerVariable("channel", "string");

/** Compiles a channel rule; throws `realtime_invalid_rule` (400) with the parser's reason. */
export function compileChannelRule(which: "subscribe" | "publish", text: string | null): (subject: RuleSubject) => boolean {
  if (text === null) return () => false;
  if (text.trim() === "") return () => true;
  let evaluate: (ctx: RuleSubject) => unknown;
  try {
    const parsed = environment.parse(text);
    const check = parsed.check();
    if (!check.valid) throw check.error;
    evaluate = parsed as unknown as (ctx: RuleSubject) => unknown;
  } catch (err) {
    const e = err as { summary?: string; message?: string };
    throw new AppError("realtime_invalid_rule", 400, {
      rule: which,
      reason: String(e?.summary ?? e?.message ?? "syntax error")
        .split("\n")[0]!
        .slice(0, 200),
    });
  }
  return (subject) => {
    try {
      return evaluate(subject) === true;
    } catch {
      // A rule that fails at run time (a missing key, a type error) refuses.
      return false;
    }
  };
}

const CACHE_MS = 2000;

/**
 * Each project's broadcast channels: managed from the console (events:manage), read by every
 * node's connections through a short cache (changes made on another node apply within 2 s).
 */
export function createChannelService(deps: {
  db: Kysely<RealtimeTables>;
  projects: ProjectsService;
  audit: AuditService;
  clock?: () => number;
}) {
  const { db } = deps;
  const now = deps.clock ?? Date.now;
  const cache = new Map<string, { at: number; config: Promise<ChannelConfig | null> }>();

  function toView(row: {
    name: string;
    subscribe_rule: string | null;
    publish_rule: string | null;
    presence: unknown;
    created_at: unknown;
    updated_at: unknown;
  }): ChannelView {
    return {
      name: row.name,
      subscribeRule: row.subscribe_rule,
      publishRule: row.publish_rule,
      presence: readBool(row.presence),
      createdAt: readTime(row.created_at),
      updatedAt: readTime(row.updated_at),
    };
  }

  async function load(projectId: string, name: string): Promise<ChannelConfig | null> {
    const row = await db
      .selectFrom("apprun_realtime_channel")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) return null;
    const view = toView(row);
    return {
      ...view,
      canSubscribe: compileChannelRule("subscribe", view.subscribeRule),
      canPublish: compileChannelRule("publish", view.publishRule),
    };
  }

  function parse<T>(
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import("zod").ZodError } },
    input: unknown,
  ): T {
    const r = schema.safeParse(input);
    if (!r.success) throw invalidInput(r.error);
    return r.data;
  }

  return {
    /** The channel's compiled config, or null when the project has no such channel. */
    get(projectId: string, name: string): Promise<ChannelConfig | null> {
      const key = `${projectId}/${name}`;
      const hit = cache.get(key);
      if (hit && now() - hit.at < CACHE_MS) return hit.config;
      const config = load(projectId, name);
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { at: now(), config });
      config.catch(() => cache.delete(key));
      return config;
    },

    /** events:read */
    async list(actor: Actor, input: unknown): Promise<ChannelView[]> {
      const { project: ref } = parse(byProject, input);
      const { project } = await deps.projects.authorize(actor, ref, "events:read");
      const rows = await db
        .selectFrom("apprun_realtime_channel")
        .selectAll()
        .where("project_id", "=", project.id)
        .orderBy("name")
        .execute();
      return rows.map(toView);
    },

    /** events:manage. Creates the channel or replaces its settings; rules are checked before anything is written. */
    async save(actor: Actor, input: unknown): Promise<ChannelView> {
      const parsed = parse(channelInput, input);
      compileChannelRule("subscribe", parsed.subscribeRule);
      compileChannelRule("publish", parsed.publishRule);
      return db.transaction().execute(async (trx) => {
        const { project } = await deps.projects.authorize(actor, parsed.project, "events:manage", trx);
        const values = { subscribe_rule: parsed.subscribeRule, publish_rule: parsed.publishRule, presence: parsed.presence };
        const stamp = new Date(now()).toISOString();
        await trx
          .insertInto("apprun_realtime_channel")
          .values({ project_id: project.id, name: parsed.name, ...values, created_at: stamp, updated_at: stamp })
          .onConflict((oc) => oc.columns(["project_id", "name"]).doUpdateSet({ ...values, updated_at: stamp }))
          .execute();
        await deps.audit.record(
          actor,
          {
            projectId: project.id,
            action: "realtime.channel.save",
            target: { kind: "realtime_channel", id: parsed.name },
            data: { ...values },
          },
          trx,
        );
        cache.delete(`${project.id}/${parsed.name}`);
        const row = await trx
          .selectFrom("apprun_realtime_channel")
          .selectAll()
          .where("project_id", "=", project.id)
          .where("name", "=", parsed.name)
          .executeTakeFirstOrThrow();
        return toView(row);
      });
    },

    /** events:manage */
    async remove(actor: Actor, input: unknown): Promise<void> {
      const parsed = parse(channelRef, input);
      await db.transaction().execute(async (trx) => {
        const { project } = await deps.projects.authorize(actor, parsed.project, "events:manage", trx);
        const result = await trx
          .deleteFrom("apprun_realtime_channel")
          .where("project_id", "=", project.id)
          .where("name", "=", parsed.name)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) !== 1) throw new AppError("realtime_channel_not_found", 404, { name: parsed.name });
        await deps.audit.record(
          actor,
          { projectId: project.id, action: "realtime.channel.delete", target: { kind: "realtime_channel", id: parsed.name } },
          trx,
        );
        cache.delete(`${project.id}/${parsed.name}`);
      });
    },

    /** A deleted project's channels go with it. */
    async dropProject(projectId: string): Promise<void> {
      await db.deleteFrom("apprun_realtime_channel").where("project_id", "=", projectId).execute();
      for (const key of cache.keys()) if (key.startsWith(`${projectId}/`)) cache.delete(key);
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;
