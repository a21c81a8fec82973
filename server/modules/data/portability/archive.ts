import crypto from "node:crypto";
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { DataTables } from "../tables";
import { readJson, readTime } from "../../../platform/db/dialect";
import { AppError } from "../../../platform/errors/app-error";
import { hasColumn, isToOneRelation } from "../model/normalize";
import { coerceStoredValue, coerceValue, fromDb, toDb } from "../records/codec";
import { buildRuntime, type CollectionRuntime, type ProjectRuntime } from "../runtime";
import type { Field, ModelDocument } from "../schema";
import type { SchemaService } from "../schema-service";
import { classifyDbError } from "../storage/sql-errors";
import { isRecordId, toProjectId, type AnyDatabase, type ProjectId } from "../types";
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  dependencyOrder,
  deferredRelations,
  headerSchema,
  lineSchema,
  type ArchiveHeader,
  type CollectionCounts,
} from "./format";

type Sql = RawBuilder<unknown>;

export interface ArchiveProgress {
  /** Records, links and junction rows written or read so far. */
  done: number;
  /** Records the archive holds (from the header), or the export counted at the start. */
  total: number;
  collection: string | null;
}

export interface ArchiveSummary {
  project: ProjectId;
  collections: number;
  records: number;
  links: number;
  junctions: number;
  counts: Record<string, CollectionCounts>;
}

export interface ImportSummary extends ArchiveSummary {
  /** The model version the import created. */
  version: number;
  source: ArchiveHeader["source"] & { apprunVersion: string; createdAt: string };
}

export interface ArchiveDeps {
  database: AnyDatabase;
  schema: SchemaService;
  version: () => string;
  clock?: () => number;
}

/** Rows read per query while exporting. */
const PAGE = 1000;
/** Longest line accepted while importing (a record with a 10 MB JSON field fits). */
const MAX_LINE_BYTES = 32 * 1024 * 1024;
/** How often (in lines) progress is reported. */
const PROGRESS_EVERY = 500;

/**
 * Export and import of a project's model and records as a portable archive (`format.ts`). Export
 * streams page by page (a snapshot on PostgreSQL: one repeatable-read transaction); import applies
 * the model and inserts everything in the model change's own transaction, and commits only after
 * the trailer's counts and checksum match, so a damaged archive leaves the project as it was.
 */
export function createArchiveService(deps: ArchiveDeps) {
  const { database } = deps;
  const clock = deps.clock ?? Date.now;

  /** Runs `work` on one consistent view of the data: a repeatable-read transaction on PostgreSQL. */
  function reading<T>(work: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
    const db = database.db as Kysely<unknown>;
    // SQLite has one connection for the whole app: holding a transaction would stall every other request.
    if (database.kind === "sqlite") return work(db);
    return db.transaction().setIsolationLevel("repeatable read").execute(work);
  }

  async function exportProject(
    projectId: string,
    out: Writable,
    options: { onProgress?: (p: ArchiveProgress) => void } = {},
  ): Promise<ArchiveSummary> {
    const project = toProjectId(projectId);
    const gzip = zlib.createGzip();
    const piped = pipeline(gzip, out);
    piped.catch(() => {});
    const hash = crypto.createHash("sha256");
    let lines = 0;
    async function write(value: unknown) {
      const line = `${JSON.stringify(value)}\n`;
      hash.update(line);
      lines++;
      if (!gzip.write(line)) await Promise.race([once(gzip, "drain"), piped]);
    }
    try {
      const summary = await reading(async (db) => {
        const row = await (db as unknown as Kysely<DataTables>)
          .selectFrom("apprun_data_project")
          .select(["version", "model"])
          .where("project_id", "=", project)
          .executeTakeFirst();
        const version = row?.version ?? 0;
        const model = row ? readJson<ModelDocument>(row.model) : { collections: [] };
        const rt = buildRuntime(database, project, version, model);
        const order = dependencyOrder(model);
        const deferred = deferredRelations(order);
        const counts: Record<string, CollectionCounts> = {};
        const expected: Record<string, number> = {};
        for (const c of order) {
          const r = await sql<{ n: number | string }>`select count(*) as n from ${rt.names.table(c.name)}`.execute(db);
          expected[c.name] = Number(r.rows[0]?.n ?? 0);
          counts[c.name] = { records: 0, links: 0, junctions: 0 };
        }
        const total = Object.values(expected).reduce((a, b) => a + b, 0);
        let done = 0;
        const progress = (collection: string | null) => options.onProgress?.({ done, total, collection });
        const header: ArchiveHeader = {
          format: ARCHIVE_FORMAT,
          formatVersion: ARCHIVE_FORMAT_VERSION,
          apprunVersion: deps.version(),
          createdAt: new Date(clock()).toISOString(),
          source: { db: database.kind, project, modelVersion: version },
          counts: expected,
          model,
        };
        await write(header);
        progress(null);

        for (const c of order) {
          const cr = rt.collection(c.name);
          const later = new Set((deferred.get(c.name) ?? []).map((f) => f.name));
          const columns = cr.columns.filter((f) => !later.has(f.name));
          await pages(db, rt, cr, columns, async (row) => {
            const d: Record<string, unknown> = { id: row.id, created: readTime(row.created), updated: readTime(row.updated) };
            for (const f of columns) d[f.name] = fromDb(f, row[f.name]);
            await write({ t: "r", c: c.name, d });
            counts[c.name]!.records++;
            if (++done % PROGRESS_EVERY === 0) progress(c.name);
          });
        }
        for (const [name, fields] of deferred) {
          const cr = rt.collection(name);
          await pages(db, rt, cr, fields, async (row) => {
            const d: Record<string, unknown> = {};
            for (const f of fields) if (row[f.name] !== null && row[f.name] !== undefined) d[f.name] = fromDb(f, row[f.name]);
            if (Object.keys(d).length === 0) return;
            await write({ t: "l", c: name, id: row.id, d });
            counts[name]!.links++;
          });
        }
        for (const c of order) {
          for (const f of rt.collection(c.name).toMany) {
            const table = rt.names.junction(c.name, f.name);
            let after: [string, string] | null = null;
            for (;;) {
              const cond: Sql = after ? sql`where (${sql.id("source_id")}, ${sql.id("target_id")}) > (${after[0]}, ${after[1]})` : sql``;
              const r: { rows: Array<{ source_id: string; target_id: string; position: number | string }> } = await sql<{
                source_id: string;
                target_id: string;
                position: number | string;
              }>`select ${sql.id("source_id")}, ${sql.id("target_id")}, ${sql.id("position")} from ${table} ${cond} order by ${sql.id("source_id")}, ${sql.id("target_id")} limit ${PAGE}`.execute(
                db,
              );
              for (const j of r.rows) {
                await write({ t: "j", c: c.name, f: f.name, s: j.source_id, to: j.target_id, p: Number(j.position) });
                counts[c.name]!.junctions++;
              }
              if (r.rows.length < PAGE) break;
              const last: { source_id: string; target_id: string } = r.rows[r.rows.length - 1]!;
              after = [last.source_id, last.target_id];
            }
          }
        }
        progress(null);
        return summaryOf(project, counts);
      });
      const trailer = { t: "end", counts: summary.counts, lines, sha256: hash.digest("hex") };
      gzip.end(`${JSON.stringify(trailer)}\n`);
      await piped;
      return summary;
    } catch (err) {
      // The reader sees a stream without a trailer: an incomplete archive, never a valid-looking one.
      gzip.destroy(err as Error);
      await piped.catch(() => {});
      throw err;
    }
  }

  /** Reads a collection's rows in id order, page by page, with the given columns. */
  async function pages(
    db: Kysely<unknown>,
    rt: ProjectRuntime,
    c: CollectionRuntime,
    columns: Field[],
    each: (row: Record<string, unknown>) => Promise<void>,
  ) {
    const cols: Sql[] = [sql.id("id"), sql.id("created"), sql.id("updated"), ...columns.map((f) => rt.names.columnName(c.name, f.name))];
    let after: string | null = null;
    for (;;) {
      const cond = after === null ? sql`` : sql`where ${sql.id("id")} > ${after}`;
      const r = await sql<
        Record<string, unknown>
      >`select ${sql.join(cols)} from ${rt.names.table(c.name)} ${cond} order by ${sql.id("id")} limit ${PAGE}`.execute(db);
      for (const row of r.rows) await each(row);
      if (r.rows.length < PAGE) return;
      after = r.rows[r.rows.length - 1]!.id as string;
    }
  }

  /**
   * Restores an archive into a project with no collections and no retained data (else 409
   * `project_not_empty`). Everything happens in one transaction that commits only when the archive
   * ended with a trailer whose counts and checksum match; any problem is a 4xx and nothing stays.
   */
  async function importProject(
    projectId: string,
    input: Readable,
    author: string,
    options: { onProgress?: (p: ArchiveProgress) => void } = {},
  ): Promise<ImportSummary> {
    const project = toProjectId(projectId);
    const lines = readLines(input);
    try {
      return await importLines(project, lines, author, options);
    } finally {
      await lines.return();
    }
  }

  async function importLines(
    project: ProjectId,
    lines: AsyncGenerator<string, void, undefined>,
    author: string,
    options: { onProgress?: (p: ArchiveProgress) => void },
  ): Promise<ImportSummary> {
    const hash = crypto.createHash("sha256");
    let lineNo = 0;
    const first = await lines.next();
    if (first.done) throw new AppError("archive_truncated", 400, { line: 0 });
    lineNo = 1;
    const header = parseHeader(first.value);
    hash.update(first.value);
    const total = Object.values(header.counts).reduce((a, b) => a + b, 0);
    let result: ArchiveSummary | undefined;

    const applied = await deps.schema.applyToEmpty(
      project,
      header.model,
      author,
      `import of an archive of ${header.source.project} (${header.source.db}, model version ${header.source.modelVersion})`,
      async (trx, _ns, model) => {
        const rt = buildRuntime(database, project, 0, model);
        const counts: Record<string, CollectionCounts> = Object.fromEntries(
          model.collections.map((c) => [c.name, { records: 0, links: 0, junctions: 0 }]),
        );
        const inserts = createInserter(trx, rt);
        let done = 0;
        let ended: { counts: Record<string, CollectionCounts>; lines: number; sha256: string } | null = null;
        options.onProgress?.({ done, total, collection: null });

        for (;;) {
          const next = await lines.next();
          if (next.done) break;
          lineNo++;
          if (ended) throw new AppError("archive_corrupt", 400, { line: lineNo, reason: "data_after_trailer" });
          const line = parseLine(next.value, lineNo);
          if (line.t === "end") {
            ended = line;
            continue;
          }
          hash.update(next.value);
          const cr = rt.collections.get(line.c);
          if (!cr)
            throw new AppError("archive_invalid", 400, { line: lineNo, collection: line.c.slice(0, 100), reason: "unknown_collection" });
          if (line.t === "r") {
            await inserts.record(cr, decodeRecord(cr, line.d, lineNo), lineNo);
            counts[cr.name]!.records++;
          } else if (line.t === "l") {
            await inserts.flush();
            await inserts.link(cr, line.id, decodeLink(cr, line.id, line.d, lineNo), lineNo);
            counts[cr.name]!.links++;
          } else {
            const f = cr.toMany.find((x) => x.name === line.f);
            if (!f)
              throw new AppError("archive_invalid", 400, {
                line: lineNo,
                collection: cr.name,
                field: line.f.slice(0, 100),
                reason: "unknown_field",
              });
            if (!isRecordId(line.s) || !isRecordId(line.to))
              throw new AppError("archive_invalid", 400, { line: lineNo, collection: cr.name, field: f.name, reason: "invalid_record_id" });
            await inserts.junction(cr, f, line.s, line.to, line.p, lineNo);
            counts[cr.name]!.junctions++;
          }
          if (++done % PROGRESS_EVERY === 0) options.onProgress?.({ done, total, collection: cr.name });
        }
        if (!ended) throw new AppError("archive_truncated", 400, { line: lineNo });
        await inserts.flush();
        const sha256 = hash.digest("hex");
        if (ended.sha256 !== sha256 || ended.lines !== lineNo - 1 || !sameCounts(ended.counts, counts)) {
          throw new AppError("archive_checksum_mismatch", 400, { lines: lineNo - 1 });
        }
        await checkReferences(trx, rt);
        options.onProgress?.({ done, total, collection: null });
        result = summaryOf(project, counts);
      },
    );
    return {
      ...result!,
      version: applied.version,
      source: { ...header.source, apprunVersion: header.apprunVersion, createdAt: header.createdAt },
    };
  }

  /** SQLite filled the tables with foreign keys off (inside the model change): check them before commit. */
  async function checkReferences(trx: Kysely<unknown>, rt: ProjectRuntime) {
    if (database.kind !== "sqlite") return;
    for (const c of rt.collections.values()) {
      const tables = [rt.ns.physicalTable(c.name), ...c.toMany.map((f) => rt.ns.physicalTable(`_rel_${f.id}`))];
      for (const t of tables) {
        const r = await sql`pragma foreign_key_check(${sql.id(t)})`.execute(trx);
        if (r.rows.length > 0) throw new AppError("archive_invalid", 400, { collection: c.name, reason: "invalid_references" });
      }
    }
  }

  return { exportProject, importProject };
}

export type ArchiveService = ReturnType<typeof createArchiveService>;

function summaryOf(project: ProjectId, counts: Record<string, CollectionCounts>): ArchiveSummary {
  const all = Object.values(counts);
  return {
    project,
    collections: all.length,
    records: all.reduce((a, c) => a + c.records, 0),
    links: all.reduce((a, c) => a + c.links, 0),
    junctions: all.reduce((a, c) => a + c.junctions, 0),
    counts,
  };
}

function sameCounts(a: Record<string, CollectionCounts>, b: Record<string, CollectionCounts>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (!x || !y || x.records !== y.records || x.links !== y.links || x.junctions !== y.junctions) return false;
  }
  return true;
}

function parseJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("archive_corrupt", 400, { line, reason: "not_json" });
  }
}

function parseHeader(text: string): ArchiveHeader {
  const value = parseJson(text, 1) as { format?: unknown; formatVersion?: unknown } | null;
  if (!value || typeof value !== "object" || value.format !== ARCHIVE_FORMAT)
    throw new AppError("archive_corrupt", 400, { line: 1, reason: "not_an_archive" });
  if (value.formatVersion !== ARCHIVE_FORMAT_VERSION)
    throw new AppError("archive_version_unsupported", 400, {
      version: String(value.formatVersion).slice(0, 20),
      supported: ARCHIVE_FORMAT_VERSION,
    });
  const parsed = headerSchema.safeParse(value);
  if (!parsed.success) throw new AppError("archive_corrupt", 400, { line: 1, reason: "invalid_header" });
  return parsed.data;
}

function parseLine(text: string, line: number) {
  const parsed = lineSchema.safeParse(parseJson(text, line));
  if (!parsed.success) throw new AppError("archive_corrupt", 400, { line, reason: "invalid_line" });
  return parsed.data;
}

function invalidValue(c: CollectionRuntime, field: string, line: number, reason: string): AppError {
  return new AppError("archive_invalid", 400, { line, collection: c.name, field: field.slice(0, 100), reason });
}

function checkTime(c: CollectionRuntime, name: string, value: unknown, line: number, nullable: boolean): string | null {
  if (value === null || value === undefined) {
    if (nullable) return null;
    throw invalidValue(c, name, line, "required");
  }
  const r = coerceValue({ id: name, name, type: "datetime", required: false, nullable: true, unique: false } as Field, value);
  if (!r.ok) throw invalidValue(c, name, line, r.issue.code);
  return r.value as string;
}

interface DecodedRecord {
  id: string;
  values: unknown[];
}

/** A record line's data as the row to insert: id, created, updated, then every column of the collection. */
function decodeRecord(c: CollectionRuntime, d: Record<string, unknown>, line: number): DecodedRecord {
  if (!isRecordId(d.id)) throw invalidValue(c, "id", line, "invalid_record_id");
  for (const key of Object.keys(d)) {
    if (key === "id" || key === "created" || key === "updated") continue;
    const f = c.index.fields.get(key);
    if (!f || !hasColumn(f)) throw invalidValue(c, key, line, "unknown_field");
  }
  const values: unknown[] = [d.id, checkTime(c, "created", d.created, line, false), checkTime(c, "updated", d.updated, line, false)];
  for (const f of c.columns) values.push(columnValue(c, f, d[f.name], line));
  return { id: d.id, values };
}

/**
 * A value as its field's type checks a stored one: types, yes; constraints, no. The source may
 * hold values from before a constraint was tightened (changes do not re-check existing rows), and
 * the archive must restore what the source had.
 */
function columnValue(c: CollectionRuntime, f: Field, value: unknown, line: number): unknown {
  if (value === null || value === undefined) return null;
  const r = coerceStoredValue(f, value);
  if (!r.ok) throw invalidValue(c, f.name, line, r.issue.code);
  return toDb(f, r.value);
}

function decodeLink(c: CollectionRuntime, id: string, d: Record<string, unknown>, line: number): Array<[Field, unknown]> {
  if (!isRecordId(id)) throw invalidValue(c, "id", line, "invalid_record_id");
  const out: Array<[Field, unknown]> = [];
  for (const [key, value] of Object.entries(d)) {
    const f = c.index.fields.get(key);
    if (!f || !isToOneRelation(f)) throw invalidValue(c, key, line, "unknown_field");
    if (typeof value !== "string" || !isRecordId(value)) throw invalidValue(c, key, line, "invalid_relation");
    out.push([f, value]);
  }
  return out;
}

/** Inserts in batches (many rows per statement), turning constraint violations into `archive_invalid`. */
function createInserter(trx: Kysely<unknown>, rt: ProjectRuntime) {
  let pending: { c: CollectionRuntime; rows: unknown[][]; firstLine: number } | null = null;
  let junctions: { c: CollectionRuntime; f: Field; rows: Sql[]; firstLine: number } | null = null;

  async function run(query: Sql, c: CollectionRuntime, line: number, field?: string) {
    try {
      await query.execute(trx);
    } catch (err) {
      const kind = classifyDbError(err).kind;
      const reason =
        kind === "unique"
          ? "duplicate_values"
          : kind === "foreign_key"
            ? "invalid_references"
            : kind === "not_null"
              ? "null_values"
              : kind === "conversion"
                ? "invalid_value"
                : null;
      if (!reason) throw err;
      throw new AppError("archive_invalid", 400, { line, collection: c.name, ...(field ? { field } : {}), reason });
    }
  }

  async function flushRecords() {
    if (!pending || pending.rows.length === 0) return;
    const { c, rows, firstLine } = pending;
    pending = null;
    const cols: Sql[] = [sql.id("id"), sql.id("created"), sql.id("updated"), ...c.columns.map((f) => rt.names.columnName(c.name, f.name))];
    await run(
      sql`insert into ${rt.names.table(c.name)} (${sql.join(cols)}) values ${sql.join(rows.map((r) => sql`(${sql.join(r)})`))}`,
      c,
      firstLine,
    );
  }

  async function flushJunctions() {
    if (!junctions || junctions.rows.length === 0) return;
    const { c, f, rows, firstLine } = junctions;
    junctions = null;
    await run(
      sql`insert into ${rt.names.junction(c.name, f.name)} (${sql.id("source_id")}, ${sql.id("target_id")}, ${sql.id("position")}) values ${sql.join(rows)}`,
      c,
      firstLine,
      f.name,
    );
  }

  return {
    async record(c: CollectionRuntime, r: DecodedRecord, line: number) {
      if (junctions) await flushJunctions();
      if (pending && pending.c !== c) await flushRecords();
      pending ??= { c, rows: [], firstLine: line };
      pending.rows.push(r.values);
      // Stay far below the bound-parameter limits (SQLite 32766, PostgreSQL 65535).
      if (pending.rows.length * r.values.length >= 8000 || pending.rows.length >= 500) await flushRecords();
    },
    async link(c: CollectionRuntime, id: string, values: Array<[Field, unknown]>, line: number) {
      if (values.length === 0) return;
      const sets = values.map(([f, v]) => sql`${rt.names.columnName(c.name, f.name)} = ${v}`);
      const r = await (async () => {
        try {
          return await sql`update ${rt.names.table(c.name)} set ${sql.join(sets)} where ${sql.id("id")} = ${id}`.execute(trx);
        } catch (err) {
          if (classifyDbError(err).kind === "other") throw err;
          throw new AppError("archive_invalid", 400, { line, collection: c.name, reason: "invalid_references" });
        }
      })();
      if (Number(r.numAffectedRows ?? 0n) !== 1)
        throw new AppError("archive_invalid", 400, { line, collection: c.name, reason: "unknown_record" });
    },
    async junction(c: CollectionRuntime, f: Field, source: string, target: string, position: number, line: number) {
      await flushRecords();
      if (junctions && (junctions.c !== c || junctions.f !== f)) await flushJunctions();
      junctions ??= { c, f, rows: [], firstLine: line };
      junctions.rows.push(sql`(${source}, ${target}, ${position})`);
      if (junctions.rows.length >= 1000) await flushJunctions();
    },
    async flush() {
      await flushRecords();
      await flushJunctions();
    },
  };
}

/**
 * The decompressed lines of an archive (each with its `\n`), read as the stream arrives. Damaged
 * compression is `archive_corrupt`; a stream that stops mid-way is `archive_truncated`.
 */
async function* readLines(input: Readable): AsyncGenerator<string, void, undefined> {
  const gunzip = zlib.createGunzip();
  input.on("error", (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  let parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1) break;
        parts.push(chunk.subarray(start, nl + 1));
        const line = Buffer.concat(parts).toString("utf8");
        parts = [];
        size = 0;
        start = nl + 1;
        yield line;
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        size += chunk.length - start;
        if (size > MAX_LINE_BYTES) throw new AppError("archive_corrupt", 400, { reason: "line_too_long", max: MAX_LINE_BYTES });
      }
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === "Z_BUF_ERROR") throw new AppError("archive_truncated", 400, { reason: "compressed_stream_ends_early" });
    if (typeof code === "string" && code.startsWith("Z_")) throw new AppError("archive_corrupt", 400, { reason: "not_gzip_or_damaged" });
    throw err;
  } finally {
    input.unpipe(gunzip);
    gunzip.destroy();
  }
  if (size > 0) throw new AppError("archive_truncated", 400, { reason: "last_line_incomplete" });
}
