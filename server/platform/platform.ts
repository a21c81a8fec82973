import crypto from "node:crypto";
import os from "node:os";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Bus } from "./bus/bus";
import type { Config } from "./config/schema";
import { masterKeyFingerprint } from "./crypto/master-key";
import { createSecretBox } from "./crypto/secret-box";
import type { Database } from "./db/connect";
import type { ErrorCatalog } from "./errors/catalog";
import type { Identity } from "./http/access";
import type { Metrics } from "./metrics/metrics";
import type { NavEntry, PermissionCatalog, Platform, ProjectHooks } from "./module";
import { apprunVersion } from "./package-info";
import { createRateLimiter } from "./ratelimit/limiter";

type Phase = "starting" | "ready" | "stopping";

/**
 * The platform every module is created with. Two parts are bound later, once the modules that
 * answer them exist: the identity (bearer credentials, sessions, authorization) and the project
 * hooks (every module's project creation and deletion); calling them earlier is a bug.
 */
export function createPlatform(deps: {
  options: {
    config: Config;
    logger: Logger;
    masterKey: Buffer;
    passwordParams?: unknown;
    clock?: () => number;
    realtime?: unknown;
  };
  database: Database<unknown>;
  bus: Bus;
  metrics: Metrics;
  catalog: ErrorCatalog;
  permissions: PermissionCatalog;
  nav: readonly NavEntry[];
}) {
  const { config, logger, masterKey } = deps.options;
  const publicUrl = (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, "");
  const lifecycle: { phase: Phase; waitingFor: string | null } = { phase: "starting", waitingFor: null };
  let host: FastifyInstance | null = null;
  let identity: Partial<Identity> = {};
  let hooks: ProjectHooks | null = null;

  const part = <K extends keyof Identity>(name: K): Identity[K] => {
    const found = identity[name];
    if (!found) throw new Error(`no module answers identity.${name}`);
    return found;
  };
  const boundHooks = (): ProjectHooks => {
    if (!hooks) throw new Error("project hooks are not bound yet");
    return hooks;
  };

  /** Webhooks may not call apprun itself: its public URL and every address it listens on. */
  function selfOrigins(): string[] {
    const origins = [publicUrl];
    const address = host?.server.address();
    if (address && typeof address === "object") {
      const hosts = new Set(["127.0.0.1", address.address]);
      // Listening on every interface: each of the machine's addresses reaches apprun.
      if (address.address === "0.0.0.0" || address.address === "::")
        for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) hosts.add(i.address);
      for (const h of hosts) origins.push(`http://${h.includes(":") ? `[${h}]` : h}:${address.port}`);
    }
    return origins;
  }

  const platform: Platform & {
    /** Origins the console is served from: cookie-authenticated writes from any other are refused. */
    allowedOrigins: ReadonlySet<string>;
    lifecycle: { phase: Phase; waitingFor: string | null };
    bindHost(h: FastifyInstance): void;
    bindIdentity(parts: Partial<Identity>): void;
    bindProjectHooks(h: ProjectHooks): void;
  } = {
    config,
    logger,
    database: deps.database,
    db: deps.database.db,
    kind: deps.database.kind,
    bus: deps.bus,
    metrics: deps.metrics,
    catalog: deps.catalog,
    limiter: createRateLimiter({ db: deps.database.db as never }),
    publicUrl,
    clock: deps.options.clock ?? Date.now,
    secrets: (purpose) => createSecretBox(masterKey, purpose),
    selfOrigins,
    permissions: deps.permissions,
    nav: deps.nav,
    lifecycle,
    identity: {
      bearer: (credential) => part("bearer")(credential),
      project: (ref) => part("project")(ref),
      session: (token) => part("session")(token),
      authorize: (actor, ref, permission) => part("authorize")(actor, ref, permission),
      corsOrigins: (ref) => part("corsOrigins")(ref),
    },
    masterKeyFingerprint: masterKeyFingerprint(masterKey),
    version: apprunVersion(),
    startedAt: Date.now(),
    options: { passwordParams: deps.options.passwordParams, realtime: deps.options.realtime, clock: deps.options.clock },
    nodeId: `node_${crypto.randomBytes(6).toString("hex")}`,
    projectHooks: {
      created: (projectId) => boundHooks().created(projectId),
      dropping: (projectId) => boundHooks().dropping(projectId),
      resourceKinds: () => (hooks ? hooks.resourceKinds() : []),
    },
    allowedOrigins: new Set([new URL(publicUrl).origin]),
    bindHost: (h) => void (host = h),
    bindIdentity: (parts) => void (identity = parts),
    bindProjectHooks: (h) => void (hooks = h),
  };
  return platform;
}

export type AppPlatform = ReturnType<typeof createPlatform>;
