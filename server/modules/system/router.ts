import { publicProcedure, router } from "../../trpc/trpc";
import { publicReadiness } from "./service";

export const systemRouter = router({
  /** Version, database kind and uptime, shown on the console's first page. */
  info: publicProcedure.query(({ ctx }) => ctx.services.system.info()),
  /** The same checks as /readyz. */
  health: publicProcedure.query(async ({ ctx }) => publicReadiness(await ctx.services.system.readiness())),
});
