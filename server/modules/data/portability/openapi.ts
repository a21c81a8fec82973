import { fieldKind } from "../fields/registry";
import { isRelation, isToManyRelation } from "../model/normalize";
import { hasComputedDefault } from "../records/codec";
import { MAX_BATCH, MAX_EXPAND_DEPTH, MAX_FILTER_BYTES, MAX_PER_PAGE, type Collection, type Field } from "../schema";
import type { ModelDocument } from "../schema";
import { type RECORD_OPERATIONS } from "../types";

/**
 * The OpenAPI 3.1 description of one project's records API, generated from its current model:
 * a record, create and update schema per collection, the list/get/create/update/delete paths
 * with every query parameter, batch, the error shape with its stable codes, and the two ways to
 * authenticate. It describes the model only: rules say whether an operation is public, never
 * their text.
 */

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  project: { id: string; slug: string; name: string };
  /** apprun's public address (config `publicUrl`). */
  publicUrl: string;
  apprunVersion: string;
  modelVersion: number;
}

/** Codes a records API call can answer with (the `error.code` of the error body). */
export const RECORD_API_ERROR_CODES = [
  "invalid_input",
  "validation_failed",
  "collection_not_found",
  "record_not_found",
  "access_denied",
  "unknown_field",
  "invalid_record_id",
  "invalid_expression",
  "type_mismatch",
  "unsupported_expression",
  "filter_too_long",
  "per_page_too_large",
  "expand_too_deep",
  "not_expandable",
  "not_sortable",
  "invalid_cursor",
  "cursor_with_page",
  "batch_too_large",
  "relation_restricted",
  "access_token_required",
  "access_token_invalid",
  "access_token_expired",
  "access_token_wrong_project",
  "api_key_invalid",
  "api_key_expired",
  "api_key_revoked",
  "project_not_found",
  "invalid_json",
  "payload_too_large",
  "unsupported_media_type",
  "not_ready",
  "internal_error",
] as const;

/** Per-field codes in `error.details.fields.<name>.code` of `validation_failed`. */
export const FIELD_ERROR_CODES = [
  "required",
  "null_not_allowed",
  "invalid_type",
  "too_short",
  "too_long",
  "too_small",
  "too_large",
  "too_few",
  "too_many",
  "pattern_mismatch",
  "invalid_email",
  "invalid_url",
  "invalid_uuid",
  "invalid_date",
  "invalid_datetime",
  "invalid_decimal",
  "too_many_decimals",
  "invalid_option",
  "invalid_relation",
  "not_unique",
  "json_too_large",
  "invalid_character",
  "read_only",
  "unknown",
] as const;

export const FILTER_SYNTAX = `A CEL expression (at most ${MAX_FILTER_BYTES} bytes) over the collection's fields:
- comparisons \`== != < <= > >=\`, logic \`&& || !\`, parentheses
- \`in\` for lists, multi-selects and to-many relation ids: \`"news" in tags\`, \`status in ["a", "b"]\`
- text: \`title.contains("x")\`, \`startsWith\`, \`endsWith\`, \`lowerAscii()\`
- null checks: \`author == null\`
- relation paths up to 3 hops: \`author.org.name == "acme"\`; on to-many relations \`tags.exists(t, t.name == "x")\`, \`all\`
- the caller: \`auth.id\`, \`auth.roles\`, \`auth.type\`
- time: \`@now @todayStart @todayEnd @monthStart @monthEnd @yearStart @yearEnd\`, \`timestamp("2024-01-01T00:00:00Z")\`, \`duration("1h30m")\`, arithmetic: \`created > @now - duration("24h")\`
Example: \`status == "published" && created >= @monthStart\``;

const RECORD_ID = "^[A-Za-z0-9_-]{1,64}$";

/** `blog_posts` → `BlogPosts`: schema and type names. */
export function pascalName(name: string): string {
  return name
    .split("_")
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");
}

/**
 * Type names of every collection, unique within the model (`x_1` and `x1` would both be `X1`: the
 * later one gets a suffix).
 */
export function typeNames(model: ModelDocument): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const c of model.collections) {
    let name = pascalName(c.name);
    for (let i = 2; used.has(name); i++) name = `${pascalName(c.name)}_${i}`;
    used.add(name);
    out.set(c.name, name);
  }
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function nullable(schema: Json, isNullable: boolean): Json {
  if (!isNullable) return schema;
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
  return { anyOf: [schema, { type: "null" }] };
}

/** The JSON schema of a field's value as the API reads and writes it (without null), as its type gives it. */
export function fieldValueSchema(f: Field): Json {
  return fieldKind(f).jsonSchema(f);
}

/** Whether a record as returned may hold null for the field (a to-many relation is `[]` instead). */
function readNullable(f: Field): boolean {
  return f.nullable && !isToManyRelation(f);
}

function staticDefault(f: Field): { default?: unknown } {
  const d = (f as { default?: unknown }).default;
  if (d === undefined || hasComputedDefault(f)) return {};
  return { default: d };
}

export function collectionSchemas(c: Collection, names: Map<string, string>): Record<string, Json> {
  const name = names.get(c.name)!;
  const record: Json = {
    type: "object",
    title: c.name,
    ...(c.description ? { description: c.description } : {}),
    properties: {
      id: { type: "string", pattern: RECORD_ID, readOnly: true },
      created: { type: "string", format: "date-time", readOnly: true },
      updated: { type: "string", format: "date-time", readOnly: true },
      ...Object.fromEntries(c.fields.map((f) => [f.name, nullable(fieldValueSchema(f), readNullable(f))])),
    },
    // Every field is present unless the request narrowed them with `fields`.
    required: ["id", "created", "updated", ...c.fields.map((f) => f.name)],
    additionalProperties: false,
  };
  const relations = c.fields.filter(isRelation);
  if (relations.length) {
    (record.properties as Json).expand = {
      type: "object",
      description: "Related records requested with `expand`, by relation field.",
      properties: Object.fromEntries(
        relations.map((f) => [
          f.name,
          f.multiple
            ? { type: "array", items: ref(`${names.get(f.collection)!}Record`) }
            : nullable(ref(`${names.get(f.collection)!}Record`), true),
        ]),
      ),
      additionalProperties: false,
    };
  }
  const writable = c.fields.filter((f) => !fieldKind(f).readOnly);
  const inputProps = Object.fromEntries(
    writable.map((f) => [f.name, { ...nullable(fieldValueSchema(f), readNullable(f)), ...staticDefault(f) }]),
  );
  const create: Json = {
    type: "object",
    title: `${c.name} (create)`,
    properties: {
      id: { type: "string", pattern: RECORD_ID, description: "Optional: the record's id (generated when absent)." },
      ...inputProps,
    },
    required: writable.filter((f) => f.required && (f as { default?: unknown }).default === undefined).map((f) => f.name),
    additionalProperties: false,
  };
  const update: Json = {
    type: "object",
    title: `${c.name} (update)`,
    description: "Only the fields given change (PATCH).",
    properties: inputProps,
    additionalProperties: false,
  };
  const list: Json = {
    type: "object",
    properties: {
      items: { type: "array", items: ref(`${name}Record`) },
      page: { type: "integer", minimum: 1 },
      perPage: { type: "integer", minimum: 1, maximum: MAX_PER_PAGE },
      hasMore: { type: "boolean" },
      nextCursor: { type: ["string", "null"], description: "Pass as `cursor` for the next page." },
      totalItems: { type: "integer", description: "Only with `count=true`." },
      totalPages: { type: "integer", description: "Only with `count=true`." },
    },
    required: ["items", "page", "perPage", "hasMore", "nextCursor"],
  };
  if (create.required && (create.required as string[]).length === 0) delete create.required;
  return { [`${name}Record`]: record, [`${name}Create`]: create, [`${name}Update`]: update, [`${name}List`]: list };
}

function errorResponses(...statuses: number[]): Json {
  const text: Record<number, string> = {
    400: "Bad input (see `error.code`)",
    401: "Missing or invalid credentials",
    403: "Not allowed by the collection's rule",
    404: "No such collection or record",
    409: "Conflict",
  };
  return Object.fromEntries(
    statuses.map((s) => [String(s), { description: text[s] ?? "Error", content: { "application/json": { schema: ref("Error") } } }]),
  );
}

function security(c: Collection, op: (typeof RECORD_OPERATIONS)[number]): Json[] {
  const base: Json[] = [{ appUser: [] }, { apiKey: [] }];
  return c.rules[op] !== null && c.rules[op]!.trim() === "" ? [...base, {}] : base;
}

function access(c: Collection, op: (typeof RECORD_OPERATIONS)[number]): string {
  const rule = c.rules[op];
  if (rule === null) return "Only API keys with the permission `records:" + c.name + ":" + op + "` (and project admins).";
  if (rule.trim() === "") return "Public: anyone, with or without credentials.";
  return "Allowed when the collection's access rule holds for the caller and the record.";
}

export function buildOpenApi(model: ModelDocument, options: OpenApiOptions): Json {
  const schemas: Record<string, Json> = {
    ErrorCode: {
      type: "string",
      enum: [...RECORD_API_ERROR_CODES],
      description: "Stable, translatable error codes. New codes may be added; treat unknown ones as generic errors of their HTTP status.",
    },
    FieldErrorCode: { type: "string", enum: [...FIELD_ERROR_CODES] },
    Error: {
      type: "object",
      properties: {
        error: {
          type: "object",
          properties: {
            code: ref("ErrorCode"),
            message: { type: "string", description: "In the caller's language (Accept-Language: en, zh-CN)." },
            details: {
              type: "object",
              description: "Values the message names; for `validation_failed`, `fields.<name>.code` per field.",
              properties: {
                fields: {
                  type: "object",
                  additionalProperties: { type: "object", properties: { code: ref("FieldErrorCode") }, required: ["code"] },
                },
              },
            },
            requestId: { type: "string" },
          },
          required: ["code", "message", "details", "requestId"],
        },
      },
      required: ["error"],
    },
  };
  const paths: Record<string, Json> = {};
  const names = model.collections.map((c) => c.name);
  const types = typeNames(model);

  for (const c of model.collections) {
    Object.assign(schemas, collectionSchemas(c, types));
    const name = types.get(c.name)!;
    const tag = c.name;
    const recordJson = { "application/json": { schema: ref(`${name}Record`) } };
    paths[`/collections/${c.name}/records`] = {
      get: {
        operationId: `list${name}`,
        tags: [tag],
        summary: `List ${c.name}`,
        description: access(c, "list"),
        security: security(c, "list"),
        parameters: ["filter", "sort", "page", "perPage", "count", "cursor", "fields", "expand"].map((p) => ({
          $ref: `#/components/parameters/${p}`,
        })),
        responses: {
          "200": { description: "A page of records", content: { "application/json": { schema: ref(`${name}List`) } } },
          ...errorResponses(400, 401, 403, 404),
        },
      },
      post: {
        operationId: `create${name}`,
        tags: [tag],
        summary: `Create a ${c.name} record`,
        description: access(c, "create"),
        security: security(c, "create"),
        parameters: [{ $ref: "#/components/parameters/fields" }, { $ref: "#/components/parameters/expand" }],
        requestBody: { required: true, content: { "application/json": { schema: ref(`${name}Create`) } } },
        responses: { "201": { description: "Created", content: recordJson }, ...errorResponses(400, 401, 403, 404) },
      },
    };
    paths[`/collections/${c.name}/records/{id}`] = {
      parameters: [{ $ref: "#/components/parameters/id" }],
      get: {
        operationId: `get${name}`,
        tags: [tag],
        summary: `Get a ${c.name} record`,
        description: access(c, "view"),
        security: security(c, "view"),
        parameters: [{ $ref: "#/components/parameters/fields" }, { $ref: "#/components/parameters/expand" }],
        responses: { "200": { description: "The record", content: recordJson }, ...errorResponses(400, 401, 403, 404) },
      },
      patch: {
        operationId: `update${name}`,
        tags: [tag],
        summary: `Update a ${c.name} record`,
        description: access(c, "update"),
        security: security(c, "update"),
        parameters: [{ $ref: "#/components/parameters/fields" }, { $ref: "#/components/parameters/expand" }],
        requestBody: { required: true, content: { "application/json": { schema: ref(`${name}Update`) } } },
        responses: { "200": { description: "The updated record", content: recordJson }, ...errorResponses(400, 401, 403, 404) },
      },
      delete: {
        operationId: `delete${name}`,
        tags: [tag],
        summary: `Delete a ${c.name} record`,
        description: access(c, "delete"),
        security: security(c, "delete"),
        responses: { "204": { description: "Deleted" }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    };
  }

  const collectionEnum = names.length ? { type: "string", enum: names } : { type: "string" };
  schemas.BatchOperation = {
    oneOf: [
      {
        type: "object",
        properties: { action: { const: "create" }, collection: collectionEnum, data: { type: "object" } },
        required: ["action", "collection", "data"],
        additionalProperties: false,
      },
      {
        type: "object",
        properties: {
          action: { const: "update" },
          collection: collectionEnum,
          id: { type: "string", pattern: RECORD_ID },
          data: { type: "object" },
        },
        required: ["action", "collection", "id", "data"],
        additionalProperties: false,
      },
      {
        type: "object",
        properties: { action: { const: "delete" }, collection: collectionEnum, id: { type: "string", pattern: RECORD_ID } },
        required: ["action", "collection", "id"],
        additionalProperties: false,
      },
    ],
    discriminator: { propertyName: "action" },
    description: "`data` is the collection's create or update body.",
  };
  schemas.BatchResult = {
    type: "object",
    properties: {
      action: { type: "string", enum: ["create", "update", "delete"] },
      collection: collectionEnum,
      id: { type: "string" },
      record: { type: "object", description: "The written record (create, update)." },
    },
    required: ["action", "collection", "id"],
  };
  paths["/batch"] = {
    post: {
      operationId: "batch",
      tags: ["batch"],
      summary: `Run up to ${MAX_BATCH} operations in one transaction`,
      description:
        "All or nothing: the first failing operation undoes the others; its index is in `error.details.operation`. Each operation is checked against its collection's rules.",
      security: [{ appUser: [] }, { apiKey: [] }, {}],
      requestBody: {
        required: true,
        content: { "application/json": { schema: { type: "array", minItems: 1, maxItems: MAX_BATCH, items: ref("BatchOperation") } } },
      },
      responses: {
        "200": {
          description: "The result of each operation, in order",
          content: { "application/json": { schema: { type: "array", items: ref("BatchResult") } } },
        },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
  };

  const csv = (description: string) => ({
    in: "query",
    required: false,
    style: "form",
    explode: false,
    schema: { type: "string" },
    description,
  });
  return {
    openapi: "3.1.0",
    info: {
      title: `${options.project.name} — apprun records API`,
      version: `${options.modelVersion}`,
      description: `Generated from model version ${options.modelVersion} of project ${options.project.slug} by apprun ${options.apprunVersion}. Errors share one shape (\`Error\`) with a stable \`code\`.`,
    },
    servers: [
      { url: `${options.publicUrl.replace(/\/+$/, "")}/api/v1/projects/${options.project.slug}`, description: "This project's API" },
    ],
    tags: [...names.map((n) => ({ name: n })), { name: "batch" }],
    paths,
    components: {
      schemas,
      parameters: {
        id: { name: "id", in: "path", required: true, schema: { type: "string", pattern: RECORD_ID } },
        filter: {
          name: "filter",
          in: "query",
          required: false,
          schema: { type: "string", maxLength: MAX_FILTER_BYTES },
          description: FILTER_SYNTAX,
        },
        sort: { name: "sort", ...csv("Comma-separated fields, `-` in front for descending: `-created,title`.") },
        page: { name: "page", in: "query", required: false, schema: { type: "integer", minimum: 1, default: 1 } },
        perPage: {
          name: "perPage",
          in: "query",
          required: false,
          schema: { type: "integer", minimum: 1, maximum: MAX_PER_PAGE, default: 30 },
        },
        count: {
          name: "count",
          in: "query",
          required: false,
          schema: { type: "boolean", default: false },
          description: "Also count all matching records (a second query; off by default).",
        },
        cursor: {
          name: "cursor",
          in: "query",
          required: false,
          schema: { type: "string", maxLength: 4096 },
          description: "`nextCursor` of the previous page (keyset pagination); not with `page`.",
        },
        fields: { name: "fields", ...csv("Comma-separated fields to return (`id` always comes).") },
        expand: {
          name: "expand",
          ...csv(
            `Comma-separated relation paths to expand, nested with dots up to ${MAX_EXPAND_DEPTH} levels: \`author,comments.author\`. Expanded records appear under \`expand\`.`,
          ),
        },
      },
      securitySchemes: {
        appUser: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "An app user's access token from `/api/v1/projects/{project}/auth/sign-in` (verify offline with the project's JWKS).",
        },
        apiKey: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "apprun API key",
          description:
            "A project API key (`ar_…`) sent as `Authorization: Bearer`. Bypasses a collection's rules where the key has `records:<collection>:<operation>`.",
        },
      },
    },
  };
}
