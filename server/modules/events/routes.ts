import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../platform/errors/app-error";
import { actorOf } from "../../platform/http/access";
import { binaryModeEvent } from "./binary-mode";
import {
  ackInput,
  byProject,
  createGroupInput,
  createTopicInput,
  createWebhookInput,
  groupRef,
  listDeliveriesInput,
  messageRef,
  nackInput,
  pullInput,
  readMessagesInput,
  seekInput,
  topicRef,
  updateTopicInput,
  updateWebhookInput,
  webhookRef,
} from "./schema";
import type { EventsService } from "./service";

const W = z.object({ project: byProject.shape.project, webhook: webhookRef.shape.webhookId });
const D = W.extend({ delivery: z.string().min(1).max(64) });
const read = { config: { access: { apiKey: "events:read" } as const } };
const publish = { config: { access: { apiKey: "events:publish" } as const } };
const manage = { config: { access: { apiKey: "events:manage" } as const } };

/**
 * The event center's REST API (`/api/v1/projects/{project}/events/…`), for services holding an
 * API key with `events:read`, `events:publish` or `events:manage` (declared per route and checked
 * before the body is read; the service checks topic role lists and the rest).
 */
export function registerEventsRoutes(host: FastifyInstance, deps: { events: EventsService }) {
  const app = host.withTypeProvider<ZodTypeProvider>();
  const { events } = deps;
  const base = "/api/v1/projects/:project/events";

  // ── topics ─────────────────────────────────────────────────────────────────
  app.get(`${base}/topics`, { ...read, schema: { params: byProject } }, async (req) => ({
    topics: await events.topics.list(actorOf(req), req.params.project),
  }));
  app.post(
    `${base}/topics`,
    { ...manage, schema: { params: byProject, body: createTopicInput.omit({ project: true }) } },
    async (req, reply) => reply.status(201).send(await events.topics.create(actorOf(req), { ...req.body, project: req.params.project })),
  );
  app.get(`${base}/topics/:topic`, { ...read, schema: { params: topicRef } }, async (req) => events.topics.get(actorOf(req), req.params));
  app.patch(
    `${base}/topics/:topic`,
    { ...manage, schema: { params: topicRef, body: updateTopicInput.omit({ project: true, topic: true }) } },
    async (req) => events.topics.update(actorOf(req), { ...req.body, ...req.params }),
  );
  app.delete(`${base}/topics/:topic`, { ...manage, schema: { params: topicRef } }, async (req, reply) => {
    await events.topics.delete(actorOf(req), req.params);
    return reply.status(204).send();
  });

  // ── messages ───────────────────────────────────────────────────────────────
  // The CloudEvents HTTP binding's three modes: structured (one event as JSON, `application/json` or
  // `application/cloudevents+json`, or `{ "events": [...] }`), batch (a JSON array, also as
  // `application/cloudevents-batch+json`) and binary (`ce-*` headers, the body is the data in any
  // content type). Each event is checked by the service. Its own scope: any content type is read here.
  void host.register(async (scope) => {
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    scope
      .withTypeProvider<ZodTypeProvider>()
      .post(`${base}/topics/:topic/messages`, { ...publish, schema: { params: topicRef } }, async (req, reply) => {
        const binary = binaryModeEvent(req.headers, req.body);
        const b = req.body;
        if (!binary && Buffer.isBuffer(b))
          throw new AppError("unsupported_media_type", 415, {
            contentType: String(req.headers["content-type"] ?? "none")
              .split(";")[0]!
              .slice(0, 100),
          });
        const batch = binary
          ? null
          : Array.isArray(b)
            ? b
            : b && typeof b === "object" && Array.isArray((b as { events?: unknown }).events)
              ? (b as { events: unknown[] }).events
              : null;
        const results = await events.messages.publish(actorOf(req), { ...req.params, events: binary ? [binary] : (batch ?? [b ?? null]) });
        return reply.status(201).send(batch ? { messages: results } : results[0]);
      });
  });
  app.get(
    `${base}/topics/:topic/messages`,
    { ...read, schema: { params: topicRef, querystring: readMessagesInput.omit({ project: true, topic: true }) } },
    async (req) => events.messages.read(actorOf(req), { ...req.query, ...req.params }),
  );
  app.post(`${base}/topics/:topic/messages/:seq/redrive`, { ...publish, schema: { params: messageRef } }, async (req) =>
    events.messages.redrive(actorOf(req), req.params),
  );

  // ── consumer groups ────────────────────────────────────────────────────────
  app.get(`${base}/topics/:topic/groups`, { ...read, schema: { params: topicRef } }, async (req) => ({
    groups: await events.groups.list(actorOf(req), req.params),
  }));
  app.post(
    `${base}/topics/:topic/groups`,
    { ...manage, schema: { params: topicRef, body: createGroupInput.omit({ project: true, topic: true }) } },
    async (req, reply) => reply.status(201).send(await events.groups.create(actorOf(req), { ...req.body, ...req.params })),
  );
  app.get(`${base}/topics/:topic/groups/:group`, { ...read, schema: { params: groupRef } }, async (req) =>
    events.groups.get(actorOf(req), req.params),
  );
  app.delete(`${base}/topics/:topic/groups/:group`, { ...manage, schema: { params: groupRef } }, async (req, reply) => {
    await events.groups.delete(actorOf(req), req.params);
    return reply.status(204).send();
  });
  // Long poll: `max` events, waiting up to `wait` ms for the first; a client that goes away ends the wait.
  // `max` and `wait` come in the query string or the body.
  const pullOptions = pullInput.omit({ project: true, topic: true, group: true }).partial();
  app.post(
    `${base}/topics/:topic/groups/:group/pull`,
    { ...read, schema: { params: groupRef, querystring: pullOptions, body: pullOptions.optional() } },
    async (req) => {
      const abort = new AbortController();
      const onClose = () => abort.abort();
      req.raw.socket?.once("close", onClose);
      try {
        return await events.groups.pull(actorOf(req), { ...req.query, ...(req.body ?? {}), ...req.params }, abort.signal);
      } finally {
        req.raw.socket?.off("close", onClose);
      }
    },
  );
  app.post(
    `${base}/topics/:topic/groups/:group/ack`,
    { ...read, schema: { params: groupRef, body: ackInput.omit({ project: true, topic: true, group: true }) } },
    async (req) => events.groups.ack(actorOf(req), { ...req.body, ...req.params }),
  );
  app.post(
    `${base}/topics/:topic/groups/:group/nack`,
    { ...read, schema: { params: groupRef, body: nackInput.omit({ project: true, topic: true, group: true }) } },
    async (req) => events.groups.nack(actorOf(req), { ...req.body, ...req.params }),
  );
  app.post(
    `${base}/topics/:topic/groups/:group/seek`,
    { ...manage, schema: { params: groupRef, body: seekInput.omit({ project: true, topic: true, group: true }) } },
    async (req) => events.groups.seek(actorOf(req), { ...req.body, ...req.params }),
  );

  // ── webhooks ───────────────────────────────────────────────────────────────
  app.get(`${base}/webhooks`, { ...read, schema: { params: byProject } }, async (req) => ({
    webhooks: await events.webhooks.list(actorOf(req), req.params.project),
  }));
  app.post(
    `${base}/webhooks`,
    { ...manage, schema: { params: byProject, body: createWebhookInput.omit({ project: true }) } },
    async (req, reply) => reply.status(201).send(await events.webhooks.create(actorOf(req), { ...req.body, project: req.params.project })),
  );
  const hook = (params: { project: string; webhook: string }) => ({ project: params.project, webhookId: params.webhook });
  app.get(`${base}/webhooks/:webhook`, { ...read, schema: { params: W } }, async (req) =>
    events.webhooks.get(actorOf(req), hook(req.params)),
  );
  app.patch(
    `${base}/webhooks/:webhook`,
    { ...manage, schema: { params: W, body: updateWebhookInput.omit({ project: true, webhookId: true }) } },
    async (req) => events.webhooks.update(actorOf(req), { ...req.body, ...hook(req.params) }),
  );
  app.delete(`${base}/webhooks/:webhook`, { ...manage, schema: { params: W } }, async (req, reply) => {
    await events.webhooks.delete(actorOf(req), hook(req.params));
    return reply.status(204).send();
  });
  app.post(`${base}/webhooks/:webhook/rotate-secret`, { ...manage, schema: { params: W } }, async (req) =>
    events.webhooks.rotateSecret(actorOf(req), hook(req.params)),
  );
  app.get(
    `${base}/webhooks/:webhook/deliveries`,
    { ...read, schema: { params: W, querystring: listDeliveriesInput.omit({ project: true, webhookId: true }) } },
    async (req) => ({ deliveries: await events.webhooks.deliveries(actorOf(req), { ...req.query, ...hook(req.params) }) }),
  );
  app.post(`${base}/webhooks/:webhook/deliveries/:delivery/redeliver`, { ...manage, schema: { params: D } }, async (req) =>
    events.webhooks.redeliver(actorOf(req), { ...hook(req.params), deliveryId: req.params.delivery }),
  );
}
