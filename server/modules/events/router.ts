import { z } from "zod";
import { authedProcedure, router } from "../../trpc/trpc";
import {
  ackInput,
  byProject,
  createGroupInput,
  createTopicInput,
  createWebhookInput,
  deliveryRef,
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

const publishConsoleInput = z.object({
  project: z.string().min(1).max(64),
  topic: z.string().min(1).max(128),
  events: z.array(z.unknown()).min(1).max(1000),
});

/**
 * The console's API for the event center. Every procedure takes `project` (id or slug) and is
 * authorized with `projects.authorize` (and the topic's role lists); the permission each needs
 * is noted beside it. Webhook secrets are returned once, on creation.
 */
export const eventsRouter = router({
  topics: router({
    /** events:read */
    list: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.events.topics.list(ctx.actor, input.project)),
    /** events:read */
    get: authedProcedure.input(topicRef).query(({ ctx, input }) => ctx.services.events.topics.get(ctx.actor, input)),
    /** events:manage */
    create: authedProcedure.input(createTopicInput).mutation(({ ctx, input }) => ctx.services.events.topics.create(ctx.actor, input)),
    /** events:manage */
    update: authedProcedure.input(updateTopicInput).mutation(({ ctx, input }) => ctx.services.events.topics.update(ctx.actor, input)),
    /** events:manage */
    delete: authedProcedure.input(topicRef).mutation(async ({ ctx, input }) => {
      await ctx.services.events.topics.delete(ctx.actor, input);
      return { ok: true };
    }),
  }),

  messages: router({
    /** events:publish. A test message, or several. */
    publish: authedProcedure
      .input(publishConsoleInput)
      .mutation(({ ctx, input }) => ctx.services.events.messages.publish(ctx.actor, input)),
    /** events:read on the dead-letter topic, events:publish on the original. Sends a dead letter back. */
    redrive: authedProcedure.input(messageRef).mutation(({ ctx, input }) => ctx.services.events.messages.redrive(ctx.actor, input)),
    /** events:read. The tail of a topic (or a dead-letter topic). */
    list: authedProcedure.input(readMessagesInput).query(({ ctx, input }) => ctx.services.events.messages.read(ctx.actor, input)),
  }),

  groups: router({
    /** events:read. With lag. */
    list: authedProcedure.input(topicRef).query(({ ctx, input }) => ctx.services.events.groups.list(ctx.actor, input)),
    /** events:read */
    get: authedProcedure.input(groupRef).query(({ ctx, input }) => ctx.services.events.groups.get(ctx.actor, input)),
    /** events:manage */
    create: authedProcedure.input(createGroupInput).mutation(({ ctx, input }) => ctx.services.events.groups.create(ctx.actor, input)),
    /** events:manage */
    delete: authedProcedure.input(groupRef).mutation(async ({ ctx, input }) => {
      await ctx.services.events.groups.delete(ctx.actor, input);
      return { ok: true };
    }),
    /** events:manage. Replay from a sequence or a time. */
    seek: authedProcedure.input(seekInput).mutation(({ ctx, input }) => ctx.services.events.groups.seek(ctx.actor, input)),
    /** events:read. Pull without waiting (the console's peek at a group). */
    pull: authedProcedure.input(pullInput).mutation(({ ctx, input }) => ctx.services.events.groups.pull(ctx.actor, { ...input, wait: 0 })),
    /** events:read */
    ack: authedProcedure.input(ackInput).mutation(({ ctx, input }) => ctx.services.events.groups.ack(ctx.actor, input)),
    /** events:read */
    nack: authedProcedure.input(nackInput).mutation(({ ctx, input }) => ctx.services.events.groups.nack(ctx.actor, input)),
  }),

  webhooks: router({
    /** events:read */
    list: authedProcedure.input(byProject).query(({ ctx, input }) => ctx.services.events.webhooks.list(ctx.actor, input.project)),
    /** events:read */
    get: authedProcedure.input(webhookRef).query(({ ctx, input }) => ctx.services.events.webhooks.get(ctx.actor, input)),
    /** events:manage. Returns `secret` once. */
    create: authedProcedure.input(createWebhookInput).mutation(({ ctx, input }) => ctx.services.events.webhooks.create(ctx.actor, input)),
    /** events:manage */
    update: authedProcedure.input(updateWebhookInput).mutation(({ ctx, input }) => ctx.services.events.webhooks.update(ctx.actor, input)),
    /** events:manage */
    delete: authedProcedure.input(webhookRef).mutation(async ({ ctx, input }) => {
      await ctx.services.events.webhooks.delete(ctx.actor, input);
      return { ok: true };
    }),
    /** events:manage. Returns the new `secret` once. */
    rotateSecret: authedProcedure
      .input(webhookRef)
      .mutation(({ ctx, input }) => ctx.services.events.webhooks.rotateSecret(ctx.actor, input)),
    /** events:read. The delivery log, newest first. */
    deliveries: authedProcedure
      .input(listDeliveriesInput)
      .query(({ ctx, input }) => ctx.services.events.webhooks.deliveries(ctx.actor, input)),
    /** events:manage */
    redeliver: authedProcedure.input(deliveryRef).mutation(({ ctx, input }) => ctx.services.events.webhooks.redeliver(ctx.actor, input)),
  }),
});
