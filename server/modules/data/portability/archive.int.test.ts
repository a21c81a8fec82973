import crypto from "node:crypto";
import { PassThrough, Readable, Writable } from "node:stream";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../platform/errors/app-error";
import { admin, openDataTest, type DataTest } from "../test-support";
import { ARCHIVE_FORMAT_VERSION } from "./format";
import { EVERY_TYPE_MODEL, allRecords, fillEveryType } from "./test-model";

async function exportToBuffer(t: DataTest, project: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk as Buffer);
      done();
    },
  });
  await t.data.archive.exportProject(project, sink);
  return Buffer.concat(chunks);
}

function importBuffer(t: DataTest, project: string, archive: Buffer) {
  return t.data.archive.importProject(project, Readable.from([archive]), "tester");
}

async function failure(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err;
  }
  throw new Error("expected an AppError");
}

/** The archive's lines, decompressed. */
function linesOf(archive: Buffer): string[] {
  return zlib.gunzipSync(archive).toString("utf8").split("\n").filter(Boolean);
}

/** Re-packs edited lines with a correct trailer (checksum and counts), so only the edit is wrong. */
function repack(lines: string[], options: { fixTrailer?: boolean } = {}): Buffer {
  const body = lines
    .slice(0, -1)
    .map((l) => `${l}\n`)
    .join("");
  let trailer = lines[lines.length - 1]!;
  if (options.fixTrailer) {
    const t = JSON.parse(trailer);
    t.sha256 = crypto.createHash("sha256").update(body).digest("hex");
    t.lines = lines.length - 1;
    trailer = JSON.stringify(t);
  }
  return zlib.gzipSync(`${body}${trailer}\n`);
}

describe("archives between SQLite and PostgreSQL", () => {
  const dbs = {} as Record<"sqlite" | "postgres", DataTest>;
  const sources = {} as Record<"sqlite" | "postgres", { project: string; archive: Buffer; records: Record<string, unknown[]> }>;
  let tick = Date.UTC(2024, 0, 1);

  beforeAll(async () => {
    for (const kind of ["sqlite", "postgres"] as const) {
      dbs[kind] = await openDataTest(kind, { clock: () => (tick += 1234) });
      const project = dbs[kind].project();
      await dbs[kind].apply(project, EVERY_TYPE_MODEL);
      await fillEveryType(dbs[kind].data, project, kind === "sqlite" ? 1234 : 40);
      sources[kind] = { project, archive: await exportToBuffer(dbs[kind], project), records: await allRecords(dbs[kind].data, project) };
    }
  }, 120_000);
  afterAll(async () => {
    for (const t of Object.values(dbs)) await t?.close();
  });

  it.each([
    ["sqlite", "postgres"],
    ["postgres", "sqlite"],
    ["sqlite", "sqlite"],
  ] as const)(
    "exports from %s and imports into %s: every record, link and id is the same",
    async (from, to) => {
      const { archive, records } = sources[from];
      const target = dbs[to].project();
      const summary = await importBuffer(dbs[to], target, archive);
      expect(summary.records).toBe(Object.values(records).reduce((n, list) => n + list.length, 0));
      expect(summary.source.db).toBe(from);
      expect(summary.version).toBe(1);
      const restored = await allRecords(dbs[to].data, target);
      expect(Object.keys(restored).sort()).toEqual(["people", "teams", "things"]);
      for (const name of Object.keys(records)) expect(restored[name], name).toEqual(records[name]);
      // The model keeps its ids (so a later export names the same junctions) and its rules.
      const [a, b] = [await dbs[from].data.schema.get(sources[from].project), await dbs[to].data.schema.get(target)];
      expect(b.schema).toEqual(a.schema);
      // The restored project works: relations resolve, uniqueness holds, history says where it came from.
      const thing = (records.things as Array<{ id: string; owner: string }>)[1]!;
      const expanded = await dbs[to].data.records.get(target, "things", thing.id, admin, { expand: "owner.boss" });
      expect((expanded.expand as { owner: { id: string } }).owner.id).toBe(thing.owner);
      await expect(dbs[to].data.records.create(target, "teams", { title: "alpha" }, admin)).rejects.toMatchObject({
        code: "validation_failed",
      });
      expect((await dbs[to].data.schema.history(target))[0]!.message).toMatch(/^import of an archive of prj_/);
    },
    60_000,
  );

  it("writes a header, records in dependency order, links, junction rows and a trailer", () => {
    const lines = linesOf(sources.postgres.archive).map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      format: "apprun-archive",
      formatVersion: ARCHIVE_FORMAT_VERSION,
      source: { db: "postgres", project: sources.postgres.project },
      counts: { teams: 2, people: 7, things: 40 },
    });
    const kinds = lines.slice(1).map((l) => (l.t === "r" ? `r:${l.c}` : l.t));
    const order = kinds.filter((k, i) => k !== kinds[i - 1]);
    expect(order).toEqual(["r:teams", "r:people", "r:things", "l", "j", "end"]);
    // The self relation and the relation back to people (a cycle) are links; people.team is inline.
    expect(lines.find((l) => l.t === "r" && l.c === "people").d).not.toHaveProperty("boss");
    expect(lines.find((l) => l.t === "r" && l.c === "people").d).toHaveProperty("team");
    expect(
      lines
        .filter((l) => l.t === "l")
        .map((l) => l.c)
        .sort(),
    ).toEqual([...Array(7).fill("people"), "teams"]);
    expect(lines.at(-1)).toMatchObject({
      t: "end",
      counts: { people: { records: 7, links: 7 }, teams: { records: 2, links: 1 } },
      lines: lines.length - 1,
    });
  });

  describe.each(["sqlite", "postgres"] as const)("damaged archives into %s import nothing", (kind) => {
    const original = () => sources.sqlite.archive;
    const cases: Array<[string, () => Buffer, string]> = [
      ["not gzip at all", () => Buffer.from("hello, this is not an archive"), "archive_corrupt"],
      ["empty", () => Buffer.alloc(0), "archive_truncated"],
      ["truncated gzip (half the bytes)", () => original().subarray(0, Math.floor(original().length / 2)), "archive_truncated"],
      [
        "complete gzip without its trailer",
        () =>
          zlib.gzipSync(
            linesOf(original())
              .slice(0, -1)
              .map((l) => `${l}\n`)
              .join(""),
          ),
        "archive_truncated",
      ],
      [
        "a flipped byte in the compressed data",
        () => flip(original(), Math.floor(original().length / 3)),
        "archive_corrupt|archive_checksum_mismatch|archive_truncated|archive_invalid",
      ],
      [
        "a changed value with the old checksum",
        () => repack(linesOf(original()).map((l) => l.replace('"Person 1"', '"Person X"'))),
        "archive_checksum_mismatch",
      ],
      [
        "a dropped record line with the old checksum",
        () => repack(linesOf(original()).filter((_, i) => i !== 3)),
        "archive_checksum_mismatch|archive_invalid",
      ],
      [
        "format version 99",
        () =>
          repack(
            linesOf(original()).map((l, i) => (i === 0 ? l.replace(`"formatVersion":${ARCHIVE_FORMAT_VERSION}`, '"formatVersion":99') : l)),
          ),
        "archive_version_unsupported",
      ],
      ["a header that is not an apprun archive", () => zlib.gzipSync('{"hello":"world"}\n'), "archive_corrupt"],
      [
        "an integer field holding text",
        () =>
          repack(
            editRecord(original(), "things", 5, (d) => ({ ...d, count: "seven" })),
            { fixTrailer: true },
          ),
        "archive_invalid",
      ],
      [
        "a field the model does not have",
        () =>
          repack(
            editRecord(original(), "things", 5, (d) => ({ ...d, ghost: 1 })),
            { fixTrailer: true },
          ),
        "archive_invalid",
      ],
      [
        "a collection the model does not have",
        () =>
          repack(
            linesOf(original()).map((l, i) => (i === 12 ? l.replace('"c":"things"', '"c":"ghosts"') : l)),
            { fixTrailer: true },
          ),
        "archive_invalid",
      ],
      [
        "a relation to a record that does not exist",
        () =>
          repack(
            editRecord(original(), "things", 7, (d) => ({ ...d, owner: "nosuchperson1234" })),
            { fixTrailer: true },
          ),
        "archive_invalid",
      ],
      [
        "a duplicate record id",
        () => repack(duplicateRecord(original(), "things"), { fixTrailer: true }),
        "archive_invalid|archive_checksum_mismatch",
      ],
      [
        "a line that is not JSON",
        () =>
          repack(
            linesOf(original()).map((l, i) => (i === 4 ? l.slice(0, 20) : l)),
            { fixTrailer: true },
          ),
        "archive_corrupt",
      ],
      [
        "a model that does not validate",
        () =>
          repack(
            linesOf(original()).map((l, i) => (i === 0 ? l.replace('"type":"integer"', '"type":"integr"') : l)),
            { fixTrailer: true },
          ),
        "invalid_input|invalid_model",
      ],
    ];

    it.each(cases)(
      "%s",
      async (_name, make, codes) => {
        const t = dbs[kind];
        const target = t.project();
        const err = await failure(() => importBuffer(t, target, make()));
        expect(err.code).toMatch(new RegExp(`^(${codes})$`));
        expect(err.status).toBeGreaterThanOrEqual(400);
        expect(err.status).toBeLessThan(500);
        expect(await t.data.schema.get(target)).toMatchObject({ version: 0, schema: { collections: [] } });
        expect(await t.data.schema.history(target)).toEqual([]);
        // And the project is still empty, so a good archive goes in afterwards.
        expect((await importBuffer(t, target, sources.postgres.archive)).records).toBe(49);
      },
      30_000,
    );
  });

  it.each(["sqlite", "postgres"] as const)("refuses to import into a project that has collections or retained data (%s)", async (kind) => {
    const t = dbs[kind];
    const target = t.project();
    await t.apply(target, { collections: [{ name: "notes", fields: [{ name: "content", type: "text" }] }] });
    expect(await failure(() => importBuffer(t, target, sources.postgres.archive))).toMatchObject({
      code: "project_not_empty",
      status: 409,
      details: { collections: 1 },
    });
    // Dropping the collection keeps its data retained: still not empty.
    await t.apply(target, { collections: [] });
    expect(await failure(() => importBuffer(t, target, sources.postgres.archive))).toMatchObject({
      code: "project_not_empty",
      details: { collections: 0, retained: 1 },
    });
    expect((await t.data.schema.get(target)).version).toBe(2);
    await t.data.schema.purge(target);
    expect((await importBuffer(t, target, sources.postgres.archive)).version).toBe(3);
  });

  it("streams: a slow reader gets the archive piece by piece, with progress along the way", async () => {
    const t = dbs.sqlite;
    const through = new PassThrough({ highWaterMark: 1024 });
    const progress: Array<{ done: number; total: number }> = [];
    const done = t.data.archive.exportProject(sources.sqlite.project, through, { onProgress: (p) => void progress.push(p) });
    let received = 0;
    let reads = 0;
    for await (const chunk of through) {
      received += (chunk as Buffer).length;
      reads++;
      await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(received).toBeGreaterThan(10_000);
    expect(reads).toBeGreaterThan(3);
    expect(progress[0]).toEqual({ done: 0, total: 2 + 7 + 1234, collection: null });
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toMatchObject({ done: 1243, total: 1243 });

    // Import reports progress from the header's counts too.
    const seen: number[] = [];
    await t.data.archive.importProject(t.project(), Readable.from([sources.sqlite.archive]), "tester", {
      onProgress: (p) => void seen.push(p.done),
    });
    expect(seen[0]).toBe(0);
    expect(seen.length).toBeGreaterThan(3);
  });
});

function flip(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

function editRecord(
  archive: Buffer,
  collection: string,
  nth: number,
  edit: (d: Record<string, unknown>) => Record<string, unknown>,
): string[] {
  let seen = 0;
  return linesOf(archive).map((l) => {
    const v = JSON.parse(l);
    if (v.t !== "r" || v.c !== collection || seen++ !== nth) return l;
    return JSON.stringify({ ...v, d: edit(v.d) });
  });
}

function duplicateRecord(archive: Buffer, collection: string): string[] {
  const lines = linesOf(archive);
  const i = lines.findIndex((l) => l.includes(`"t":"r","c":"${collection}"`));
  const trailer = JSON.parse(lines.at(-1)!);
  trailer.counts[collection].records++;
  return [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1, -1), JSON.stringify(trailer)];
}
