import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from "fastify";
import type { Actor } from "../auth/actor";
import { AppError } from "../errors/app-error";
import type { Permission } from "../module";
import { readCookie } from "./cookies";

/** A permission the caller must hold: one, any of a list, or all of a list. */
export type Scope = Permission | readonly Permission[] | { readonly allOf: readonly Permission[] };

/**
 * Who may call a route, declared in its options (`{ config: { access } }`) and enforced by one
 * hook before the body is read:
 * - `"public"`: everyone alike; credentials are not read (sign-in, JWKS, probes, SSO redirects);
 * - otherwise the caller kinds it accepts: `anonymous` (no credential; the module's own rules
 *   decide what it reaches), `user` (an app user's access token of the project), `apiKey` (a key
 *   of the project; with a scope, it must hold one of those permissions), `member` (a console
 *   session; with a scope, a member holding one of them, writes CSRF-checked), `instanceAdmin`.
 * Routes with `:project` resolve it (id or slug) and refuse credentials of another project: 401
 * `access_token_wrong_project` on the data plane, or 404 `project_not_found` with `hideProject`
 * (management surfaces never confirm that another project exists).
 */
export type RouteAccess =
  | "public"
  | {
      anonymous?: true;
      user?: true;
      apiKey?: true | Scope;
      member?: true | Scope;
      instanceAdmin?: true;
      hideProject?: true;
    };

export type ApiKeyActor = Extract<Actor, { kind: "apiKey" }>;
export type AccountActor = Extract<Actor, { kind: "account" }>;

/** The verified claims of an app user's access token, as every module reads them. */
export interface UserClaims {
  sub: string;
  prj: string;
  sid: string;
  roles: string[];
  exp: number;
}

export type BearerPrincipal = { kind: "user"; claims: UserClaims } | { kind: "apiKey"; actor: ApiKeyActor };

/** The project a URL names. */
export interface ProjectRef {
  id: string;
  slug: string;
  name: string;
}

/** Who is calling, resolved once per request by the access hook. */
export type Caller =
  | { kind: "anonymous" }
  | { kind: "user"; claims: UserClaims }
  | { kind: "apiKey"; actor: ApiKeyActor }
  | { kind: "member"; actor: AccountActor };

/**
 * How credentials are checked: implemented by the identity modules (app users and keys, console
 * accounts, projects) and handed to the platform by the app.
 */
export interface Identity {
  /** An app user's access token or an API key; throws a 401 AppError for a bad one. Answers at once when remembered. */
  bearer(credential: string): BearerPrincipal | Promise<BearerPrincipal>;
  /** The project a URL names (id or slug), remembered briefly; 404 `project_not_found`. */
  project(ref: string): ProjectRef | Promise<ProjectRef>;
  /** The console session of a cookie token, or null. */
  session(token: string): Promise<{ actor: AccountActor; mfaEnrollmentRequired: boolean } | null>;
  /** The one authorization decision for members and keys: 404 when the project is not theirs, 403 without the permission. */
  authorize(actor: Actor, projectRef: string, permission: Permission): Promise<{ project: ProjectRef; permissions: ReadonlySet<string> }>;
  /** The origins whose browser apps may call the project's public API (CORS). */
  corsOrigins(projectRef: string): Promise<readonly string[]>;
}

export const SESSION_COOKIE = "apprun_session";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route: required on every route (registration fails without it). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The caller, as the route's access declaration resolved it (anonymous on public routes). */
    caller: Caller;
    /** The project named by `:project`, resolved (null on routes without one, and on public routes). */
    project: ProjectRef | null;
  }
}

const ANONYMOUS: Caller = Object.freeze({ kind: "anonymous" });

/** The credential of an `Authorization: Bearer <credential>` header; 401 for anything else. */
export function bearerCredential(header: string | string[]): string {
  const value = Array.isArray(header) ? (header[0] ?? "") : header;
  if (value.length < 8 || value.charCodeAt(6) !== 32 || !/^bearer$/i.test(value.slice(0, 6)))
    throw new AppError("access_token_invalid", 401);
  const credential = value.slice(7).trimStart();
  if (credential === "" || credential.includes(" ")) throw new AppError("access_token_invalid", 401);
  return credential;
}

/** Cookies ride along on cross-site requests; browsers send Origin on writes, so a foreign one is refused. */
export function checkSameOrigin(req: FastifyRequest, allowedOrigins: ReadonlySet<string>): void {
  const origin = req.headers.origin;
  if (origin && !allowedOrigins.has(origin) && origin !== `${req.protocol}://${req.headers.host}`) throw new AppError("csrf_rejected", 403);
}

const isRead = (method: string) => method === "GET" || method === "HEAD" || method === "OPTIONS";
/** A scope as a check: `any` (one of them suffices) or `all`; null when the route asks no permission. */
type ScopeCheck = { mode: "any" | "all"; permissions: readonly Permission[] } | null;
function scopeCheck(scope: true | Scope | undefined): ScopeCheck {
  if (scope === undefined || scope === true) return null;
  if (typeof scope === "string") return { mode: "any", permissions: [scope as Permission] };
  if ("allOf" in scope) return { mode: "all", permissions: scope.allOf };
  return { mode: "any", permissions: scope as readonly Permission[] };
}

/** The 401 a caller without an accepted credential gets, naming the one credential the route wants, if only one. */
function missingCredential(access: Exclude<RouteAccess, "public">): AppError {
  if (access.apiKey && !access.user) return new AppError("api_key_required", 401);
  if (access.user && !access.apiKey && !access.member) return new AppError("access_token_required", 401);
  return new AppError("not_authenticated", 401);
}

/**
 * Installs the access hook: every route must declare `config.access` (a route without one fails
 * at registration), and each request is resolved against it before its body is read.
 * `routes` receives each route with its declaration (the isolation walk reads it).
 */
export function installAccess(
  host: FastifyInstance,
  deps: { identity: () => Identity; allowedOrigins: ReadonlySet<string>; defaultAccess?: (route: RouteOptions) => RouteAccess | undefined },
  routes: Array<{ method: string; url: string; access: RouteAccess }>,
): void {
  host.decorateRequest("caller", null as never);
  host.decorateRequest("project", null);
  host.addHook("onRoute", (route) => {
    const access = route.config?.access ?? deps.defaultAccess?.(route);
    if (access === undefined) throw new Error(`route ${[route.method].flat().join(",")} ${route.url} declares no access (config.access)`);
    for (const method of [route.method].flat()) if (method !== "HEAD") routes.push({ method, url: route.url, access });
    const hook = accessHook(access, route.url.includes(":project"), deps);
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...existing, hook];
  });
}

function accessHook(
  access: RouteAccess,
  hasProject: boolean,
  deps: { identity: () => Identity; allowedOrigins: ReadonlySet<string> },
): onRequestHookHandler {
  if (access === "public") {
    return (req, _reply, done) => {
      req.caller = ANONYMOUS;
      done();
    };
  }
  const rules = access;
  const memberScope = scopeCheck(rules.member);
  const keyScope = scopeCheck(rules.apiKey);

  /** Authorizes a member or key for the scope through the projects module (404 when the project is not theirs). */
  async function authorizeScope(req: FastifyRequest, actor: Actor, scope: NonNullable<ScopeCheck>): Promise<ProjectRef> {
    const ref = (req.params as { project: string }).project;
    let denied: unknown;
    let project: ProjectRef | undefined;
    for (const permission of scope.permissions) {
      try {
        project = (await deps.identity().authorize(actor, ref, permission)).project;
        if (scope.mode === "any") return project;
      } catch (err) {
        // Not the project's (404) or archived (409): the same answer for every permission.
        if (!(err instanceof AppError && err.code === "forbidden") || scope.mode === "all") throw err;
        denied ??= err;
      }
    }
    if (project) return project;
    throw denied;
  }

  /** The project for a caller that holds no scope to check: resolved by reference, its credential must belong to it. */
  async function projectFor(req: FastifyRequest, own: string | null): Promise<ProjectRef> {
    const ref = (req.params as { project: string }).project;
    const project = await deps.identity().project(ref);
    if (own !== null && own !== project.id) {
      if (rules.hideProject) throw new AppError("project_not_found", 404, { project: ref });
      throw new AppError("access_token_wrong_project", 401);
    }
    return project;
  }

  async function fromBearer(req: FastifyRequest, header: string | string[]): Promise<void> {
    const principal = await deps.identity().bearer(bearerCredential(header));
    if (principal.kind === "user") {
      if (!rules.user) throw new AppError(rules.apiKey ? "api_key_required" : "access_token_invalid", 401);
      req.caller = { kind: "user", claims: principal.claims };
      if (hasProject) req.project = await projectFor(req, principal.claims.prj);
      return;
    }
    if (!rules.apiKey) throw new AppError("access_token_required", 401);
    req.caller = { kind: "apiKey", actor: principal.actor };
    if (hasProject)
      req.project = keyScope ? await authorizeScope(req, principal.actor, keyScope) : await projectFor(req, principal.actor.projectId);
  }

  async function fromSession(req: FastifyRequest, token: string): Promise<void> {
    const session = await deps.identity().session(token);
    if (!session) throw new AppError("not_authenticated", 401);
    if (session.mfaEnrollmentRequired) throw new AppError("mfa_enrollment_required", 403);
    if (!isRead(req.method)) checkSameOrigin(req, deps.allowedOrigins);
    if (rules.instanceAdmin && !session.actor.instanceAdmin && !rules.member) throw new AppError("instance_admin_required", 403);
    req.caller = { kind: "member", actor: session.actor };
    if (hasProject) req.project = memberScope ? await authorizeScope(req, session.actor, memberScope) : await projectFor(req, null);
  }

  const accepts = rules;
  return function access(req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
    const header = req.headers.authorization;
    let pending: Promise<void> | undefined;
    try {
      if (header !== undefined && (accepts.user || accepts.apiKey)) pending = fromBearer(req, header);
      else if (header !== undefined && !accepts.member && !accepts.instanceAdmin) throw missingCredential(accepts);
      else {
        const token = accepts.member || accepts.instanceAdmin ? readCookie(req.headers.cookie, SESSION_COOKIE) : undefined;
        if (token) pending = fromSession(req, token);
        else if (accepts.anonymous) {
          req.caller = ANONYMOUS;
          if (hasProject) pending = projectFor(req, null).then((p) => void (req.project = p));
        } else throw missingCredential(accepts);
      }
    } catch (err) {
      return done(err as Error);
    }
    if (pending) pending.then(() => done(), done);
    else done();
  };
}

/** The project a route resolved; for handlers of routes with `:project` and a non-public access. */
export function projectOf(req: FastifyRequest): ProjectRef {
  if (!req.project) throw new Error(`route ${req.routeOptions.url} has no resolved project (is its access "public"?)`);
  return req.project;
}

/** The management actor behind a key or console-member caller (the audit log's and `authorize`'s view). */
export function actorOf(req: FastifyRequest): Actor {
  const caller = req.caller;
  if (caller.kind === "apiKey" || caller.kind === "member") return caller.actor;
  throw new AppError("forbidden", 403, {});
}
