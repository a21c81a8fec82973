import fs from "node:fs";
import { stringify as toYaml } from "yaml";
import type { Actor } from "../../platform/auth/actor";
import { AppError } from "../../platform/errors/app-error";
import type { ErrorCatalog } from "../../platform/errors/catalog";
import type { AuditService } from "../audit/service";
import type { ProjectsService } from "../projects/service";
import { parseModelText } from "./model/validate-model";
import type { PlanWarning } from "./model/plan";
import type { DataService } from "./service";

/** Who the CLI is in the audit log and as a version's author: it opens the database directly. */
export const CLI_ACTOR: Actor = { kind: "system", id: null, label: "cli" };

export interface SchemaCliDeps {
  data: DataService;
  projects: ProjectsService;
  audit: AuditService;
  catalog: ErrorCatalog;
  out: (text: string) => void;
}

export type SchemaCliCommand =
  | { action: "apply"; file: string; project: string; dryRun: boolean }
  | { action: "export"; project: string }
  | { action: "history"; project: string }
  | { action: "rollback"; project: string; to: number };

/** Parses `schema <action> …` arguments; a string is the usage error to print. */
export function parseSchemaCommand(
  sub: string | undefined,
  rest: string[],
  values: { project?: string; "dry-run"?: boolean; to?: string },
): SchemaCliCommand | string {
  const project = values.project;
  if (!sub || !["apply", "export", "history", "rollback"].includes(sub)) return '"schema" takes "apply", "export", "history" or "rollback"';
  if (!project) return `"schema ${sub}" needs --project`;
  if (sub === "apply") {
    if (rest.length !== 1) return '"schema apply" takes one FILE (YAML or JSON)';
    return { action: "apply", file: rest[0]!, project, dryRun: values["dry-run"] === true };
  }
  if (rest.length > 0) return `"schema ${sub}" takes no FILE`;
  if (values["dry-run"]) return '--dry-run is only for "schema apply"';
  if (sub === "rollback") {
    if (values.to === undefined || !/^\d{1,9}$/.test(values.to)) return '"schema rollback" needs --to N (a version number)';
    return { action: "rollback", project, to: Number(values.to) };
  }
  return { action: sub as "export" | "history", project };
}

/**
 * `apprun schema apply|export|history|rollback`: the same operations as the management API, run
 * against the database directly (author "cli"), audited like the API's. Output is plain text for
 * people and CI logs; `export` writes YAML that `apply` takes back.
 */
export async function runSchemaCommand(command: SchemaCliCommand, deps: SchemaCliDeps): Promise<void> {
  const { data, out } = deps;
  const { project } = await deps.projects.authorize(
    CLI_ACTOR,
    command.project,
    command.action === "export" || command.action === "history" ? "data:read" : "schema:manage",
  );
  const audit = (action: string, target: string | null, details: Record<string, unknown> = {}) =>
    deps.audit.record(CLI_ACTOR, {
      projectId: project.id,
      action: `data.schema.${action}`,
      target: { kind: "data_model", id: target },
      data: details,
    });
  const warnings = (list: PlanWarning[]) => {
    for (const w of list) out(`warning ${w.code}: ${deps.catalog.format(w.code, "en", w as unknown as Record<string, unknown>)}\n`);
  };

  switch (command.action) {
    case "export": {
      const state = await data.schema.get(project.id);
      await audit("read", String(state.version));
      out(`# apprun data model of project ${project.slug} (${project.id}) at version ${state.version}\n`);
      out(toYaml(state.schema, { lineWidth: 0 }));
      return;
    }
    case "history": {
      const versions = await data.schema.history(project.id, { limit: 500 });
      await audit("history", null);
      if (versions.length === 0) return out(`project ${project.slug} has no model versions yet\n`);
      out(`VERSION  KIND      BASE  STEPS  AUTHOR                    CREATED                   MESSAGE\n`);
      for (const v of versions) {
        out(
          `${String(v.version).padEnd(7)}  ${v.kind.padEnd(8)}  ${String(v.baseVersion).padEnd(4)}  ${String(v.stepCount).padEnd(5)}  ${v.author.padEnd(24)}  ${v.createdAt.padEnd(24)}  ${v.message ?? ""}\n`,
        );
      }
      return;
    }
    case "apply": {
      let text: string;
      try {
        text = fs.readFileSync(command.file, "utf8");
      } catch (err) {
        throw new AppError("model_file_unreadable", 400, {
          file: command.file,
          reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message,
        });
      }
      const schema = parseModelText(text);
      const { version } = await data.schema.get(project.id);
      if (command.dryRun) {
        const plan = await data.schema.preview(project.id, { baseVersion: version, schema: schema as never });
        await audit("preview", String(version), { steps: plan.steps.length, warnings: plan.warnings.map((w) => w.code), via: "cli" });
        out(
          `plan against version ${version} of ${project.slug}: ${plan.steps.length} step${plan.steps.length === 1 ? "" : "s"} (dry run, nothing applied)\n`,
        );
        for (const [i, step] of plan.steps.entries())
          out(`${i + 1}. ${step.description}\n${step.sql ? `   ${step.sql.replace(/\n/g, "\n   ")};\n` : ""}`);
        warnings(plan.warnings);
        return;
      }
      const applied = await data.schema.apply(
        project.id,
        { baseVersion: version, schema: schema as never, message: `apprun schema apply ${command.file}`.slice(0, 1000) },
        "cli",
      );
      await audit("apply", String(applied.version), {
        baseVersion: version,
        steps: applied.steps.length,
        warnings: applied.warnings.map((w) => w.code),
        via: "cli",
      });
      out(`applied version ${applied.version} to ${project.slug} (${applied.steps.length} step${applied.steps.length === 1 ? "" : "s"})\n`);
      warnings(applied.warnings);
      return;
    }
    case "rollback": {
      const { version } = await data.schema.get(project.id);
      const applied = await data.schema.rollback(project.id, { baseVersion: version, toVersion: command.to }, "cli");
      await audit("rollback", String(applied.version), {
        toVersion: command.to,
        steps: applied.steps.length,
        warnings: applied.warnings.map((w) => w.code),
        via: "cli",
      });
      out(
        `rolled ${project.slug} back to version ${command.to} as version ${applied.version} (${applied.steps.length} step${applied.steps.length === 1 ? "" : "s"})\n`,
      );
      warnings(applied.warnings);
      return;
    }
  }
}
