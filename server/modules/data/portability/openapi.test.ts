import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { validateModel } from "../model/validate-model";
import type { ModelDocument } from "../schema";
import { buildOpenApi, FILTER_SYNTAX, RECORD_API_ERROR_CODES, typeNames } from "./openapi";
import { EVERY_TYPE_MODEL } from "./test-model";

const model: ModelDocument = validateModel(EVERY_TYPE_MODEL);
const options = {
  project: { id: "prj_abc", slug: "shop", name: "Shop" },
  publicUrl: "https://api.example.com/",
  apprunVersion: "1.2.3",
  modelVersion: 4,
};

type Json = Record<string, any>;

/** Every `$ref` in a document, with where it was found. */
function refsOf(value: unknown, path = "#"): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsOf(v, `${path}/${i}`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) =>
      k === "$ref" && typeof v === "string" ? [[path, v] as [string, string]] : refsOf(v, `${path}/${k}`),
    );
  }
  return [];
}

function resolve(doc: Json, ref: string): unknown {
  expect(ref.startsWith("#/")).toBe(true);
  return ref
    .slice(2)
    .split("/")
    .reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Json)[key] : undefined), doc);
}

describe("the generated OpenAPI document", () => {
  const doc = buildOpenApi(model, options) as Json;

  it("is a valid OpenAPI 3.1 document (JSON schema of the specification)", async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("resolves every $ref", () => {
    const refs = refsOf(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const [where, ref] of refs) expect(resolve(doc, ref), `${where} → ${ref}`).toBeDefined();
  });

  it("has every collection's schemas and paths, the batch path and the server from publicUrl", () => {
    for (const c of ["People", "Teams", "Things"])
      for (const s of ["Record", "Create", "Update", "List"]) expect(doc.components.schemas).toHaveProperty(`${c}${s}`);
    for (const c of ["people", "teams", "things"]) {
      expect(Object.keys(doc.paths[`/collections/${c}/records`]).sort()).toEqual(["get", "post"]);
      expect(Object.keys(doc.paths[`/collections/${c}/records/{id}`]).sort()).toEqual(["delete", "get", "parameters", "patch"]);
    }
    expect(doc.paths["/batch"].post.requestBody.content["application/json"].schema.maxItems).toBe(100);
    expect(doc.servers).toEqual([{ url: "https://api.example.com/api/v1/projects/shop", description: expect.any(String) }]);
    expect(doc.info.version).toBe("4");
  });

  it("documents every list parameter, with the filter syntax and the perPage limit", () => {
    const params = doc.paths["/collections/things/records"].get.parameters.map((p: Json) => (resolve(doc, p.$ref) as Json).name);
    expect(params).toEqual(["filter", "sort", "page", "perPage", "count", "cursor", "fields", "expand"]);
    expect(doc.components.parameters.filter.description).toBe(FILTER_SYNTAX);
    expect(doc.components.parameters.perPage.schema.maximum).toBe(500);
  });

  it("types each field with its constraints; required lists follow the model", () => {
    const s = doc.components.schemas as Json;
    const things = s.ThingsRecord.properties;
    expect(things.label).toMatchObject({ type: ["string", "null"], minLength: 1, maxLength: 50, pattern: "^[a-z ]*$" });
    expect(things.must).toMatchObject({ type: "string" });
    expect(things.count).toMatchObject({ type: ["integer", "null"], minimum: 0, maximum: 1000 });
    expect(things.price).toMatchObject({ type: ["string", "null"], "x-apprun-type": "decimal" });
    expect(things.flag).toEqual({ type: "boolean" });
    expect(things.at).toMatchObject({ type: ["string", "null"], format: "date-time" });
    expect(things.day).toMatchObject({ format: "date" });
    expect(things.uid).toMatchObject({ format: "uuid" });
    expect(things.status).toMatchObject({ enum: ["draft", "live"] });
    expect(things.labels).toMatchObject({ type: ["array", "null"], items: { enum: ["x", "y", "z"] } });
    expect(things.owner).toMatchObject({ type: ["string", "null"], "x-apprun-relation": "people" });
    expect(things.crew).toMatchObject({ type: "array", "x-apprun-relation": "teams" });
    expect(things.touched).toMatchObject({ readOnly: true, format: "date-time" });
    expect(things.expand.properties.owner).toEqual({ anyOf: [{ $ref: "#/components/schemas/PeopleRecord" }, { type: "null" }] });
    expect(things.expand.properties.crew).toEqual({ type: "array", items: { $ref: "#/components/schemas/TeamsRecord" } });
    expect(s.ThingsRecord.required).toEqual(["id", "created", "updated", ...model.collections[2]!.fields.map((f) => f.name)]);
    // Create: required fields without a default; flag has a default, autodate is not writable.
    expect(s.ThingsCreate.required).toEqual(["must"]);
    expect(s.ThingsCreate.properties).not.toHaveProperty("touched");
    expect(s.ThingsCreate.properties.flag).toEqual({ type: "boolean", default: false });
    expect(s.PeopleCreate.required).toEqual(["name"]);
    expect(s.TeamsCreate.required).toEqual(["title"]);
    expect(s.ThingsUpdate).not.toHaveProperty("required");
    expect(s.ThingsUpdate.additionalProperties).toBe(false);
  });

  it("has the error shape with its stable codes, both security schemes, and anonymous access only where the rule is public", () => {
    const s = doc.components.schemas as Json;
    expect(s.Error.properties.error.required).toEqual(["code", "message", "details", "requestId"]);
    expect(s.ErrorCode.enum).toEqual([...RECORD_API_ERROR_CODES]);
    expect(s.FieldErrorCode.enum).toEqual(expect.arrayContaining(["required", "too_long", "not_unique", "invalid_relation"]));
    expect(Object.keys(doc.components.securitySchemes)).toEqual(["appUser", "apiKey"]);
    expect(doc.paths["/collections/people/records"].get.security).toContainEqual({});
    expect(doc.paths["/collections/people/records"].post.security).not.toContainEqual({});
    expect(doc.paths["/collections/things/records"].get.security).toEqual([{ appUser: [] }, { apiKey: [] }]);
    // Rule text never appears, only whether an operation is public.
    expect(JSON.stringify(doc)).not.toContain("auth.id != null");
  });

  it("stays valid for an empty model and keeps type names unique", async () => {
    const empty = buildOpenApi({ collections: [] }, options);
    expect((await new Validator().validate(empty)).valid).toBe(true);
    const clash = validateModel({
      collections: [
        { name: "x_1", fields: [] },
        { name: "x1", fields: [] },
      ],
    });
    expect([...typeNames(clash).values()]).toEqual(["X1", "X1_2"]);
    const clashDoc = buildOpenApi(clash, options) as Json;
    expect(Object.keys(clashDoc.components.schemas)).toEqual(expect.arrayContaining(["X1Record", "X1_2Record"]));
    expect((await new Validator().validate(clashDoc)).valid).toBe(true);
  });
});
