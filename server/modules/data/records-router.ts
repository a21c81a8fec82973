import { z } from "zod";
import { authedProcedure, router } from "../../trpc/trpc";
import type { Actor as ConsoleActor } from "../../platform/auth/actor";
import { AppError } from "../../platform/errors/app-error";
import type { Services } from "../../platform/module";
import type { Permission } from "../projects/permissions";
import { projectRef } from "../projects/schema";
import { localizeCheck } from "./expr/check";
import { rulesSchema } from "./schema";
import { RECORD_OPERATIONS, type Actor } from "./types";

// Inputs of the console's record procedures. Limits the data service checks itself (perPage,
// filter size, expand depth, field values) are left to it, so the console gets its stable codes.
const byProject = z.object({ project: projectRef });
const collectionRef = byProject.extend({ collection: z.string().trim().min(1).max(100) });
const recordRef = collectionRef.extend({ id: z.string().trim().min(1).max(100) });
const csv = z.string().max(2000).optional();
const recordData = z.record(z.string().max(200), z.unknown());

export const recordsListInput = collectionRef.extend({
  filter: z.string().max(100_000).optional(),
  /** Comma-separated fields, `-` in front for descending. */
  sort: csv,
  page: z.number().int().min(1).max(1_000_000).optional(),
  perPage: z.number().int().min(1).optional(),
  count: z.boolean().optional(),
  fields: csv,
  expand: csv,
});
export const recordsGetInput = recordRef.extend({ expand: csv });
export const recordsCreateInput = collectionRef.extend({ data: recordData, expand: csv });
export const recordsUpdateInput = recordRef.extend({ data: recordData, expand: csv });
export const checkExpressionInput = collectionRef.extend({
  expression: z.string().max(100_000),
  kind: z.enum(["filter", "rule"]).default("filter"),
  operation: z.enum(RECORD_OPERATIONS).optional(),
});
export const previewAsInput = collectionRef.extend({
  operation: z.enum(RECORD_OPERATIONS),
  /** The app user to act as; absent or null: an anonymous caller. */
  userId: z.string().trim().min(1).max(64).nullable().optional(),
  /** A draft rule to try instead of the saved one (`""` public, `null` locked). */
  rule: z.string().max(100_000).nullable().optional(),
  filter: z.string().max(100_000).optional(),
  sort: csv,
  perPage: z.number().int().min(1).optional(),
  expand: csv,
  /** create/update: the request body the rule sees as `body`. */
  body: recordData.optional(),
});
export const saveRulesInput = collectionRef.extend({
  /** The model version the rules were edited against; a newer current version is refused (409). */
  baseVersion: z.number().int().min(0),
  /** Only the operations given change; `null` locks one, `""` makes it public. */
  rules: rulesSchema,
  message: z.string().max(1000).optional(),
});

interface AuthedContext {
  services: Services;
  actor: ConsoleActor;
  account: { id: string; email: string };
}

/** The project's id after checking the console member holds every permission named. */
async function projectIdFor(ctx: AuthedContext, project: string, ...permissions: Permission[]): Promise<string> {
  let id = "";
  for (const permission of permissions) id = (await ctx.services.projects.authorize(ctx.actor, project, permission)).project.id;
  return id;
}

/** Console members work on records as project admins: rules do not apply to them. */
const memberActor = (ctx: AuthedContext): Actor => ({ type: "admin", id: ctx.account.id });

/**
 * The console's data browser and rule editor: a project's records (as an admin of the project),
 * expression checks as you type, "preview as user", and saving a collection's rules as a new model
 * version. Every procedure takes `project` and goes through `projects.authorize`.
 */
export const recordsRouter = router({
  /** data:read. The current model's collections, fields and rules, with the model version. */
  collections: authedProcedure.input(byProject).query(async ({ ctx, input }) => {
    const state = await ctx.services.data.schema.get(await projectIdFor(ctx, input.project, "data:read"));
    return { version: state.version, collections: state.schema.collections };
  }),

  /** data:read */
  list: authedProcedure.input(recordsListInput).query(async ({ ctx, input }) => {
    const { project, collection, ...query } = input;
    return ctx.services.data.records.list(await projectIdFor(ctx, project, "data:read"), collection, query, memberActor(ctx));
  }),

  /** data:read */
  get: authedProcedure
    .input(recordsGetInput)
    .query(async ({ ctx, input }) =>
      ctx.services.data.records.get(
        await projectIdFor(ctx, input.project, "data:read"),
        input.collection,
        input.id,
        memberActor(ctx),
        input.expand ? { expand: input.expand } : undefined,
      ),
    ),

  /** data:write */
  create: authedProcedure
    .input(recordsCreateInput)
    .mutation(async ({ ctx, input }) =>
      ctx.services.data.records.create(
        await projectIdFor(ctx, input.project, "data:write"),
        input.collection,
        input.data,
        memberActor(ctx),
        input.expand ? { expand: input.expand } : undefined,
      ),
    ),

  /** data:write. PATCH: only the fields given change. */
  update: authedProcedure
    .input(recordsUpdateInput)
    .mutation(async ({ ctx, input }) =>
      ctx.services.data.records.update(
        await projectIdFor(ctx, input.project, "data:write"),
        input.collection,
        input.id,
        input.data,
        memberActor(ctx),
        input.expand ? { expand: input.expand } : undefined,
      ),
    ),

  /** data:write */
  delete: authedProcedure.input(recordRef).mutation(async ({ ctx, input }) => {
    await ctx.services.data.records.delete(
      await projectIdFor(ctx, input.project, "data:write"),
      input.collection,
      input.id,
      memberActor(ctx),
    );
    return { ok: true };
  }),

  /** data:read. Validate-as-you-type for a filter or a rule: `{ valid, errors[{ code, reason, start, end }] }`. */
  checkExpression: authedProcedure.input(checkExpressionInput).query(async ({ ctx, input }) => {
    const { project, ...check } = input;
    return localizeCheck(await ctx.services.data.expressions.check(await projectIdFor(ctx, project, "data:read"), check), ctx.locale);
  }),

  /**
   * data:read + users:read. What a rule (saved, or a draft) lets an app user (with their roles)
   * or an anonymous caller reach: the records of list/view/update/delete, or whether a create is allowed.
   */
  previewAs: authedProcedure.input(previewAsInput).query(async ({ ctx, input }) => {
    const { project, userId, ...preview } = input;
    const projectId = await projectIdFor(ctx, project, "data:read", "users:read");
    const user = userId ? await ctx.services.auth.admin.get(ctx.actor, { project, userId }) : null;
    const actor: Actor = user ? { type: "user", id: user.id, roles: user.roles } : { type: "anonymous" };
    const result = await ctx.services.data.preview(projectId, preview, actor);
    return {
      ...result,
      user: user ? { id: user.id, email: user.email, name: user.name, roles: user.roles, disabled: user.disabled } : null,
    };
  }),

  /**
   * schema:manage. Changes a collection's rules in the current model and applies it as a new
   * version (refused with 409 `schema_version_conflict` if the model moved past `baseVersion`).
   */
  saveRules: authedProcedure.input(saveRulesInput).mutation(async ({ ctx, input }) => {
    const projectId = await projectIdFor(ctx, input.project, "schema:manage");
    const current = await ctx.services.data.schema.get(projectId);
    const target = current.schema.collections.find((c) => c.name === input.collection);
    if (!target) throw new AppError("collection_not_found", 404, { collection: input.collection.slice(0, 100) });
    const schema = {
      collections: current.schema.collections.map((c) =>
        c.name === input.collection ? { ...c, rules: { ...c.rules, ...input.rules } } : c,
      ),
    };
    const applied = await ctx.services.data.schema.apply(
      projectId,
      { baseVersion: input.baseVersion, schema, message: input.message ?? `rules of ${input.collection}` },
      ctx.account.email,
    );
    const saved = applied.schema.collections.find((c) => c.name === input.collection)!;
    return { version: applied.version, collection: saved.name, rules: saved.rules };
  }),
});
