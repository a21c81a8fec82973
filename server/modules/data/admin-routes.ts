import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorLabel, type Actor } from "../../platform/auth/actor";
import { actorOf, projectOf } from "../../platform/http/access";
import type { DataRoutesDeps } from "./routes";
import { applyInputSchema, rollbackInputSchema } from "./schema";

const P = z.object({ project: z.string().min(1).max(64) });
const V = P.extend({ version: z.coerce.number().int().min(0).max(2_147_483_647) });
const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().min(1).optional(),
});
const purgeInput = z.strictObject({ ids: z.array(z.string().min(1).max(100)).min(1).max(1000).optional() });

/** Reading the model takes data:read, or schema:manage (a CI key that only manages the model still reads it). */
const reader = { config: { access: { apiKey: ["data:read", "schema:manage"], member: ["data:read", "schema:manage"] } as const } };
const manager = { config: { access: { apiKey: "schema:manage", member: "schema:manage" } as const } };

/**
 * The model's management API for CI pipelines and scripts: `/api/v1/admin/projects/{project}/schema…`.
 * Callers: an API key (Bearer) or a console session, authorized by the access hook (declared per
 * route). Every call is written to the audit log; a change's author is the key (`key:<name>`) or
 * the account's email.
 */
export function registerSchemaAdminRoutes(host: FastifyInstance, deps: DataRoutesDeps) {
  const app = host.withTypeProvider<ZodTypeProvider>();
  const { data, audit } = deps;
  const base = "/api/v1/admin/projects/:project/schema";

  const record = (req: FastifyRequest, action: string, targetId: string | null, details: Record<string, unknown> = {}) => {
    const actor: Actor = actorOf(req);
    return audit.record(actor, {
      projectId: projectOf(req).id,
      action: `data.schema.${action}`,
      target: { kind: "data_model", id: targetId },
      data: details,
      ip: req.ip ?? null,
    });
  };

  app.get(base, { ...reader, schema: { params: P } }, async (req) => {
    const state = await data.schema.get(projectOf(req).id);
    await record(req, "read", String(state.version));
    return state;
  });

  app.post(`${base}/preview`, { ...manager, schema: { params: P, body: applyInputSchema } }, async (req) => {
    const preview = await data.schema.preview(projectOf(req).id, req.body);
    await record(req, "preview", String(preview.baseVersion), {
      steps: preview.steps.length,
      warnings: preview.warnings.map((w) => w.code),
    });
    return preview;
  });

  app.post(`${base}/apply`, { ...manager, schema: { params: P, body: applyInputSchema } }, async (req, reply) => {
    const applied = await data.schema.apply(projectOf(req).id, req.body, actorLabel(actorOf(req)));
    await record(req, "apply", String(applied.version), {
      baseVersion: applied.version - 1,
      steps: applied.steps.length,
      warnings: applied.warnings.map((w) => w.code),
    });
    return reply.status(201).send(applied);
  });

  app.post(`${base}/rollback`, { ...manager, schema: { params: P, body: rollbackInputSchema } }, async (req, reply) => {
    const applied = await data.schema.rollback(projectOf(req).id, req.body, actorLabel(actorOf(req)));
    await record(req, "rollback", String(applied.version), {
      toVersion: req.body.toVersion,
      steps: applied.steps.length,
      warnings: applied.warnings.map((w) => w.code),
    });
    return reply.status(201).send(applied);
  });

  app.get(`${base}/history`, { ...reader, schema: { params: P, querystring: historyQuery } }, async (req) => {
    const versions = await data.schema.history(projectOf(req).id, req.query);
    await record(req, "history", null);
    return { versions };
  });

  app.get(`${base}/versions/:version`, { ...reader, schema: { params: V } }, async (req) => {
    const detail = await data.schema.version(projectOf(req).id, req.params.version);
    await record(req, "version", String(req.params.version));
    return detail;
  });

  app.get(`${base}/retained`, { ...reader, schema: { params: P } }, async (req) => {
    const retained = await data.schema.retained(projectOf(req).id);
    await record(req, "retained", null);
    return { retained };
  });

  app.post(`${base}/retained/purge`, { ...manager, schema: { params: P, body: purgeInput.optional() } }, async (req) => {
    const ids = req.body?.ids;
    const purged = await data.schema.purge(projectOf(req).id, ids);
    await record(req, "purge", null, { ids: ids ?? "all", purged });
    return { purged };
  });
}
