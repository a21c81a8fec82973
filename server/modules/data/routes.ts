import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuditService } from "../audit/service";
import type { ProjectsService } from "../projects/service";
import { registerSchemaAdminRoutes } from "./admin-routes";
import type { RequestActor } from "./request-actor";
import type { DataService } from "./service";
import type { ViewOptions } from "./schema";

type P = { Params: { project: string } };
type C = { Params: { project: string; collection: string } };
type R = { Params: { project: string; collection: string; id: string } };

export interface DataRoutesDeps {
  data: DataService;
  projects: ProjectsService;
  audit: AuditService;
  requestActor: RequestActor;
}

/** `?fields=…&expand=…` of a get or a write, or undefined when the query string is empty (no parsing at all). */
function viewOptions(req: FastifyRequest): ViewOptions | undefined {
  const query = req.query as Record<string, unknown> | undefined;
  if (!query) return undefined;
  for (const _ in query) return query as ViewOptions;
  return undefined;
}

/**
 * The data plane (`/api/v1/projects/{project}/collections/{collection}/records…` and
 * `…/collections/batch`) and the management API of the model (`/api/v1/admin/projects/{project}/schema…`).
 * Handlers resolve the caller, call the data service and reply; rules, validation and limits
 * are the service's.
 */
export function registerDataRoutes(app: FastifyInstance, deps: DataRoutesDeps) {
  const { data, requestActor } = deps;
  const base = "/api/v1/projects/:project/collections";
  const records = `${base}/:collection/records`;

  app.get<C>(records, async (req, reply: FastifyReply) => {
    const { projectId, actor } = await requestActor.resolve(req, req.params.project, "list");
    // The page as JSON text (its rows come as JSON from the database).
    const body = await data.records.listJson(projectId, req.params.collection, (req.query ?? {}) as never, actor);
    return reply.type("application/json; charset=utf-8").send(body);
  });

  app.get<R>(`${records}/:id`, async (req) => {
    const { projectId, actor } = await requestActor.resolve(req, req.params.project, "view");
    return data.records.get(projectId, req.params.collection, req.params.id, actor, viewOptions(req));
  });

  app.post<C>(records, async (req, reply: FastifyReply) => {
    const { projectId, actor } = await requestActor.resolve(req, req.params.project, "create");
    const record = await data.records.create(projectId, req.params.collection, req.body ?? {}, actor, viewOptions(req));
    return reply.status(201).send(record);
  });

  app.patch<R>(`${records}/:id`, async (req) => {
    const { projectId, actor } = await requestActor.resolve(req, req.params.project, "update");
    return data.records.update(projectId, req.params.collection, req.params.id, req.body ?? {}, actor, viewOptions(req));
  });

  app.delete<R>(`${records}/:id`, async (req, reply: FastifyReply) => {
    const { projectId, actor } = await requestActor.resolve(req, req.params.project, "delete");
    await data.records.delete(projectId, req.params.collection, req.params.id, actor);
    return reply.status(204).send();
  });

  // Batch spans collections, so it sits beside them: `{ operations: [{ action, collection, id?, data? }] }`.
  app.post<P>(`${base}/batch`, async (req) => {
    // A console member needs data:write for a batch (it writes); keys and users are judged per operation.
    const { projectId, actor } = await requestActor.resolve(req, req.params.project, "create");
    const body = req.body as { operations?: unknown } | null | undefined;
    const operations = body && typeof body === "object" && !Array.isArray(body) ? body.operations : body;
    return { results: await data.records.batch(projectId, operations as never, actor) };
  });

  registerSchemaAdminRoutes(app, deps);
}
