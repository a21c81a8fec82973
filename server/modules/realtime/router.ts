import { authedProcedure, router } from "../../trpc/trpc";
import { byProject, channelInput, channelRef } from "./schema";

/**
 * The console's API for realtime: a project's broadcast channels (rules, presence) and the
 * inspector of this node's connections. Every procedure takes `project` (id or slug) and is
 * authorized with `projects.authorize`; the permission each needs is noted beside it.
 */
export const realtimeRouter = router({
  channels: router({
    /** events:read */
    list: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.realtime.channels.list(ctx.actor, input)),
    /** events:manage. Creates the channel or replaces its rules and presence setting. */
    save: authedProcedure.input(channelInput).mutation(({ ctx, input }) => ctx.services.realtime.channels.save(ctx.actor, input)),
    /** events:manage */
    delete: authedProcedure.input(channelRef).mutation(async ({ ctx, input }) => {
      await ctx.services.realtime.channels.remove(ctx.actor, input);
      return { ok: true };
    }),
  }),
  /** events:read. This node's connected clients, subscriptions per channel/collection, presence, and the log's range. */
  inspect: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.realtime.inspect(ctx.actor, input)),
});
