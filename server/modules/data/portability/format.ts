import { z } from "zod";
import { isToOneRelation } from "../model/normalize";
import type { Collection, Field, ModelDocument } from "../schema";

/**
 * The portable archive: a gzip'd stream of newline-delimited JSON, one object per line.
 *
 *   1. header   { format: "apprun-archive", formatVersion, apprunVersion, createdAt,
 *                 source: { db, project, modelVersion }, counts, model }
 *   2. records  { t: "r", c: collection, d: { id, created, updated, …fields } }  collections in
 *               dependency order (targets of to-one relations first), ids ascending
 *   3. links    { t: "l", c, id, d: { field: targetId } }  to-one relations that point to the same
 *               collection or to one later in the order (self relations, cycles): set after all
 *               records exist, so foreign keys hold at every step
 *   4. junction { t: "j", c, f, s: sourceId, to: targetId, p: position }  rows of to-many relations
 *   5. trailer  { t: "end", counts, lines, sha256 }  sha256 of every byte before the trailer line
 *
 * Values are in API form (what the REST API returns): datetimes ISO-8601 UTC, decimals as
 * canonical text, JSON as JSON, multi-selects as arrays.
 */
export const ARCHIVE_FORMAT = "apprun-archive";
export const ARCHIVE_FORMAT_VERSION = 1;

export interface CollectionCounts {
  records: number;
  links: number;
  junctions: number;
}

export const headerSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  formatVersion: z.number().int(),
  apprunVersion: z.string().max(100),
  createdAt: z.string().max(100),
  source: z.object({ db: z.enum(["sqlite", "postgres"]), project: z.string().max(100), modelVersion: z.number().int().min(0) }),
  /** Records per collection when the export started (for progress; the trailer has the exact counts). */
  counts: z.record(z.string(), z.number().int().min(0)),
  model: z.unknown(),
});
export type ArchiveHeader = z.infer<typeof headerSchema>;

const countsSchema = z.strictObject({
  records: z.number().int().min(0),
  links: z.number().int().min(0),
  junctions: z.number().int().min(0),
});

export const lineSchema = z.discriminatedUnion("t", [
  z.strictObject({ t: z.literal("r"), c: z.string().max(100), d: z.record(z.string().max(200), z.unknown()) }),
  z.strictObject({ t: z.literal("l"), c: z.string().max(100), id: z.string().max(100), d: z.record(z.string().max(200), z.unknown()) }),
  z.strictObject({
    t: z.literal("j"),
    c: z.string().max(100),
    f: z.string().max(100),
    s: z.string().max(100),
    to: z.string().max(100),
    p: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  }),
  z.strictObject({
    t: z.literal("end"),
    counts: z.record(z.string(), countsSchema),
    lines: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
]);
export type ArchiveLine = z.infer<typeof lineSchema>;

/**
 * Collections ordered so that the target of every to-one relation comes first where it can
 * (a topological order; self relations and cycles cannot, and are exported as links).
 */
export function dependencyOrder(model: ModelDocument): Collection[] {
  const byName = new Map(model.collections.map((c) => [c.name, c]));
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const order: Collection[] = [];
  const visit = (c: Collection) => {
    if (placed.has(c.name) || visiting.has(c.name)) return;
    visiting.add(c.name);
    for (const f of c.fields) if (isToOneRelation(f) && f.collection !== c.name) visit(byName.get(f.collection)!);
    visiting.delete(c.name);
    placed.add(c.name);
    order.push(c);
  };
  for (const c of model.collections) visit(c);
  return order;
}

/** The to-one relations of each collection whose target is not earlier in `order`: written as links. */
export function deferredRelations(order: Collection[]): Map<string, Field[]> {
  const position = new Map(order.map((c, i) => [c.name, i]));
  const out = new Map<string, Field[]>();
  for (const c of order) {
    const deferred = c.fields.filter((f) => isToOneRelation(f) && position.get(f.collection)! >= position.get(c.name)!);
    if (deferred.length) out.set(c.name, deferred);
  }
  return out;
}
