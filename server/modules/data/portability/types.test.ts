import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { validateModel } from "../model/validate-model";
import { generateTypes } from "./types";
import { EVERY_TYPE_MODEL } from "./test-model";

const model = validateModel(EVERY_TYPE_MODEL);
const generated = generateTypes(model, { project: { id: "prj_abc", slug: "shop" }, modelVersion: 3, apprunVersion: "1.2.3" });

/** Compiles files (written to a scratch directory) with the TypeScript compiler API; returns the diagnostics as text. */
function compile(files: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-types-"));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      types: [],
    };
    const program = ts.createProgram(
      Object.keys(files).map((f) => path.join(dir, f)),
      options,
    );
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${path.basename(d.file?.fileName ?? "")}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("generated TypeScript types", { timeout: 60_000 }, () => {
  it("compile on their own under strict mode", () => {
    expect(compile({ "model.ts": generated })).toEqual([]);
  });

  it("accept records and inputs of the model and reject what it does not allow", () => {
    const good = `
import type { ThingsRecord, ThingsCreate, ThingsUpdate, ThingsField, ThingsRelation, PeopleRecord, Collections, RecordId } from "./model";
const person: PeopleRecord = { id: "p1", created: "2024-01-01T00:00:00.000Z", updated: "2024-01-01T00:00:00.000Z", name: "A", email: null, boss: null, friends: [], team: null };
const thing: ThingsRecord = {
  id: "t1", created: "x", updated: "x", label: null, must: "m", mail: null, link: null, count: 1, ratio: 0.5, price: "1.50", flag: true,
  doc: { a: [1, "b", null] }, at: null, day: "2024-01-01", uid: null, status: "live", labels: ["x", "z"], owner: person.id, crew: [], touched: null,
  expand: { owner: person, crew: [] },
};
const create: ThingsCreate = { must: "m" };
const createAll: ThingsCreate = { id: "mine", must: "m", status: "", labels: null, crew: ["t1"], owner: null, price: "3.14" };
const update: ThingsUpdate = { flag: false };
const field: ThingsField = "touched";
const relation: ThingsRelation = "crew";
const byName: Collections["teams"]["record"]["lead"] = null as RecordId<"people"> | null;
export { thing, create, createAll, update, field, relation, byName };
`;
    expect(compile({ "model.ts": generated, "use.ts": good })).toEqual([]);

    const bad: Array<[string, RegExp]> = [
      [`const c: ThingsCreate = {};`, /must/],
      [`const c: ThingsCreate = { must: "m", status: "archived" };`, /archived/],
      [`const c: ThingsCreate = { must: "m", count: "7" };`, /string.*number|not assignable/],
      [`const c: ThingsCreate = { must: "m", touched: "x" };`, /touched/],
      [`const c: ThingsCreate = { must: "m", flag: null };`, /null/],
      [`const c: ThingsUpdate = { ghost: 1 };`, /ghost/],
      [`const f: ThingsField = "ghost";`, /ghost/],
      [`const r: ThingsRelation = "must";`, /must/],
      [`const l: ThingsRecord["labels"] = ["w"];`, /"w"/],
    ];
    for (const [line, message] of bad) {
      const errors = compile({
        "model.ts": generated,
        "use.ts": `import type { ThingsCreate, ThingsUpdate, ThingsField, ThingsRelation, ThingsRecord } from "./model";\n${line}\nexport {};`,
      });
      expect(errors.join("\n"), line).toMatch(message);
    }
  });

  it("names the project and model version", () => {
    expect(generated).toMatch(/apprun gen types --project shop/);
    expect(generated).toMatch(/export const MODEL_VERSION = 3;/);
  });
});
