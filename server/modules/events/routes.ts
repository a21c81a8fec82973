import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiKeyActor } from "../auth/api-keys";
import type { AuthService } from "../auth/service";
import type { EventsService } from "./service";

type P = { Params: { project: string } };
type T = { Params: { project: string; topic: string } };
type G = { Params: { project: string; topic: string; group: string } };
type W = { Params: { project: string; webhook: string } };
type D = { Params: { project: string; webhook: string; delivery: string } };

const body = (req: FastifyRequest): Record<string, unknown> =>
  req.body && typeof req.body === "object" && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
const query = (req: FastifyRequest): Record<string, unknown> => (req.query ?? {}) as Record<string, unknown>;

/**
 * The event center's REST API (`/api/v1/projects/{project}/events/…`), for services holding an
 * API key with `events:read`, `events:publish` or `events:manage`. Handlers parse, call the
 * service and reply; the key is resolved before any body is read.
 */
export function registerEventsRoutes(app: FastifyInstance, deps: { events: EventsService; auth: AuthService }) {
  const { events } = deps;
  const base = "/api/v1/projects/:project/events";
  const key = (req: FastifyRequest): Promise<ApiKeyActor> => deps.auth.requestAuth.apiKey(req);

  // ── topics ─────────────────────────────────────────────────────────────────
  app.get<P>(`${base}/topics`, async (req) => ({ topics: await events.topics.list(await key(req), req.params.project) }));
  app.post<P>(`${base}/topics`, async (req, reply) => {
    const actor = await key(req);
    return reply.status(201).send(await events.topics.create(actor, { ...body(req), project: req.params.project }));
  });
  app.get<T>(`${base}/topics/:topic`, async (req) => events.topics.get(await key(req), req.params));
  app.patch<T>(`${base}/topics/:topic`, async (req) => {
    const actor = await key(req);
    return events.topics.update(actor, { ...body(req), ...req.params });
  });
  app.delete<T>(`${base}/topics/:topic`, async (req, reply: FastifyReply) => {
    await events.topics.delete(await key(req), req.params);
    return reply.status(204).send();
  });

  // ── messages ───────────────────────────────────────────────────────────────
  // One CloudEvent (an object), a batch (an array), or `{ "events": [...] }`.
  app.post<T>(`${base}/topics/:topic/messages`, async (req, reply) => {
    const actor = await key(req);
    const b = req.body;
    const batch = Array.isArray(b)
      ? b
      : b && typeof b === "object" && Array.isArray((b as { events?: unknown }).events)
        ? (b as { events: unknown[] }).events
        : null;
    const results = await events.messages.publish(actor, { ...req.params, events: batch ?? [b ?? null] });
    return reply.status(201).send(batch ? { messages: results } : results[0]);
  });
  app.get<T>(`${base}/topics/:topic/messages`, async (req) => {
    const actor = await key(req);
    return events.messages.read(actor, { ...query(req), ...req.params });
  });

  app.post<{ Params: { project: string; topic: string; seq: string } }>(`${base}/topics/:topic/messages/:seq/redrive`, async (req) =>
    events.messages.redrive(await key(req), req.params),
  );

  // ── consumer groups ────────────────────────────────────────────────────────
  app.get<T>(`${base}/topics/:topic/groups`, async (req) => ({ groups: await events.groups.list(await key(req), req.params) }));
  app.post<T>(`${base}/topics/:topic/groups`, async (req, reply) => {
    const actor = await key(req);
    return reply.status(201).send(await events.groups.create(actor, { ...body(req), ...req.params }));
  });
  app.get<G>(`${base}/topics/:topic/groups/:group`, async (req) => events.groups.get(await key(req), req.params));
  app.delete<G>(`${base}/topics/:topic/groups/:group`, async (req, reply: FastifyReply) => {
    await events.groups.delete(await key(req), req.params);
    return reply.status(204).send();
  });
  // Long poll: `max` events, waiting up to `wait` ms for the first; a client that goes away ends the wait.
  app.post<G>(`${base}/topics/:topic/groups/:group/pull`, async (req) => {
    const actor = await key(req);
    const abort = new AbortController();
    const onClose = () => abort.abort();
    req.raw.socket?.once("close", onClose);
    try {
      return await events.groups.pull(actor, { ...query(req), ...body(req), ...req.params }, abort.signal);
    } finally {
      req.raw.socket?.off("close", onClose);
    }
  });
  app.post<G>(`${base}/topics/:topic/groups/:group/ack`, async (req) => {
    const actor = await key(req);
    return events.groups.ack(actor, { ...body(req), ...req.params });
  });
  app.post<G>(`${base}/topics/:topic/groups/:group/nack`, async (req) => {
    const actor = await key(req);
    return events.groups.nack(actor, { ...body(req), ...req.params });
  });
  app.post<G>(`${base}/topics/:topic/groups/:group/seek`, async (req) => {
    const actor = await key(req);
    return events.groups.seek(actor, { ...body(req), ...req.params });
  });

  // ── webhooks ───────────────────────────────────────────────────────────────
  app.get<P>(`${base}/webhooks`, async (req) => ({ webhooks: await events.webhooks.list(await key(req), req.params.project) }));
  app.post<P>(`${base}/webhooks`, async (req, reply) => {
    const actor = await key(req);
    return reply.status(201).send(await events.webhooks.create(actor, { ...body(req), project: req.params.project }));
  });
  app.get<W>(`${base}/webhooks/:webhook`, async (req) =>
    events.webhooks.get(await key(req), { project: req.params.project, webhookId: req.params.webhook }),
  );
  app.patch<W>(`${base}/webhooks/:webhook`, async (req) => {
    const actor = await key(req);
    return events.webhooks.update(actor, { ...body(req), project: req.params.project, webhookId: req.params.webhook });
  });
  app.delete<W>(`${base}/webhooks/:webhook`, async (req, reply: FastifyReply) => {
    await events.webhooks.delete(await key(req), { project: req.params.project, webhookId: req.params.webhook });
    return reply.status(204).send();
  });
  app.post<W>(`${base}/webhooks/:webhook/rotate-secret`, async (req) =>
    events.webhooks.rotateSecret(await key(req), { project: req.params.project, webhookId: req.params.webhook }),
  );
  app.get<W>(`${base}/webhooks/:webhook/deliveries`, async (req) => {
    const actor = await key(req);
    return {
      deliveries: await events.webhooks.deliveries(actor, { ...query(req), project: req.params.project, webhookId: req.params.webhook }),
    };
  });
  app.post<D>(`${base}/webhooks/:webhook/deliveries/:delivery/redeliver`, async (req) => {
    const actor = await key(req);
    return events.webhooks.redeliver(actor, {
      project: req.params.project,
      webhookId: req.params.webhook,
      deliveryId: req.params.delivery,
    });
  });
}
