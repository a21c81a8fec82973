import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { projectOf } from "../../platform/http/access";
import type { AuditService } from "../audit/service";
import type { ProjectsService } from "../projects/service";
import { registerSchemaAdminRoutes } from "./admin-routes";
import { dataActorOf } from "./caller";
import type { DataService } from "./service";
import type { ViewOptions } from "./schema";
import type { ProjectId } from "./types";

type C = { Params: { project: string; collection: string } };
type R = { Params: { project: string; collection: string; id: string } };

export interface DataRoutesDeps {
  data: DataService;
  projects: ProjectsService;
  audit: AuditService;
}

/**
 * Who may call the records API: app users, API keys and anonymous callers, whom the collection's
 * rules judge (a key's `data:read`/`data:write` bypasses them), and console members holding the
 * operation's permission.
 */
const readers = { config: { access: { anonymous: true, user: true, apiKey: true, member: "data:read" } as const } };
const writers = { config: { access: { anonymous: true, user: true, apiKey: true, member: "data:write" } as const } };

// The records API is described per project (`/api/v1/projects/{project}/openapi.json`), from its model;
// the service checks collection, id and body against that model, so the routes declare no schema of their own.
const hide = { hide: true } as const;

/** `?fields=…&expand=…` of a get or a write, or undefined when the query string is empty (no parsing at all). */
function viewOptions(req: FastifyRequest): ViewOptions | undefined {
  const query = req.query as Record<string, unknown> | undefined;
  if (!query) return undefined;
  for (const _ in query) return query as ViewOptions;
  return undefined;
}

const projectIdOf = (req: FastifyRequest) => projectOf(req).id as ProjectId;

/**
 * The data plane (`/api/v1/projects/{project}/collections/{collection}/records…` and
 * `…/collections/batch`) and the management API of the model (`/api/v1/admin/projects/{project}/schema…`).
 * The caller is resolved by the access hook; rules, validation and limits are the service's.
 */
export function registerDataRoutes(app: FastifyInstance, deps: DataRoutesDeps) {
  const { data } = deps;
  const base = "/api/v1/projects/:project/collections";
  const records = `${base}/:collection/records`;

  app.get<C>(records, { ...readers, schema: { ...hide } }, async (req, reply: FastifyReply) => {
    // The page as JSON text (its rows come as JSON from the database).
    const body = await data.records.listJson(projectIdOf(req), req.params.collection, (req.query ?? {}) as never, dataActorOf(req.caller));
    return reply.type("application/json; charset=utf-8").send(body);
  });

  app.get<R>(`${records}/:id`, { ...readers, schema: { ...hide } }, async (req) =>
    data.records.get(projectIdOf(req), req.params.collection, req.params.id, dataActorOf(req.caller), viewOptions(req)),
  );

  app.post<C>(records, { ...writers, schema: { ...hide } }, async (req, reply: FastifyReply) => {
    const record = await data.records.create(
      projectIdOf(req),
      req.params.collection,
      req.body ?? {},
      dataActorOf(req.caller),
      viewOptions(req),
    );
    return reply.status(201).send(record);
  });

  app.patch<R>(`${records}/:id`, { ...writers, schema: { ...hide } }, async (req) =>
    data.records.update(projectIdOf(req), req.params.collection, req.params.id, req.body ?? {}, dataActorOf(req.caller), viewOptions(req)),
  );

  app.delete<R>(`${records}/:id`, { ...writers, schema: { ...hide } }, async (req, reply: FastifyReply) => {
    await data.records.delete(projectIdOf(req), req.params.collection, req.params.id, dataActorOf(req.caller));
    return reply.status(204).send();
  });

  // Batch spans collections, so it sits beside them: `{ operations: [{ action, collection, id?, data? }] }`.
  // A console member needs data:write (it writes); keys and users are judged per operation.
  app.post<{ Params: { project: string } }>(`${base}/batch`, { ...writers, schema: { ...hide } }, async (req) => {
    const body = req.body as { operations?: unknown } | null | undefined;
    const operations = body && typeof body === "object" && !Array.isArray(body) ? body.operations : body;
    return { results: await data.records.batch(projectIdOf(req), operations as never, dataActorOf(req.caller)) };
  });

  registerSchemaAdminRoutes(app, deps);
}
