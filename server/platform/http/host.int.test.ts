import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../errors/app-error";
import { DATABASE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/app";

describe.each(DATABASE_KINDS)("HTTP host on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, {
      config: { bodyLimit: 2048 },
      // Routes a module would add, to exercise the shared parsing, validation and error hooks.
      routes: ({ fastify }) => {
        fastify.post("/api/v1/test/echo", { config: { access: "public" } }, async (req) => ({
          received: z.object({ name: z.string().max(10) }).parse(req.body),
        }));
        fastify.get("/api/v1/test/conflict", { config: { access: "public" } }, async () => {
          throw new AppError("record_conflict", 409, { id: "r1" });
        });
        fastify.get("/api/v1/test/bug", { config: { access: "public" } }, async () => {
          throw new Error("password=hunter2 at db.internal:5432");
        });
        fastify.get("/api/v1/test/items/:id", { config: { access: "public" } }, async (req) => ({ id: (req.params as { id: string }).id }));
      },
    });
  });
  afterAll(() => t.close());

  const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${t.baseUrl}/api/v1/test/echo`, { method: "POST", body, headers });

  async function expectError(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string; details: object; requestId: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    expect(body.error.details).toEqual(expect.any(Object));
    return body.error;
  }

  it("serves ping, healthz and readyz", async () => {
    expect(await (await fetch(`${t.baseUrl}/api/v1/ping`)).json()).toEqual({ pong: true, auth: null });
    expect(await (await fetch(`${t.baseUrl}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${t.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true }, bus: { ok: true } } });
  });

  it("accepts valid JSON", async () => {
    const res = await post(JSON.stringify({ name: "ada" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: { name: "ada" } });
  });

  it("answers unknown routes with 404 in the error shape, in the caller's language", async () => {
    const en = await expectError(await fetch(`${t.baseUrl}/api/v1/nothing/here?x=1`), 404, "route_not_found");
    expect(en.message).toBe("No route matches GET /api/v1/nothing/here");
    const zh = await expectError(
      await fetch(`${t.baseUrl}/api/v1/nothing`, { headers: { "accept-language": "zh-CN,zh;q=0.9" } }),
      404,
      "route_not_found",
    );
    expect(zh.message).toBe("没有与 GET /api/v1/nothing 匹配的路由");
  });

  it("rejects malformed JSON with 400 invalid_json", async () => {
    await expectError(await post('{"name": "ada"'), 400, "invalid_json");
    await expectError(await post("not json at all"), 400, "invalid_json");
  });

  it("rejects an empty JSON body with 400", async () => {
    await expectError(await post(""), 400, "empty_json_body");
  });

  it("rejects a body over the limit with 413 and names the limit", async () => {
    const error = await expectError(await post(JSON.stringify({ name: "x".repeat(5000) })), 413, "payload_too_large");
    expect(error.details).toEqual({ limit: 2048 });
  });

  it("rejects other content types with 415", async () => {
    const error = await expectError(await post("<name>ada</name>", { "content-type": "application/xml" }), 415, "unsupported_media_type");
    expect(error.details).toEqual({ contentType: "application/xml" });
    await expectError(await post("name=ada", { "content-type": "text/plain" }), 415, "unsupported_media_type");
  });

  it("turns schema failures into 400 invalid_input naming the field", async () => {
    const error = await expectError(await post(JSON.stringify({ name: "much too long a name" })), 400, "invalid_input");
    expect(error.details).toMatchObject({ issues: [{ path: "name", code: "too_big" }] });
  });

  it("maps AppError to its status and code with details", async () => {
    const error = await expectError(await fetch(`${t.baseUrl}/api/v1/test/conflict`), 409, "record_conflict");
    expect(error.details).toEqual({ id: "r1" });
  });

  it("answers a bug with 500, the request id, and no internals; the stack goes to the log", async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/test/bug`, { headers: { "x-request-id": "trace-abc-123" } });
    const error = await expectError(res, 500, "internal_error");
    expect(error.requestId).toBe("trace-abc-123");
    expect(error.message).toContain("trace-abc-123");
    expect(JSON.stringify(error)).not.toMatch(/hunter2|db\.internal|Error:/);
    const logged = t.logs.find((l) => l.requestId === "trace-abc-123" && l.msg === "unhandled error");
    expect((logged?.err as { stack?: string })?.stack).toContain("password=hunter2");
  });

  it("honours a well-formed incoming x-request-id and replaces a malformed one", async () => {
    const kept = await fetch(`${t.baseUrl}/api/v1/ping`, { headers: { "x-request-id": "req-42" } });
    expect(kept.headers.get("x-request-id")).toBe("req-42");
    const replaced = await fetch(`${t.baseUrl}/api/v1/ping`, { headers: { "x-request-id": "bad id with spaces" } });
    const generated = replaced.headers.get("x-request-id")!;
    expect(generated).toMatch(/^[0-9a-z]{12}-[0-9a-z]+$/);
    const next = (await fetch(`${t.baseUrl}/api/v1/ping`)).headers.get("x-request-id")!;
    expect(next).not.toBe(generated);
    expect(next.split("-")[0]).toBe(generated.split("-")[0]);
  });

  it("logs one line per request with route template, status and duration", async () => {
    await fetch(`${t.baseUrl}/api/v1/test/items/secret-id-77`, { headers: { "x-request-id": "log-line-1" } });
    const lines = t.logs.filter((l) => l.requestId === "log-line-1");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "request",
      method: "GET",
      route: "/api/v1/test/items/:id",
      status: 200,
      durationMs: expect.any(Number),
    });
    expect(JSON.stringify(lines[0])).not.toContain("secret-id-77");
  });

  it("exports a request-duration histogram by route template, never by raw path", async () => {
    await fetch(`${t.baseUrl}/api/v1/test/items/raw-path-value-1`);
    await fetch(`${t.baseUrl}/api/v1/unknown-raw-path-2`);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toMatch(
      /apprun_http_request_duration_seconds_bucket\{route="\/api\/v1\/test\/items\/:id",method="GET",status_code="200",le="0\.005"\} \d+\n/,
    );
    expect(text).toMatch(
      /apprun_http_request_duration_seconds_bucket\{route="\/api\/v1\/test\/items\/:id",method="GET",status_code="200",le="\+Inf"\} [1-9]\d*\n/,
    );
    expect(text).toMatch(/apprun_http_request_duration_seconds_count\{route="unmatched",method="GET",status_code="404"\}/);
    expect(text).toMatch(/apprun_process_resident_memory_bytes \d+/);
    expect(text).not.toContain("raw-path-value-1");
    expect(text).not.toContain("unknown-raw-path-2");
  });

  it("refuses JSON nested deeper than the limit with 400 json_too_deep, for every route, and takes it at the limit", async () => {
    const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    const deep = await expectError(await post(`{"name":${nested(900)}}`), 400, "json_too_deep");
    expect(deep.details).toEqual({ limit: 100 });
    // At the limit it parses (and the route's own validation answers).
    await expectError(await post(`{"name":${nested(99)}}`), 400, "invalid_input");
    // Brackets inside strings are text, not nesting (escaped quotes included).
    expect((await post(JSON.stringify({ name: "[[[[[[[[[[" }))).status).toBe(200);
    expect((await post(JSON.stringify({ name: 'x"[', note: '\\"' + "[".repeat(500) }))).status).toBe(200);
    // The +json types (CloudEvents' structured mode) are JSON too, with the same checks.
    expect((await post(JSON.stringify({ name: "ada" }), { "content-type": "application/cloudevents+json" })).status).toBe(200);
    await expectError(await post(nested(200), { "content-type": "application/cloudevents-batch+json" }), 400, "json_too_deep");
  });

  it("answers a malformed or empty console API body with 400 invalid_json in the console API's error shape", async () => {
    for (const body of ["{", "", "[1,"]) {
      const res = await fetch(`${t.baseUrl}/trpc/accounts.signIn`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", origin: t.baseUrl },
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = (await res.json()) as { error: { data: { code: string; httpStatus: number; requestId: string } } };
      expect(answer.error.data).toMatchObject({ code: "invalid_json", httpStatus: 400, requestId: expect.any(String) });
    }
  });

  it("answers oversized headers with 431 in the error shape", async () => {
    const big = "x".repeat(20_000);
    const res = await fetch(`${t.baseUrl}/api/v1/ping`, { headers: { "x-a": big, "x-b": big, "x-c": big, "x-d": big, "x-e": big } });
    expect(res.status).toBe(431);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toMatchObject({
      code: "headers_too_large",
      message: "The request's headers are too large",
      requestId: expect.any(String),
    });
  });
});
