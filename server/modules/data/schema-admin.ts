import { z } from "zod";
import type { Actor } from "../../platform/auth/actor";
import { actorLabel } from "../../platform/auth/actor";
import { invalidInput } from "../../platform/errors/normalize";
import type { AuditService } from "../audit/service";
import type { Permission } from "../projects/permissions";
import { projectRef } from "../projects/schema";
import type { ProjectsService } from "../projects/service";
import type { ModelDocument } from "./schema";
import type { AppliedVersion, ModelState, PlanPreview, RetainedSummary, VersionDetail, VersionSummary } from "./schema-service";
import type { DataService } from "./service";
import type { ExpressionCheck } from "./expr/check";
import { RECORD_OPERATIONS } from "./types";

// Console inputs. The model document is only "an object" here: the caller's access is decided
// first, then the data service validates the document and answers with its own stable codes.
const version = z.number().int().min(0).max(1_000_000_000);
const document = z.record(z.string(), z.unknown());
export const byProjectInput = z.object({ project: projectRef });
export const documentInput = byProjectInput.extend({ schema: document });
export const previewInput = byProjectInput.extend({ baseVersion: version, schema: document });
export const applyChangeInput = previewInput.extend({ message: z.string().trim().max(1000).optional() });
export const rollbackPreviewInput = byProjectInput.extend({ toVersion: version, baseVersion: version });
export const rollbackChangeInput = rollbackPreviewInput.extend({ message: z.string().trim().max(1000).optional() });
export const historyInput = byProjectInput.extend({ limit: z.number().int().min(1).max(500).optional(), before: version.optional() });
export const versionInput = byProjectInput.extend({ version: version });
export const purgeInput = byProjectInput.extend({ ids: z.array(z.string().min(1).max(100)).min(1).max(500).optional() });
export const expressionCheckInput = byProjectInput.extend({
  collection: z.string().max(100),
  expression: z.string().max(8192),
  kind: z.enum(["filter", "rule"]).optional(),
  operation: z.enum(RECORD_OPERATIONS).optional(),
  /** A draft model document to check against instead of the current model (the designer's unsaved state). */
  schema: document.optional(),
});

export interface RollbackPreview extends PlanPreview {
  toVersion: number;
}

/**
 * What console members (and management API keys) do with a project's data model: each call is
 * authorized with `projects.authorize` first, then handed to the data service by project id.
 * Applies, rollbacks and purges are audited in the same transaction as the change.
 */
export function createSchemaAdmin(deps: { projects: ProjectsService; data: DataService; audit: AuditService }) {
  const { projects, data, audit } = deps;

  async function access(actor: Actor, ref: string, permission: Permission): Promise<string> {
    return (await projects.authorize(actor, ref, permission)).project.id;
  }

  function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
    const parsed = schema.safeParse(input);
    if (!parsed.success) throw invalidInput(parsed.error);
    return parsed.data;
  }

  return {
    /** data:read */
    async get(actor: Actor, input: unknown): Promise<ModelState> {
      const { project } = parse(byProjectInput, input);
      return data.schema.get(await access(actor, project, "data:read"));
    },

    /** schema:manage. The document normalized (ids assigned), or the model's error. */
    async validate(actor: Actor, input: unknown): Promise<ModelDocument> {
      const { project, schema } = parse(documentInput, input);
      return data.schema.validate(await access(actor, project, "schema:manage"), schema);
    },

    /** schema:manage. The plan of a change, without applying it. */
    async preview(actor: Actor, input: unknown): Promise<PlanPreview> {
      const { project, baseVersion, schema } = parse(previewInput, input);
      return data.schema.preview(await access(actor, project, "schema:manage"), { baseVersion, schema: schema as never });
    },

    /** schema:manage. A stale `baseVersion` is refused with 409 `schema_version_conflict`. */
    async apply(actor: Actor, input: unknown): Promise<AppliedVersion> {
      const { project: ref, baseVersion, schema, message } = parse(applyChangeInput, input);
      const project = await access(actor, ref, "schema:manage");
      return data.schema.apply(
        project,
        { baseVersion, schema: schema as never, ...(message ? { message } : {}) },
        actorLabel(actor),
        (trx, applied) =>
          audit.record(
            actor,
            {
              projectId: project,
              action: "data.schema.apply",
              target: { kind: "data_model", id: String(applied.version) },
              data: auditData(applied, message),
            },
            trx,
          ),
      );
    },

    /** schema:manage. The plan rolling back to `toVersion` would run (what the history page shows before confirming). */
    async previewRollback(actor: Actor, input: unknown): Promise<RollbackPreview> {
      const { project: ref, toVersion, baseVersion } = parse(rollbackPreviewInput, input);
      const project = await access(actor, ref, "schema:manage");
      const target: ModelDocument = toVersion === 0 ? { collections: [] } : (await data.schema.version(project, toVersion)).schema;
      return { ...(await data.schema.preview(project, { baseVersion, schema: target as never })), toVersion };
    },

    /** schema:manage. A new version whose model is that of `toVersion`; retained data comes back. */
    async rollback(actor: Actor, input: unknown): Promise<AppliedVersion> {
      const { project: ref, toVersion, baseVersion, message } = parse(rollbackChangeInput, input);
      const project = await access(actor, ref, "schema:manage");
      return data.schema.rollback(project, { toVersion, baseVersion, ...(message ? { message } : {}) }, actorLabel(actor), (trx, applied) =>
        audit.record(
          actor,
          {
            projectId: project,
            action: "data.schema.rollback",
            target: { kind: "data_model", id: String(applied.version) },
            data: { ...auditData(applied, message), toVersion },
          },
          trx,
        ),
      );
    },

    /** data:read. Newest first. */
    async history(actor: Actor, input: unknown): Promise<VersionSummary[]> {
      const { project, limit, before } = parse(historyInput, input);
      return data.schema.history(await access(actor, project, "data:read"), {
        ...(limit ? { limit } : {}),
        ...(before !== undefined ? { before } : {}),
      });
    },

    /** data:read. One version with its model, up and down steps. */
    async version(actor: Actor, input: unknown): Promise<VersionDetail> {
      const { project, version: n } = parse(versionInput, input);
      return data.schema.version(await access(actor, project, "data:read"), n);
    },

    /** data:read. Data kept after drops, until purged. */
    async retained(actor: Actor, input: unknown): Promise<RetainedSummary[]> {
      const { project } = parse(byProjectInput, input);
      return data.schema.retained(await access(actor, project, "data:read"));
    },

    /** schema:manage. Deletes retained data for good (all, or the given entries). */
    async purge(actor: Actor, input: unknown): Promise<{ purged: number }> {
      const { project: ref, ids } = parse(purgeInput, input);
      const project = await access(actor, ref, "schema:manage");
      const purged = await data.schema.purge(project, ids, (trx, entries) =>
        audit.record(
          actor,
          {
            projectId: project,
            action: "data.retained.purge",
            target: { kind: "data_model", id: null },
            data: { entries: entries.map((e) => ({ collection: e.collection, field: e.field, rows: e.rows })) },
          },
          trx,
        ),
      );
      return { purged };
    },

    /** data:read. Validates a filter or rule as it is typed, against the current model or a draft. */
    async checkExpression(actor: Actor, input: unknown): Promise<ExpressionCheck> {
      const { project: ref, schema, ...rest } = parse(expressionCheckInput, input);
      const project = await access(actor, ref, "data:read");
      return data.expressions.check(project, { ...rest, ...(schema !== undefined ? { schema } : {}) });
    },
  };
}

function auditData(applied: AppliedVersion, message: string | undefined): Record<string, unknown> {
  return {
    version: applied.version,
    steps: applied.steps.length,
    collections: applied.schema.collections.map((c) => c.name),
    warnings: applied.warnings.map((w) => w.code),
    ...(message ? { message } : {}),
  };
}

export type SchemaAdmin = ReturnType<typeof createSchemaAdmin>;
