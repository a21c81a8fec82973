import type { AnyTRPCRouter } from "@trpc/server";
import type { FastifyInstance } from "fastify";
import type { Kysely, Migration } from "kysely";
import type { Logger } from "pino";
import type { Bus } from "./bus/bus";
import type { Config } from "./config/schema";
import type { SecretBox } from "./crypto/secret-box";
import type { Database } from "./db/connect";
import type { DbKind } from "./db/dialect";
import type { ProjectMigration } from "./db/project-migrate";
import type { ErrorCatalog, ErrorMessages } from "./errors/catalog";
import type { Metrics } from "./metrics/metrics";
import type { Identity } from "./http/access";
import type { RateLimiter } from "./ratelimit/limiter";
import { PERMISSION_NAME, type BuiltInRole } from "./permissions";

/**
 * Every module's service by module name. Each module adds its entry where it is defined
 * (`declare module "…/platform/module" { interface Services { events: EventsService } }`), so the
 * type grows with the module list without a central file to edit.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}

/** Every project permission by name, added by the module that declares it (as `Services`). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PermissionRegistry {}

/** A project permission, `module:action`: only names some module declares type-check. */
export type Permission = Extract<keyof PermissionRegistry, string>;

export { BUILT_IN_ROLES, type BuiltInRole } from "./permissions";

/** A permission a module adds to project roles; the owner holds every permission whatever `roles` says. */
export interface PermissionDeclaration {
  name: string;
  /** Built-in roles that hold it besides the owner. */
  roles: readonly Exclude<BuiltInRole, "owner">[];
}

/** A kind of resource one project can share with another by grant (a collection, a bucket, a user pool…). */
export interface ResourceKind {
  kind: string;
  exists(projectId: string, name: string): Promise<boolean>;
}

/** A console navigation entry a module declares; the console draws only those the viewer may open. */
export interface NavEntry {
  /** Unique across modules, e.g. `data.browser`. */
  id: string;
  /** The group it sits in (one per module family): `project`, `auth`, `data`, `events`, `realtime`, `admin`… */
  group: string;
  /** The group's title (a console message key), given by one of its entries; `project` groups show the project's name. */
  groupLabel?: string;
  /** Position within its group (lower first; ties keep the modules' order). */
  order?: number;
  /** A console message key. */
  label: string;
  /** A lucide icon name in kebab case (`database`, `file-lock-2`), drawn from the bundled set. */
  icon: string;
  /** Inside a project: the path under `/projects/{slug}/` ("" for the project home); instance pages: an absolute path. */
  path: string;
  scope: "project" | "instance";
  /** Shown when the viewer holds any of these (project scope); instance entries are for instance admins. */
  anyOf?: readonly string[];
  /** …and all of these. */
  allOf?: readonly string[];
  /** Active on this exact path only (an overview whose children are other entries). */
  exact?: boolean;
}

/** Bus subjects a module publishes and consumes (patterns as NATS writes them); documented and listed by `apprun modules`. */
export interface BusSubjects {
  publishes?: readonly string[];
  consumes?: readonly string[];
}

/**
 * What happens around a project's life in every module: the per-project storage and each module's
 * creation and deletion hooks, bound by the app once every module exists, and the kinds of
 * resource modules let projects share. The projects module calls it.
 */
export interface ProjectHooks {
  /** After the project row is written: its namespace and tables, then each module's `onProjectCreate`. */
  created(projectId: string): Promise<void>;
  /** Before the project row goes: each module's `onProjectDrop` (dependents first), then the namespace. */
  dropping(projectId: string): Promise<void>;
  resourceKinds(): readonly ResourceKind[];
}

/** What every module may use: the platform, built before any module. */
export interface Platform {
  config: Config;
  logger: Logger;
  database: Database<unknown>;
  /** The system database, untyped: each service types it with its own tables only. */
  db: Kysely<any>;
  kind: DbKind;
  bus: Bus;
  metrics: Metrics;
  catalog: ErrorCatalog;
  limiter: RateLimiter;
  /** Where users reach this instance, without a trailing slash. */
  publicUrl: string;
  /** Tests move time forward; production uses Date.now. */
  clock: () => number;
  /** A secret box bound to a purpose ("webhooks", "jwt"…), sealing with the master key. */
  secrets(purpose: string): SecretBox;
  /** Every origin apprun itself is reached at (its public URL and listening addresses): outbound calls refuse them. */
  selfOrigins(): string[];
  /** The permission catalog collected from every module. */
  permissions: PermissionCatalog;
  /** Every module's console navigation entries, in module order. */
  nav: readonly NavEntry[];
  /** The instance's life: `ready` once the database is migrated and the bus started; what it waits for until then. */
  lifecycle: { readonly phase: "starting" | "ready" | "stopping"; readonly waitingFor: string | null };
  /** How credentials are checked (app users, keys, console sessions, project authorization); bound once the identity modules exist. */
  identity: Identity;
  /** The master key's fingerprint (never the key). */
  masterKeyFingerprint: string;
  version: string;
  startedAt: number;
  /** Options tests and `createApp` callers pass to a module by its name (cheap password hashing, shrunk realtime limits…). */
  options: Readonly<Record<string, unknown>>;
  /** This node's id (realtime presence, logs). */
  nodeId: string;
  projectHooks: ProjectHooks;
}

/** The context a module's `create` gets: the platform and the services of the modules it depends on. */
export interface ModuleContext<D extends keyof Services = never> extends Platform {
  services: Pick<Services, D>;
}

/** The permission catalog: names in declaration order and what each built-in role holds. */
export interface PermissionCatalog {
  readonly names: readonly Permission[];
  readonly declarations: readonly (PermissionDeclaration & { module: string })[];
  readonly builtIn: Readonly<Record<BuiltInRole, ReadonlySet<Permission>>>;
  has(name: string): name is Permission;
}

/**
 * One module: everything it brings to the app, declared in one place (the spirit of a Fastify
 * plugin with dependencies, or a better-auth plugin). `server/app.ts` loops over the ordered list
 * of these; nothing outside the module's folder names its tables, routes, permissions or errors.
 */
/** The service of a module name (unknown for a module that does not add itself to `Services`, as tests may). */
export type ServiceOf<N extends string> = N extends keyof Services ? Services[N] : unknown;

export interface AppModule<N extends string = string, D extends keyof Services = keyof Services> {
  name: N;
  /** Modules whose services `create` receives; they are created, started and migrated first. */
  dependsOn: readonly D[];
  /** System migrations (names sort globally across modules, e.g. `0090_events`). */
  migrations?: Record<string, Migration>;
  /** Per-project migrations, run in each project's namespace when it is created and at start-up. */
  projectMigrations?: Record<string, ProjectMigration>;
  permissions?: readonly PermissionDeclaration[];
  /** Error messages by code, in English and Simplified Chinese. */
  errors?: ErrorMessages;
  /** Kinds of resource this module lets projects share by grant. */
  resourceKinds?: (service: ServiceOf<N>) => ResourceKind[];
  subjects?: BusSubjects;
  /** Audit actions the module writes (the audit page's filter lists them). */
  auditActions?: readonly string[];
  nav?: readonly NavEntry[];
  /** The part of request identity this module answers (bearer credentials, sessions, authorization). */
  identity?(service: ServiceOf<N>): Partial<Identity>;
  create(ctx: ModuleContext<D>): ServiceOf<N> | Promise<ServiceOf<N>>;
  /** REST routes; each declares who may call it (`config.access`). May return what closes its listeners. */
  routes?(host: FastifyInstance, service: ServiceOf<N>, ctx: ModuleContext<D>): void | { close(): Promise<void> } | Promise<void>;
  /** tRPC routers, mounted at the top level of the console API under these keys. */
  routers?: Record<string, AnyTRPCRouter>;
  /** After system migrations, before the bus starts (checks that need the database). */
  prepare?(service: ServiceOf<N>, ctx: ModuleContext<D>): Promise<void>;
  /** After the bus started, in dependency order. */
  start?(service: ServiceOf<N>): void | Promise<void>;
  /** At shutdown, before the HTTP server drains (long-lived connections that never end by themselves). */
  drain?(service: ServiceOf<N>): Promise<void>;
  /** At shutdown, after the HTTP server closed, in reverse dependency order. */
  stop?(service: ServiceOf<N>): void | Promise<void>;
  onProjectCreate?(service: ServiceOf<N>, projectId: string): Promise<void>;
  /** Removes what the module keeps of a deleted project (called in reverse dependency order, before the project row goes). */
  onProjectDrop?(service: ServiceOf<N>, projectId: string): Promise<void>;
}

/** Declares a module, checking its shape against the contract. */
export function defineModule<N extends string, D extends keyof Services = never>(module: AppModule<N, D>): AppModule<N, D> {
  return module;
}

/** A module of any name and dependencies, as the app holds them. */

export type AnyModule = AppModule<any, any>;

/**
 * Orders modules so each comes after everything it depends on (stable: the given order otherwise).
 * A dependency that is not in the list, a duplicate name, or a cycle is a start-up error naming them.
 */
export function sortModules<M extends { name: string; dependsOn: readonly string[] }>(modules: readonly M[]): M[] {
  const byName = new Map<string, M>();
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`module "${m.name}" is listed twice`);
    byName.set(m.name, m);
  }
  for (const m of modules)
    for (const d of m.dependsOn)
      if (!byName.has(d)) throw new Error(`module "${m.name}" depends on "${d}", which is not in the module list`);
  const sorted: M[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (m: M, path: string[]) => {
    const s = state.get(m.name);
    if (s === "done") return;
    if (s === "visiting") {
      const cycle = [...path.slice(path.indexOf(m.name)), m.name];
      throw new Error(`modules depend on each other in a cycle: ${cycle.join(" → ")}`);
    }
    state.set(m.name, "visiting");
    for (const d of m.dependsOn) visit(byName.get(d)!, [...path, m.name]);
    state.set(m.name, "done");
    sorted.push(m);
  };
  for (const m of modules) visit(m, []);
  return sorted;
}

/** The permission catalog of a module list: declaration order, each name once, `module:action` form. */
export function createPermissionCatalog(modules: readonly AnyModule[]): PermissionCatalog {
  const declarations: Array<PermissionDeclaration & { module: string }> = [];
  const seen = new Set<string>();
  for (const m of modules) {
    for (const p of m.permissions ?? []) {
      if (!PERMISSION_NAME.test(p.name)) throw new Error(`module "${m.name}" declares a malformed permission "${p.name}"`);
      if (seen.has(p.name)) throw new Error(`permission "${p.name}" is declared twice (module "${m.name}")`);
      seen.add(p.name);
      declarations.push({ ...p, module: m.name });
    }
  }
  const names = declarations.map((d) => d.name as Permission);
  const holders = (role: Exclude<BuiltInRole, "owner">) =>
    new Set(declarations.filter((d) => d.roles.includes(role)).map((d) => d.name as Permission));
  return {
    names,
    declarations,
    builtIn: { owner: new Set(names), admin: holders("admin"), developer: holders("developer"), viewer: holders("viewer") },
    has: (name: string): name is Permission => seen.has(name),
  };
}
