import { publicProcedure, router } from "../../trpc/trpc";
import { publicReadiness } from "./service";

export const systemRouter = router({
  /** Version, database kind and uptime, shown on the console's first page. */
  info: publicProcedure.query(({ ctx }) => ctx.services.system.info()),
  /** The same checks as /readyz. */
  health: publicProcedure.query(async ({ ctx }) => publicReadiness(await ctx.services.system.readiness())),
  /** The console's navigation entries, as the modules declare them (the console filters by permission). */
  nav: publicProcedure.query(({ ctx }) => ctx.services.system.nav()),
});
