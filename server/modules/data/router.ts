import { authedProcedure, router } from "../../trpc/trpc";
import { localizeCheck } from "./expr/check";
import type { TrpcContext } from "../../trpc/trpc";
import {
  applyChangeInput,
  byProjectInput,
  createSchemaAdmin,
  documentInput,
  expressionCheckInput,
  historyInput,
  previewInput,
  purgeInput,
  rollbackChangeInput,
  rollbackPreviewInput,
  versionInput,
} from "./schema-admin";

const admin = (ctx: TrpcContext) =>
  createSchemaAdmin({ projects: ctx.services.projects, data: ctx.services.data, audit: ctx.services.audit });

/**
 * The console's API for a project's data model: the designer, the migration history and the
 * expression checker. Every procedure takes `project` (id or slug) and is authorized with
 * `projects.authorize`; the permission each needs is noted beside it.
 */
export const dataRouter = router({
  schema: router({
    /** data:read. The current model and its version (0 before the first apply). */
    get: authedProcedure.input(byProjectInput).query(({ ctx, input }) => admin(ctx).get(ctx.actor, input)),
    /** schema:manage. The document normalized (ids assigned), or `invalid_model` with its issues. */
    validate: authedProcedure.input(documentInput).mutation(({ ctx, input }) => admin(ctx).validate(ctx.actor, input)),
    /** schema:manage. Ordered steps with SQL, and warnings, of applying `schema` on `baseVersion`. */
    preview: authedProcedure.input(previewInput).mutation(({ ctx, input }) => admin(ctx).preview(ctx.actor, input)),
    /** schema:manage. Applies in one transaction; a stale `baseVersion` is a CONFLICT (`schema_version_conflict`). Audited. */
    // `apply` is a reserved word of tRPC routers (Function.prototype.apply), hence `applyChange`.
    applyChange: authedProcedure.input(applyChangeInput).mutation(({ ctx, input }) => admin(ctx).apply(ctx.actor, input)),
    /** schema:manage. The plan of a rollback to `toVersion`, without running it. */
    previewRollback: authedProcedure.input(rollbackPreviewInput).mutation(({ ctx, input }) => admin(ctx).previewRollback(ctx.actor, input)),
    /** schema:manage. Rolls back to `toVersion` as a new version. Audited. */
    rollback: authedProcedure.input(rollbackChangeInput).mutation(({ ctx, input }) => admin(ctx).rollback(ctx.actor, input)),
    /** data:read. Versions, newest first. */
    history: authedProcedure.input(historyInput).query(({ ctx, input }) => admin(ctx).history(ctx.actor, input)),
    /** data:read. One version: its model, up and down steps. */
    version: authedProcedure.input(versionInput).query(({ ctx, input }) => admin(ctx).version(ctx.actor, input)),
    /** data:read. Dropped data kept until purged. */
    retained: authedProcedure.input(byProjectInput).query(({ ctx, input }) => admin(ctx).retained(ctx.actor, input)),
    /** schema:manage. Deletes retained data for good. Audited. */
    purge: authedProcedure.input(purgeInput).mutation(({ ctx, input }) => admin(ctx).purge(ctx.actor, input)),
  }),

  expressions: router({
    /** data:read. Validates a filter or rule as it is typed (positioned errors), against the current or a draft model. */
    check: authedProcedure
      .input(expressionCheckInput)
      .mutation(async ({ ctx, input }) => localizeCheck(await admin(ctx).checkExpression(ctx.actor, input), ctx.locale)),
  }),
});
