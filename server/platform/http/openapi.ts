import fastifySwagger from "@fastify/swagger";
import type { FastifyInstance, FastifySchema, RouteOptions } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import type { ZodType } from "zod";
import { invalidInput } from "../errors/normalize";
import type { RouteAccess, Scope } from "./access";

/** Who may call a route, in words, for its OpenAPI operation. */
export function describeAccess(access: RouteAccess | undefined): string {
  if (access === undefined) return "";
  if (access === "public") return "Public: no credential is read.";
  const scope = (s: true | Scope | undefined) =>
    s === undefined || s === true
      ? ""
      : typeof s === "string"
        ? ` with ${s}`
        : "allOf" in s
          ? ` with ${s.allOf.join(" and ")}`
          : ` with ${s.join(" or ")}`;
  const kinds = [
    access.anonymous ? "anonymous callers (the access rules decide)" : null,
    access.user ? "the project's app users (access token)" : null,
    access.apiKey ? `API keys of the project${scope(access.apiKey)}` : null,
    access.member ? `console members${scope(access.member)}` : null,
    access.instanceAdmin ? "instance administrators" : null,
  ].filter(Boolean);
  return `Who may call: ${kinds.join("; ")}.`;
}

function securityOf(access: RouteAccess | undefined): Array<Record<string, string[]>> | undefined {
  if (access === undefined || access === "public") return undefined;
  const security: Array<Record<string, string[]>> = [];
  if (access.user || access.apiKey) security.push({ bearer: [] });
  if (access.member || access.instanceAdmin) security.push({ session: [] });
  if (access.anonymous) security.push({});
  return security;
}

/** Not part of the management API document: the console, its tRPC API, and routes that say so. */
const undocumented = (route: RouteOptions, schema: FastifySchema & { hide?: boolean }) =>
  route.url.startsWith("/trpc") || route.url === "/*" || schema.hide === true;

/**
 * Route input validation with the modules' zod schemas (an invalid input answers 400
 * `invalid_input` in the shape services use), and one OpenAPI 3.1 document of the management API
 * generated from the route declarations at `/api/v1/openapi.json`. Register before any route.
 */
export function installOpenApi(host: FastifyInstance, deps: { publicUrl: string; version: string }): void {
  host.setValidatorCompiler(({ schema }) => (data) => {
    const result = (schema as ZodType).safeParse(data);
    return result.success ? { value: result.data } : { error: invalidInput(result.error) };
  });
  void host.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "apprun management and public API",
        version: deps.version,
        description:
          "Every route apprun serves under /api/v1 except each project's records API, which is described per project at " +
          "/api/v1/projects/{project}/openapi.json from its data model.",
      },
      servers: [{ url: deps.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "An app user's access token or an API key (ar_…) of the project" },
          session: {
            type: "apiKey",
            in: "cookie",
            name: "apprun_session",
            description: "A console session (writes need a same-origin Origin)",
          },
        },
      },
    },
    // Shared schemas the transform refers to (#/components/schemas/…) are collected here.
    transformObject: jsonSchemaTransformObject,
    transform: (document) => {
      const { schema, url, route } = document as unknown as {
        schema: FastifySchema & { hide?: boolean };
        url: string;
        route: RouteOptions;
      };
      if (undocumented(route, schema ?? {})) return { schema: { hide: true } as FastifySchema, url };
      const transformed = jsonSchemaTransform(document as never);
      const access = route.config?.access;
      const security = securityOf(access);
      return {
        url: transformed.url,
        schema: { ...transformed.schema, description: describeAccess(access), ...(security ? { security } : {}) } as FastifySchema,
      };
    },
  });
  host.get("/api/v1/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async (_req, reply) => {
    reply.header("cache-control", "public, max-age=60");
    return host.swagger();
  });
}
