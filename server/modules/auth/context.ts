import type { Kysely } from "kysely";
import type { Bus } from "../../platform/bus/bus";
import type { AuthTables } from "./tables";
import { SYSTEM_ACTOR } from "../../platform/auth/actor";
import type { SecretBox } from "../../platform/crypto/secret-box";
import type { DbKind } from "../../platform/db/dialect";
import type { Mailer } from "../../platform/mail/mailer";
import type { RateLimiter } from "../../platform/ratelimit/limiter";
import type { AuditService } from "../audit/service";
import type { ProjectsService } from "../projects/service";
import { authSubject, type AuthEvent } from "./events";
import { authDb, type ProjectAuthDb } from "./storage";

export interface AuthDeps {
  db: Kysely<AuthTables>;
  kind: DbKind;
  projects: ProjectsService;
  audit: AuditService;
  mailer: Mailer;
  limiter: RateLimiter;
  /** Purpose-bound boxes from the master key: TOTP secrets, JWT private keys, OAuth client secrets. */
  secrets: { totp: SecretBox; jwt: SecretBox; oauth: SecretBox };
  /** Base of the issuer, the OAuth callback and every URL apprun itself serves. */
  publicUrl: string;
  /** Tests pass cheaper scrypt parameters. */
  passwordParams?: { ln: number; r: number; p: number };
  /** Tests move time forward to expire tokens. */
  clock?: () => number;
  /** Where app-user events go (`project.<id>.auth.…`: the event center stores them); none in some tests. */
  bus?: Pick<Bus, "publish">;
}

/** A project as the auth module needs it: resolved from an id or a slug in a URL. */
export interface ProjectRef {
  id: string;
  slug: string;
  name: string;
}

export interface AuthContext extends AuthDeps {
  now(): number;
  iso(ms?: number): string;
  /** The project a URL names (id or slug), or 404 `project_not_found`. */
  project(ref: string): Promise<ProjectRef>;
  /** The project's own auth tables, on the system database or inside one of its transactions. */
  users(projectId: string, trx?: Kysely<AuthTables>): ProjectAuthDb;
  /** `<publicUrl>/api/v1/projects/<id>/auth`: the `iss` of the project's access tokens. */
  issuer(projectId: string): string;
  /** Drops what is remembered of a deleted project. */
  forgetProject(projectId: string): void;
  /** Publishes `project.<id>.auth.<event>` on the bus after a change committed; a failure is not the caller's. */
  emit(projectId: string, event: AuthEvent, data: Record<string, unknown>): Promise<void>;
}

const PROJECT_CACHE_MS = 5_000;

export function createAuthContext(deps: AuthDeps): AuthContext {
  const now = deps.clock ?? Date.now;
  // Resolving a slug costs a query; a few seconds of memory keep it off the per-request path.
  const projects = new Map<string, { project: ProjectRef; at: number }>();
  return {
    ...deps,
    now,
    iso: (ms = now()) => new Date(ms).toISOString(),
    async project(ref: string): Promise<ProjectRef> {
      const hit = projects.get(ref);
      if (hit && Date.now() - hit.at < PROJECT_CACHE_MS) return hit.project;
      const { project } = await deps.projects.authorize(SYSTEM_ACTOR, ref, "project:read");
      const value = { id: project.id, slug: project.slug, name: project.name };
      if (projects.size > 1000) projects.clear();
      projects.set(ref, { project: value, at: Date.now() });
      return value;
    },
    users: (projectId, trx) => authDb((trx ?? deps.db) as Kysely<unknown>, deps.kind, projectId),
    issuer: (projectId) => `${deps.publicUrl}/api/v1/projects/${projectId}/auth`,
    async emit(projectId, event, data) {
      await deps.bus?.publish(authSubject(projectId, event), data).catch(() => {});
    },
    forgetProject(projectId) {
      for (const [ref, hit] of projects) if (hit.project.id === projectId) projects.delete(ref);
    },
  };
}
