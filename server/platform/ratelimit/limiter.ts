import { sql, type Kysely } from "kysely";
import type { PlatformTables } from "../../../db/schema";
import { AppError } from "../errors/app-error";

export interface LimitRule {
  /** How many events a key may have per window. */
  limit: number;
  windowMs: number;
}

/**
 * Fixed-window counters in the SQL database, so every node of a cluster sees the same counts (a
 * brute-force attempt spread over nodes is still one attempt series). Used on sign-in, OTP and
 * reset endpoints, which are not hot paths.
 */
export function createRateLimiter(deps: { db: Kysely<PlatformTables>; clock?: () => number }) {
  const now = deps.clock ?? Date.now;

  function windowStart(rule: LimitRule): number {
    return Math.floor(now() / rule.windowMs) * rule.windowMs;
  }

  async function count(key: string, rule: LimitRule): Promise<number> {
    const row = await deps.db.selectFrom("rate_limit_counters").select(["window_start", "count"]).where("key", "=", key).executeTakeFirst();
    return row && Number(row.window_start) === windowStart(rule) ? Number(row.count) : 0;
  }

  function refusal(rule: LimitRule): AppError {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart(rule) + rule.windowMs - now()) / 1000));
    return new AppError("rate_limited", 429, { retryAfterSeconds });
  }

  return {
    /** Throws 429 `rate_limited` (with `retryAfterSeconds`) when the key has used up its window. */
    async check(key: string, rule: LimitRule): Promise<void> {
      if ((await count(key, rule)) >= rule.limit) throw refusal(rule);
    },
    /** Counts one event; returns the count in the current window. */
    async record(key: string, rule: LimitRule): Promise<number> {
      const start = windowStart(rule);
      const row = await deps.db
        .insertInto("rate_limit_counters")
        .values({ key, window_start: start, count: 1 })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            count: sql<number>`case when rate_limit_counters.window_start = ${start} then rate_limit_counters.count + 1 else 1 end`,
            window_start: start,
          }),
        )
        .returning("count")
        .executeTakeFirstOrThrow();
      if (Math.random() < 0.01) void this.sweep().catch(() => {});
      return Number(row.count);
    },
    /** Counts one event and refuses it when it goes over the limit. */
    async consume(key: string, rule: LimitRule): Promise<void> {
      if ((await this.record(key, rule)) > rule.limit) throw refusal(rule);
    },
    async reset(key: string): Promise<void> {
      await deps.db.deleteFrom("rate_limit_counters").where("key", "=", key).execute();
    },
    /** Drops counters whose window ended more than a day ago. */
    async sweep(): Promise<void> {
      await deps.db
        .deleteFrom("rate_limit_counters")
        .where("window_start", "<", now() - 86_400_000)
        .execute();
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
