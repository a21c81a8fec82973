import type { FastifyRequest } from "fastify";
import type { Actor as ManagementActor } from "../../platform/auth/actor";
import { parseCookies } from "../../platform/http/cookies";
import { AppError } from "../../platform/errors/app-error";
import type { ResolvedSession } from "../accounts/service";
import { accountActor } from "../accounts/service";
import type { AuthService } from "../auth/service";
import type { ProjectsService } from "../projects/service";
import type { PortabilityCaller } from "./portability/routes";
import type { Actor, ProjectId, RecordOperation } from "./types";

/** Record permissions an API key's (or a member's) project permissions grant, as the data module reads them. */
const READ = ["records:*:list", "records:*:view"] as const;
const WRITE = ["records:*:create", "records:*:update", "records:*:delete"] as const;

/** The project permission that lets a key or member bypass the rules of one record operation. */
export function permissionFor(op: RecordOperation): "data:read" | "data:write" {
  return op === "list" || op === "view" ? "data:read" : "data:write";
}

export function recordPermissionsOf(permissions: Iterable<string>): string[] {
  const held = new Set(permissions);
  return [...(held.has("data:read") ? READ : []), ...(held.has("data:write") ? WRITE : [])];
}

export interface RequestActorDeps {
  auth: AuthService;
  projects: ProjectsService;
  /** The console's session cookie name and resolver (console members calling the REST API from the console). */
  sessionCookie: string;
  resolveSession: (token: string) => Promise<ResolvedSession | null>;
  /** Origins the console is served from: a cookie-authenticated write from any other origin is refused. */
  allowedOrigins: ReadonlySet<string>;
}

/**
 * Who a data-plane request stands for, in the data module's terms:
 * - `Authorization: Bearer <access token>` of the project → `user` with the token's roles;
 * - `Authorization: Bearer ar_…` (API key of the project) → `apiKey` whose `data:read` bypasses
 *   the list/view rules and `data:write` the create/update/delete rules (else the rules decide);
 * - the console's session cookie of a project member → `admin` when the member's role holds the
 *   operation's permission (`data:read` for reads, `data:write` for writes), else 403;
 * - nothing → `anonymous` (the rules decide).
 * A credential of another project is refused with 401 before anything of this project is read.
 * Access tokens are verified once and remembered; the project reference is cached by the auth
 * module, so the hot path costs no query beyond the record's own.
 */
export function createRequestActor(deps: RequestActorDeps) {
  const { auth } = deps;

  async function fromSession(req: FastifyRequest, token: string, projectRef: string, op: RecordOperation): Promise<Actor> {
    const session = await deps.resolveSession(token);
    if (!session) throw new AppError("not_authenticated", 401);
    if (session.mfaEnrollmentRequired) throw new AppError("mfa_enrollment_required", 403);
    checkOrigin(req, op);
    await deps.projects.authorize(accountActor(session.account, session.sessionId), projectRef, permissionFor(op));
    return { type: "admin", id: session.account.id };
  }

  /** Cookies ride along on cross-site requests; a browser always sends Origin on writes, so a foreign one is refused. */
  function checkOrigin(req: FastifyRequest, op: RecordOperation) {
    if (op === "list" || op === "view") return;
    const origin = req.headers.origin;
    if (origin && !deps.allowedOrigins.has(origin) && origin !== `${req.protocol}://${req.headers.host}`)
      throw new AppError("csrf_rejected", 403);
  }

  return {
    /**
     * The project (id) a URL names and the caller's actor for one operation. `op` only matters
     * for console sessions (which permission the member needs) and CSRF.
     */
    async resolve(req: FastifyRequest, projectRef: string, op: RecordOperation): Promise<{ projectId: ProjectId; actor: Actor }> {
      if (req.headers.authorization !== undefined) {
        const principal = await auth.requestAuth.principal(req);
        const project = await auth.resolveProject(projectRef);
        if (principal!.kind === "user") {
          const claims = principal!.claims;
          if (claims.prj !== project.id) throw new AppError("access_token_wrong_project", 401);
          return { projectId: project.id as ProjectId, actor: { type: "user", id: claims.sub, roles: claims.roles } };
        }
        const key = principal!.actor;
        if (key.projectId !== project.id) throw new AppError("access_token_wrong_project", 401);
        return {
          projectId: project.id as ProjectId,
          actor: { type: "apiKey", id: key.id, permissions: recordPermissionsOf(key.permissions) },
        };
      }
      const project = await auth.resolveProject(projectRef);
      const cookie = req.headers.cookie;
      const token = cookie ? parseCookies(cookie)[deps.sessionCookie] : undefined;
      if (token) return { projectId: project.id as ProjectId, actor: await fromSession(req, token, project.id, op) };
      return { projectId: project.id as ProjectId, actor: { type: "anonymous" } };
    },

    /**
     * A management caller (`/api/v1/admin/…`): an API key (Bearer) or a console session; app
     * users are not management actors. 401 without either. Writes from a foreign origin with a
     * cookie are refused (CSRF).
     */
    async management(req: FastifyRequest, write: boolean): Promise<ManagementActor> {
      if (req.headers.authorization !== undefined) return auth.requestAuth.apiKey(req);
      const member = await memberOf(req, write);
      if (member === "no_cookie") throw new AppError("api_key_required", 401);
      if (member === "no_session") throw new AppError("not_authenticated", 401);
      return member;
    },

    /**
     * Whoever holds a credential, for routes any of them may use (the OpenAPI document, archives):
     * an app user's token, an API key or a console session; null without one. Writes from a
     * foreign origin with a cookie are refused (CSRF).
     */
    async caller(req: FastifyRequest): Promise<PortabilityCaller> {
      if (req.headers.authorization !== undefined) {
        const principal = await auth.requestAuth.principal(req);
        if (!principal) return null;
        return principal.kind === "apiKey" ? { kind: "apiKey", actor: principal.actor } : { kind: "user", projectId: principal.claims.prj };
      }
      const member = await memberOf(req, req.method !== "GET" && req.method !== "HEAD");
      return typeof member === "string" ? null : { kind: "account", actor: member };
    },
  };

  /** The console member whose session cookie the request carries (2FA enrolment and CSRF checked). */
  async function memberOf(req: FastifyRequest, write: boolean): Promise<ManagementActor | "no_cookie" | "no_session"> {
    const cookie = req.headers.cookie;
    const token = cookie ? parseCookies(cookie)[deps.sessionCookie] : undefined;
    if (!token) return "no_cookie";
    const session = await deps.resolveSession(token);
    if (!session) return "no_session";
    if (session.mfaEnrollmentRequired) throw new AppError("mfa_enrollment_required", 403);
    checkOrigin(req, write ? "update" : "view");
    return accountActor(session.account, session.sessionId);
  }
}

export type RequestActor = ReturnType<typeof createRequestActor>;
