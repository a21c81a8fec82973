import { accountsRouter } from "../modules/accounts/router";
import { authRouter } from "../modules/auth/router";
import { dataRouter } from "../modules/data/router";
import { recordsRouter } from "../modules/data/records-router";
import { eventsRouter } from "../modules/events/router";
import { instanceRouter } from "../modules/instance/router";
import { projectsRouter } from "../modules/projects/router";
import { realtimeRouter } from "../modules/realtime/router";
import { systemRouter } from "../modules/system/router";
import { router } from "./trpc";

/**
 * The console API's type, for the console's client: one line per module router. The app serves
 * the routers the modules declare (`routers` in each module.ts); a test keeps the two the same.
 */
export const appRouter = router({
  system: systemRouter,
  accounts: accountsRouter,
  instance: instanceRouter,
  projects: projectsRouter,
  auth: authRouter,
  data: dataRouter,
  records: recordsRouter,
  events: eventsRouter,
  realtime: realtimeRouter,
});

export type AppRouter = typeof appRouter;
