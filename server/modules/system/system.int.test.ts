import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/app";

describe.each(DATABASE_KINDS)("system over tRPC on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  it("system.info reports version, database kind and uptime", async () => {
    const res = await fetch(`${t.baseUrl}/trpc/system.info`);
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { data: Record<string, unknown> } };
    expect(result.data).toMatchObject({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      database: kind,
      bus: "embedded",
      uptimeSeconds: expect.any(Number),
    });
  });

  it("system.health mirrors /readyz without error texts", async () => {
    const res = await fetch(`${t.baseUrl}/trpc/system.health`);
    const { result } = (await res.json()) as { result: { data: Record<string, unknown> } };
    expect(result.data).toEqual({
      ready: true,
      phase: "ready",
      checks: { database: { ok: true, ms: expect.any(Number) }, bus: { ok: true, ms: expect.any(Number) } },
    });
  });

  it("batches queries as the console does", async () => {
    const res = await fetch(`${t.baseUrl}/trpc/system.info,system.health?batch=1&input=${encodeURIComponent("{}")}`);
    const body = (await res.json()) as Array<{ result: unknown }>;
    expect(body).toHaveLength(2);
  });

  it("answers an unknown procedure with 404 and a stable code, localized", async () => {
    const res = await fetch(`${t.baseUrl}/trpc/system.nothing`, { headers: { cookie: "apprun_locale=zh-CN" } });
    expect(res.status).toBe(404);
    const { error } = (await res.json()) as { error: { message: string; data: { code: string; requestId: string } } };
    expect(error.data.code).toBe("procedure_not_found");
    expect(error.message).toContain("system.nothing");
    expect(error.data.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("answers a mutation-style POST to a query with 405, not 500", async () => {
    const res = await fetch(`${t.baseUrl}/trpc/system.info`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(405);
    const { error } = (await res.json()) as { error: { data: { code: string } } };
    expect(error.data.code).toBe("method_not_allowed");
  });
});
