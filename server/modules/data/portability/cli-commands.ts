import fs from "node:fs";
import path from "node:path";
import { SYSTEM_ACTOR } from "../../../platform/auth/actor";
import { AppError } from "../../../platform/errors/app-error";
import type { ErrorCatalog } from "../../../platform/errors/catalog";
import type { ProjectsService } from "../../projects/service";
import type { DataService } from "../service";
import type { ArchiveProgress } from "./archive";
import { buildOpenApi } from "./openapi";
import { generateTypes } from "./types";

/**
 * The bodies of `apprun export`, `apprun import`, `apprun gen types|openapi`: they run in the
 * CLI process against the instance's database (like `admin create`), so they work with the
 * server stopped or running. Each returns the exit code; AppErrors are printed with their code
 * and English message and exit 2.
 */
export interface PortabilityCliContext {
  data: DataService;
  projects: ProjectsService;
  catalog: ErrorCatalog;
  publicUrl: string;
  apprunVersion: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export const PORTABILITY_HELP = `  apprun export --project P -o FILE
                                  write project P's model and records to a portable archive
  apprun import FILE --project P  restore an archive into P (a project without collections)
  apprun gen types --project P [-o FILE]
                                  TypeScript types for P's collections (stdout without -o)
  apprun gen openapi --project P [-o FILE]
                                  P's records API as an OpenAPI 3.1 document
`;

async function resolveProject(ctx: PortabilityCliContext, ref: string) {
  return (await ctx.projects.authorize(SYSTEM_ACTOR, ref, "project:read")).project;
}

/** A progress bar on a terminal (stderr), redrawn at most every 100 ms; nothing when piped. */
function progressBar(stream: NodeJS.WriteStream, verb: string) {
  if (!stream.isTTY) return { update: (_p: ArchiveProgress) => {}, done: () => {} };
  let last = 0;
  let shown = false;
  const draw = (p: ArchiveProgress) => {
    const ratio = p.total > 0 ? Math.min(p.done / p.total, 1) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    stream.write(
      `\r${verb} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${p.done}/${p.total}${p.collection ? `  ${p.collection}` : ""}\x1b[K`,
    );
    shown = true;
  };
  return {
    update(p: ArchiveProgress) {
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      draw(p);
    },
    done() {
      if (shown) stream.write("\n");
    },
  };
}

function fail(ctx: PortabilityCliContext, err: unknown): number {
  if (!(err instanceof AppError)) throw err;
  ctx.stderr.write(`apprun: ${err.code}: ${ctx.catalog.format(err.code, "en", err.details)}\n`);
  return 2;
}

export async function exportCommand(ctx: PortabilityCliContext, input: { project: string; output: string }): Promise<number> {
  const target = path.resolve(input.output);
  const partial = `${target}.partial`;
  const bar = progressBar(ctx.stderr, "exporting");
  try {
    const project = await resolveProject(ctx, input.project);
    const summary = await ctx.data.archive.exportProject(project.id, fs.createWriteStream(partial), { onProgress: bar.update });
    bar.done();
    fs.renameSync(partial, target);
    ctx.stdout.write(
      `exported ${summary.collections} collections, ${summary.records} records, ${summary.junctions} relation links of ${project.slug} to ${target}\n`,
    );
    return 0;
  } catch (err) {
    bar.done();
    fs.rmSync(partial, { force: true });
    return fail(ctx, err);
  }
}

export async function importCommand(ctx: PortabilityCliContext, input: { project: string; file: string }): Promise<number> {
  if (!fs.existsSync(input.file)) {
    ctx.stderr.write(`apprun: ${input.file} does not exist\n`);
    return 2;
  }
  const bar = progressBar(ctx.stderr, "importing");
  try {
    const project = await resolveProject(ctx, input.project);
    const summary = await ctx.data.archive.importProject(project.id, fs.createReadStream(input.file), "cli", { onProgress: bar.update });
    bar.done();
    ctx.stdout.write(
      `imported ${summary.collections} collections, ${summary.records} records, ${summary.junctions} relation links into ${project.slug} (model version ${summary.version}; from ${summary.source.project} on ${summary.source.db})\n`,
    );
    return 0;
  } catch (err) {
    bar.done();
    return fail(ctx, err);
  }
}

export async function genCommand(
  ctx: PortabilityCliContext,
  input: { what: "types" | "openapi"; project: string; output?: string },
): Promise<number> {
  try {
    const project = await resolveProject(ctx, input.project);
    const { version, schema } = await ctx.data.schema.get(project.id);
    const text =
      input.what === "types"
        ? generateTypes(schema, { project, modelVersion: version, apprunVersion: ctx.apprunVersion })
        : `${JSON.stringify(buildOpenApi(schema, { project, publicUrl: ctx.publicUrl, apprunVersion: ctx.apprunVersion, modelVersion: version }), null, 2)}\n`;
    if (!input.output) {
      ctx.stdout.write(text);
      return 0;
    }
    fs.writeFileSync(input.output, text);
    ctx.stdout.write(
      `wrote ${input.what === "types" ? "types" : "the OpenAPI document"} of ${project.slug} (model version ${version}) to ${path.resolve(input.output)}\n`,
    );
    return 0;
  } catch (err) {
    return fail(ctx, err);
  }
}
