import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { actorLabel, type Actor } from "../../../platform/auth/actor";
import { actorOf, projectOf } from "../../../platform/http/access";
import { AppError } from "../../../platform/errors/app-error";
import type { AuditService } from "../../audit/service";
import type { DataService } from "../service";
import { buildOpenApi } from "./openapi";

export interface PortabilityRouteDeps {
  data: DataService;
  audit: AuditService;
  publicUrl: string;
  apprunVersion: string;
  /** Where uploaded archives are kept while they are imported. */
  spoolDir: string;
  /** Largest archive accepted by the import endpoint (bytes). */
  maxImportBytes?: number;
}

type P = { Params: { project: string } };

const ARCHIVE_TYPES = ["application/gzip", "application/x-gzip", "application/octet-stream"];
const DEFAULT_MAX_IMPORT = 16 * 1024 ** 3;

/** The model's document is for anyone holding a credential of the project: it shows the model, never rule text or data. */
const modelReaders = { config: { access: { user: true, apiKey: true, member: "project:read", hideProject: true } as const } };
/** Archives: a key or member holding both data:read and schema:manage; app users manage nothing (403 in their own project). */
const archivists = {
  config: {
    access: {
      user: true,
      apiKey: { allOf: ["data:read", "schema:manage"] },
      member: { allOf: ["data:read", "schema:manage"] },
      hideProject: true,
    } as const,
  },
};

/** The management actor of an archive route: app users get 403 (the hook already kept other projects' users out). */
function archivist(req: FastifyRequest): Actor {
  if (req.caller.kind === "user") throw new AppError("forbidden", 403, { permission: "data:read" });
  return actorOf(req);
}

/**
 * `GET /api/v1/projects/{project}/openapi.json`: the project's records API as OpenAPI 3.1, for
 * anyone with a credential of the project (a member's console session, any API key of the
 * project, an app user's token).
 * `GET|POST /api/v1/admin/projects/{project}/export|import`: archives, for a console session or an
 * API key holding both `data:read` and `schema:manage`.
 */
export function registerPortabilityRoutes(host: FastifyInstance, deps: PortabilityRouteDeps) {
  const { data } = deps;

  host.get<P>("/api/v1/projects/:project/openapi.json", { ...modelReaders, schema: { hide: true } }, async (req, reply) => {
    const project = projectOf(req);
    const { version, schema } = await data.schema.get(project.id);
    reply.header("cache-control", "private, no-cache");
    return buildOpenApi(schema, { project, publicUrl: deps.publicUrl, apprunVersion: deps.apprunVersion, modelVersion: version });
  });

  host.get<P>("/api/v1/admin/projects/:project/export", archivists, async (req, reply) => {
    const actor = archivist(req);
    const project = projectOf(req);
    await deps.audit.record(actor, { projectId: project.id, action: "data.export", target: { kind: "project", id: project.id }, data: {} });
    const body = new PassThrough();
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    reply.header("content-type", "application/gzip");
    reply.header("content-disposition", `attachment; filename="${project.slug}-${stamp}.apprun.gz"`);
    reply.header("cache-control", "no-store");
    // Headers are gone once bytes flow: a failure half-way cuts the download short, and an archive
    // without its trailer is refused by import.
    // A client that goes away must not leave the export (and its snapshot transaction) waiting for a drain.
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished) body.destroy(new Error("the client closed the download"));
    });
    data.archive.exportProject(project.id, body).catch((err) => {
      req.log.warn({ err, project: project.id }, "export ended before the archive was complete");
      body.destroy(err as Error);
    });
    return reply.send(body);
  });

  // The archive upload: its own scope, so the raw-stream body parser applies to this route only.
  void host.register(async (scope) => {
    scope.addContentTypeParser(ARCHIVE_TYPES, (_req, payload, done) => done(null, payload));
    scope.post<P>("/api/v1/admin/projects/:project/import", archivists, async (req) => {
      const actor = archivist(req);
      const project = projectOf(req);
      if (!(req.body instanceof Readable))
        throw new AppError("unsupported_media_type", 415, { contentType: String(req.headers["content-type"] ?? "none").slice(0, 100) });
      const file = await spool(req.body, deps.spoolDir, deps.maxImportBytes ?? DEFAULT_MAX_IMPORT);
      try {
        const summary = await data.archive.importProject(project.id, fs.createReadStream(file), actorLabel(actor));
        await deps.audit.record(actor, {
          projectId: project.id,
          action: "data.import",
          target: { kind: "project", id: project.id },
          data: { records: summary.records, source: summary.source },
        });
        return summary;
      } finally {
        fs.rmSync(file, { force: true });
      }
    });
  });
}

/**
 * Writes the upload to a file first: the import then reads at disk speed inside its transaction,
 * instead of holding the database while a slow client sends.
 */
async function spool(body: Readable, dir: string, max: number): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `import-${crypto.randomBytes(8).toString("hex")}.apprun.gz`);
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) return done(new AppError("payload_too_large", 413, { limit: max }));
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, fs.createWriteStream(file));
    return file;
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
}
