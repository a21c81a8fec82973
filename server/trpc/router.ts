import { accountsRouter } from "../modules/accounts/router";
import { authRouter } from "../modules/auth/router";
import { instanceRouter } from "../modules/instance/router";
import { projectsRouter } from "../modules/projects/router";
import { realtimeRouter } from "../modules/realtime/router";
import { systemRouter } from "../modules/system/router";
import { router } from "./trpc";

export const appRouter = router({
  system: systemRouter,
  accounts: accountsRouter,
  instance: instanceRouter,
  projects: projectsRouter,
  auth: authRouter,
  realtime: realtimeRouter,
});

export type AppRouter = typeof appRouter;
