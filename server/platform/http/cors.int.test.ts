import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../testing/app";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";

const PASSWORD = "correct horse battery";
const APP = "https://app.example.com";

describe.each(DATABASE_KINDS)("CORS for browser apps, per project, on %s", (kind) => {
  let t: TestApp;
  let owner: ConsoleClient;

  beforeAll(async () => {
    t = await startTestApp(kind);
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
    await owner.trpc.projects.create.mutate({ name: "Shop", slug: "shop" });
    await owner.trpc.projects.create.mutate({ name: "Other", slug: "other" });
    const { id } = await owner.trpc.projects.get.query({ project: "shop" });
    await t.app.services.data.schema.apply(
      id,
      {
        baseVersion: 0,
        schema: { collections: [{ name: "posts", fields: [{ name: "title", type: "text" }], rules: { list: "", view: "" } }] },
      },
      "test",
    );
  });
  afterAll(() => t?.close());

  const preflight = (path: string, origin: string, method = "POST") =>
    fetch(`${t.baseUrl}${path}`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, content-type" },
    });

  it("has no allowed origin until the project names one; names are checked, normalized and audited", async () => {
    expect(await owner.trpc.projects.cors.query({ project: "shop" })).toEqual([]);
    expect((await preflight("/api/v1/projects/shop/collections/posts/records", APP)).status).toBe(403);
    expect(await failure(owner.trpc.projects.setCors.mutate({ project: "shop", origins: ["https://app.example.com/path"] }))).toMatchObject(
      {
        status: 400,
        code: "invalid_input",
      },
    );
    expect(await owner.trpc.projects.setCors.mutate({ project: "shop", origins: ["HTTPS://APP.example.com:443", APP] })).toEqual([APP]);
    const audit = await owner.trpc.projects.audit.query({ project: "shop", limit: 5 });
    expect(audit[0]).toMatchObject({ action: "project.cors.update", data: { before: [], after: [APP] } });
  });

  it("answers an allowed origin's preflight and responses with CORS headers, and nobody else's", async () => {
    const ok = await preflight("/api/v1/projects/shop/collections/posts/records", APP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(APP);
    expect(ok.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(ok.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();

    const list = await fetch(`${t.baseUrl}/api/v1/projects/shop/collections/posts/records`, { headers: { origin: APP } });
    expect(list.status).toBe(200);
    expect(list.headers.get("access-control-allow-origin")).toBe(APP);
    expect(list.headers.get("access-control-expose-headers")).toContain("x-request-id");
    // Errors carry the headers too, so the app can read them.
    const missing = await fetch(`${t.baseUrl}/api/v1/projects/shop/collections/nope/records`, { headers: { origin: APP } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(APP);

    const evil = await preflight("/api/v1/projects/shop/collections/posts/records", "https://evil.example");
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: { code: string } }).error.code).toBe("cors_origin_not_allowed");
    const evilGet = await fetch(`${t.baseUrl}/api/v1/projects/shop/collections/posts/records`, {
      headers: { origin: "https://evil.example" },
    });
    expect(evilGet.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps another project's API, the management API and the console API closed to that origin", async () => {
    expect((await preflight("/api/v1/projects/other/auth/sign-in", APP)).status).toBe(403);
    const other = await fetch(`${t.baseUrl}/api/v1/projects/other/auth/settings`, { headers: { origin: APP } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const admin = await fetch(`${t.baseUrl}/api/v1/admin/projects/shop/schema`, { headers: { origin: APP } });
    expect(admin.headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("/api/v1/admin/projects/shop/schema", APP)).headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight("/trpc/projects.list", APP, "GET")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("opens realtime's SSE transport to the origins of the project named in ?project=", async () => {
    const ok = await preflight("/realtime/sse/abc?project=shop", APP);
    expect(ok.status).toBe(204);
    expect((await preflight("/realtime/sse/abc?project=other", APP)).status).toBe(403);
  });

  it("takes '*' for any origin, without credentials", async () => {
    await owner.trpc.projects.setCors.mutate({ project: "other", origins: ["*"] });
    const any = await preflight("/api/v1/projects/other/auth/sign-in", "https://anything.example");
    expect(any.status).toBe(204);
    expect(any.headers.get("access-control-allow-origin")).toBe("*");
  });
});
