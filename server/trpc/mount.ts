import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import type { FastifyInstance } from "fastify";
import type { ErrorCatalog } from "../platform/errors/catalog";
import type { createLifecycle } from "../platform/lifecycle";
import type { AnyModule, Services } from "../platform/module";
import type { AppPlatform } from "../platform/platform";
import { createTrpcContextFactory } from "./context";
import type { AppRouter } from "./router";
import { router } from "./trpc";

/** Serves every module's tRPC routers under `/trpc` (the console's API); returns the router served. */
export async function mountConsoleApi(
  host: FastifyInstance,
  deps: {
    modules: readonly AnyModule[];
    services: Services;
    catalog: ErrorCatalog;
    platform: AppPlatform;
    life: ReturnType<typeof createLifecycle>;
  },
) {
  const consoleRouter = router(Object.assign({}, ...deps.modules.map((m) => m.routers ?? {})));
  await host.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: {
      router: consoleRouter as unknown as AppRouter,
      createContext: createTrpcContextFactory({
        services: deps.services,
        catalog: deps.catalog,
        publicUrl: deps.platform.publicUrl,
        allowedOrigins: deps.platform.allowedOrigins,
        resolveSession: (token) => deps.services.accounts.resolveSession(token),
      }),
      onError: ({ error, req }) => deps.life.onTrpcError({ error, req }),
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);
  return consoleRouter;
}
