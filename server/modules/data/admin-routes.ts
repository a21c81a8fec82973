import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { actorLabel, type Actor } from "../../platform/auth/actor";
import { AppError } from "../../platform/errors/app-error";
import type { Access } from "../projects/service";
import type { DataRoutesDeps } from "./routes";

type P = { Params: { project: string } };
type V = { Params: { project: string; version: string } };

const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().min(1).optional(),
});
const versionParam = z.coerce.number().int().min(0).max(2_147_483_647);
const purgeInput = z.strictObject({ ids: z.array(z.string().min(1).max(100)).min(1).max(1000).optional() });

/**
 * The model's management API for CI pipelines and scripts: `/api/v1/admin/projects/{project}/schema…`.
 * Callers: an API key (Bearer) or a console session. Reading (model, history, versions,
 * retained data) takes `data:read` or `schema:manage`; changing (preview, apply, rollback,
 * purge) takes `schema:manage`. Every call is authorized through `projects.authorize` and written
 * to the audit log; a change's author is the key (`key:<name>`) or the account's email.
 */
export function registerSchemaAdminRoutes(app: FastifyInstance, deps: DataRoutesDeps) {
  const { data, projects, audit, requestActor } = deps;
  const base = "/api/v1/admin/projects/:project/schema";

  /** Authorizes a read: data:read, or schema:manage (a CI key that only manages the model still reads it). */
  async function reader(req: FastifyRequest<P>): Promise<{ actor: Actor; access: Access }> {
    const actor = await requestActor.management(req, false);
    try {
      return { actor, access: await projects.authorize(actor, req.params.project, "data:read") };
    } catch (err) {
      if (!(err instanceof AppError && err.code === "forbidden")) throw err;
      return { actor, access: await projects.authorize(actor, req.params.project, "schema:manage") };
    }
  }

  async function manager(req: FastifyRequest<P>): Promise<{ actor: Actor; access: Access }> {
    const actor = await requestActor.management(req, true);
    return { actor, access: await projects.authorize(actor, req.params.project, "schema:manage") };
  }

  const record = (
    req: FastifyRequest,
    actor: Actor,
    access: Access,
    action: string,
    targetId: string | null,
    details: Record<string, unknown> = {},
  ) =>
    audit.record(actor, {
      projectId: access.project.id,
      action: `data.schema.${action}`,
      target: { kind: "data_model", id: targetId },
      data: details,
      ip: req.ip ?? null,
    });

  app.get<P>(base, async (req) => {
    const { actor, access } = await reader(req);
    const state = await data.schema.get(access.project.id);
    await record(req, actor, access, "read", String(state.version));
    return state;
  });

  app.post<P>(`${base}/preview`, async (req) => {
    const { actor, access } = await manager(req);
    const preview = await data.schema.preview(access.project.id, req.body as never);
    await record(req, actor, access, "preview", String(preview.baseVersion), {
      steps: preview.steps.length,
      warnings: preview.warnings.map((w) => w.code),
    });
    return preview;
  });

  app.post<P>(`${base}/apply`, async (req, reply) => {
    const { actor, access } = await manager(req);
    const applied = await data.schema.apply(access.project.id, req.body as never, actorLabel(actor));
    await record(req, actor, access, "apply", String(applied.version), {
      baseVersion: applied.version - 1,
      steps: applied.steps.length,
      warnings: applied.warnings.map((w) => w.code),
    });
    return reply.status(201).send(applied);
  });

  app.post<P>(`${base}/rollback`, async (req, reply) => {
    const { actor, access } = await manager(req);
    const applied = await data.schema.rollback(access.project.id, req.body as never, actorLabel(actor));
    const toVersion = (req.body as { toVersion?: unknown }).toVersion;
    await record(req, actor, access, "rollback", String(applied.version), {
      toVersion,
      steps: applied.steps.length,
      warnings: applied.warnings.map((w) => w.code),
    });
    return reply.status(201).send(applied);
  });

  app.get<P>(`${base}/history`, async (req) => {
    const { actor, access } = await reader(req);
    const query = historyQuery.parse(req.query ?? {});
    const versions = await data.schema.history(access.project.id, query);
    await record(req, actor, access, "history", null);
    return { versions };
  });

  app.get<V>(`${base}/versions/:version`, async (req) => {
    const { actor, access } = await reader(req);
    const version = versionParam.parse(req.params.version);
    const detail = await data.schema.version(access.project.id, version);
    await record(req, actor, access, "version", String(version));
    return detail;
  });

  app.get<P>(`${base}/retained`, async (req) => {
    const { actor, access } = await reader(req);
    const retained = await data.schema.retained(access.project.id);
    await record(req, actor, access, "retained", null);
    return { retained };
  });

  app.post<P>(`${base}/retained/purge`, async (req) => {
    const { actor, access } = await manager(req);
    const { ids } = purgeInput.parse(req.body ?? {});
    const purged = await data.schema.purge(access.project.id, ids);
    await record(req, actor, access, "purge", null, { ids: ids ?? "all", purged });
    return { purged };
  });
}
