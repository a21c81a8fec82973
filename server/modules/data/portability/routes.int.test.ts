import crypto from "node:crypto";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../../testing/app";
import { consoleClient, type ConsoleClient } from "../../../testing/console-client";
import { DATABASE_KINDS } from "../../../testing/databases";
import { restClient } from "../../auth/test-helpers";
import { admin } from "../test-support";
import { EVERY_TYPE_MODEL, allRecords, fillEveryType } from "./test-model";

const PASSWORD = "correct horse battery";

type Json = Record<string, any>;

describe.each(DATABASE_KINDS)("OpenAPI, export and import over HTTP on %s", (kind) => {
  let t: TestApp;
  let owner: ConsoleClient;
  let viewer: ConsoleClient;
  const ids = {} as Record<"shop" | "other" | "empty" | "spare", string>;
  const keys = {} as Record<"shopAll" | "shopRead" | "emptyAll" | "otherAll", string>;
  let userToken: string;

  const session = (c: ConsoleClient) => ({ cookie: c.cookie() });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function request(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string) {
    return fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { "x-forwarded-for": "10.7.0.1", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : new Uint8Array(body),
    });
  }
  async function json(res: Response): Promise<Json> {
    return (await res.json()) as Json;
  }

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { trustProxy: true, publicUrl: "https://apprun.example.com" } });
    owner = consoleClient(t.baseUrl);
    await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
    await owner.trpc.instance.createAccount.mutate({ email: "viewer@example.com", name: "Viewer", password: PASSWORD });
    viewer = consoleClient(t.baseUrl);
    await viewer.trpc.accounts.signIn.mutate({ email: "viewer@example.com", password: PASSWORD });
    for (const slug of ["shop", "other", "empty", "spare"] as const)
      ids[slug] = (await owner.trpc.projects.create.mutate({ name: slug[0]!.toUpperCase() + slug.slice(1), slug })).id;
    await t.app.services.projects.join(ids.shop, (await t.app.services.accounts.findByEmail("viewer@example.com"))!.id, "viewer");

    const data = t.app.services.data;
    await data.schema.apply(ids.shop, { baseVersion: 0, schema: EVERY_TYPE_MODEL }, "tester");
    await fillEveryType(data, ids.shop, 25);

    const all = (await owner.trpc.projects.get.query({ project: "shop" })).permissions as never[];
    keys.shopAll = (await owner.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "all", permissions: all })).secret;
    keys.shopRead = (
      await owner.trpc.auth.apiKeys.create.mutate({ project: "shop", name: "read", permissions: ["data:read"] as never[] })
    ).secret;
    keys.emptyAll = (await owner.trpc.auth.apiKeys.create.mutate({ project: "empty", name: "all", permissions: all })).secret;
    keys.otherAll = (await owner.trpc.auth.apiKeys.create.mutate({ project: "other", name: "all", permissions: all })).secret;
    userToken = (
      await restClient(t, "10.7.0.2").post("/api/v1/projects/shop/auth/sign-up", { email: "someone@example.com", password: PASSWORD })
    ).body.accessToken;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe("GET /api/v1/projects/{project}/openapi.json", () => {
    it("answers a member's session, an API key and an app user of the project with the model's document", async () => {
      for (const headers of [session(owner), session(viewer), bearer(keys.shopRead), bearer(userToken)]) {
        const res = await request("GET", "/api/v1/projects/shop/openapi.json", headers);
        expect(res.status).toBe(200);
        const doc = await json(res);
        expect(doc.openapi).toBe("3.1.0");
        expect(doc.servers[0].url).toBe("https://apprun.example.com/api/v1/projects/shop");
        expect(Object.keys(doc.paths).sort()).toEqual(
          [
            "/batch",
            ...["people", "teams", "things"].flatMap((c) => [`/collections/${c}/records`, `/collections/${c}/records/{id}`]),
          ].sort(),
        );
        expect(doc.components.schemas.ThingsRecord.required).toContain("price");
        expect(doc.info.version).toBe("1");
      }
      // By id as well as by slug; an empty project has only the batch path.
      expect((await json(await request("GET", `/api/v1/projects/${ids.shop}/openapi.json`, session(owner)))).info.title).toMatch(/^Shop/);
      expect(Object.keys((await json(await request("GET", "/api/v1/projects/empty/openapi.json", bearer(keys.emptyAll)))).paths)).toEqual([
        "/batch",
      ]);
    });

    it("is 401 without credentials and 404 for other projects and unknown ones", async () => {
      const anon = await request("GET", "/api/v1/projects/shop/openapi.json");
      expect(anon.status).toBe(401);
      expect((await json(anon)).error.code).toBe("not_authenticated");
      for (const [path, headers] of [
        ["/api/v1/projects/shop/openapi.json", bearer(keys.otherAll)],
        ["/api/v1/projects/other/openapi.json", bearer(userToken)],
        ["/api/v1/projects/other/openapi.json", session(viewer)],
        ["/api/v1/projects/nope/openapi.json", session(owner)],
        ["/api/v1/projects/nope/openapi.json", bearer(keys.shopAll)],
      ] as const) {
        const res = await request("GET", path, headers);
        expect(res.status, `${path} ${Object.keys(headers)}`).toBe(404);
        expect((await json(res)).error.code).toBe("project_not_found");
      }
    });
  });

  describe("export and import", () => {
    let archive: Buffer;

    it("exports with a session, imports with an API key, and the copy has every record", async () => {
      const res = await request("GET", "/api/v1/admin/projects/shop/export", session(owner));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/gzip");
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="shop-\d{8}-\d{6}\.apprun\.gz"$/);
      archive = Buffer.from(await res.arrayBuffer());
      const lines = zlib.gunzipSync(archive).toString("utf8").trim().split("\n");
      expect(JSON.parse(lines[0]!)).toMatchObject({ format: "apprun-archive", source: { db: kind, project: ids.shop } });
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ t: "end" });

      const imported = await request(
        "POST",
        "/api/v1/admin/projects/empty/import",
        { ...bearer(keys.emptyAll), "content-type": "application/gzip" },
        archive,
      );
      expect(imported.status).toBe(200);
      const summary = await json(imported);
      expect(summary).toMatchObject({
        project: ids.empty,
        version: 1,
        collections: 3,
        records: 2 + 7 + 25,
        source: { db: kind, project: ids.shop },
      });
      expect(await allRecords(t.app.services.data, ids.empty)).toEqual(await allRecords(t.app.services.data, ids.shop));
      // The copy serves its own REST description at once, and both operations are in the audit log.
      expect((await request("GET", "/api/v1/projects/empty/openapi.json", bearer(keys.emptyAll))).status).toBe(200);
      const audit = await owner.trpc.projects.audit.query({ project: "empty" });
      expect(JSON.stringify(audit)).toContain("data.import");
    });

    it("refuses a project that is not empty (409) and a body that is not an archive (415)", async () => {
      const again = await request(
        "POST",
        "/api/v1/admin/projects/empty/import",
        { ...bearer(keys.emptyAll), "content-type": "application/octet-stream" },
        archive,
      );
      expect(again.status).toBe(409);
      expect((await json(again)).error).toMatchObject({ code: "project_not_empty", message: expect.stringMatching(/empty project/) });
      const asJson = await request(
        "POST",
        "/api/v1/admin/projects/spare/import",
        { ...session(owner), "content-type": "application/json" },
        "{}",
      );
      expect(asJson.status).toBe(415);
      expect((await json(asJson)).error.code).toBe("unsupported_media_type");
    });

    it("refuses an upload with a session from a page of another origin (403 csrf_rejected)", async () => {
      const res = await request(
        "POST",
        "/api/v1/admin/projects/spare/import",
        { ...session(owner), origin: "https://evil.example", "content-type": "application/gzip" },
        archive,
      );
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe("csrf_rejected");
      expect(await t.app.services.data.schema.get(ids.spare)).toMatchObject({ version: 0 });
    });

    it("answers a damaged upload with a 4xx in the caller's language and imports nothing", async () => {
      const cut = await request(
        "POST",
        "/api/v1/admin/projects/spare/import",
        { ...session(owner), "content-type": "application/gzip", "accept-language": "zh-CN" },
        archive.subarray(0, archive.length - 40),
      );
      expect(cut.status).toBe(400);
      const body = await json(cut);
      expect(body.error.code).toMatch(/^archive_(truncated|corrupt)$/);
      expect(body.error.message).toMatch(/未导入任何内容/);
      expect(body.error.requestId).toEqual(expect.any(String));
      expect(await t.app.services.data.schema.get(ids.spare)).toMatchObject({ version: 0, schema: { collections: [] } });
    });

    it("refuses a session's upload from a foreign origin (CSRF) and takes one from the console's origin", async () => {
      const foreign = await request(
        "POST",
        "/api/v1/admin/projects/spare/import",
        { ...session(owner), origin: "https://evil.example", "content-type": "application/gzip" },
        archive,
      );
      expect(foreign.status).toBe(403);
      expect((await json(foreign)).error.code).toBe("csrf_rejected");
      expect(await t.app.services.data.schema.get(ids.spare)).toMatchObject({ version: 0, schema: { collections: [] } });
      // A download is a navigation: it carries no Origin to check and changes nothing.
      expect(
        (await request("GET", "/api/v1/admin/projects/shop/export", { ...session(owner), origin: "https://evil.example" })).status,
      ).toBe(200);
      const own = await request(
        "POST",
        "/api/v1/admin/projects/spare/import",
        { ...session(owner), origin: "https://apprun.example.com", "content-type": "application/gzip" },
        archive,
      );
      expect(own.status).toBe(200);
      expect((await json(own)).records).toBe(2 + 7 + 25);
    });

    it.each([
      ["no credentials", () => ({}), 401, "not_authenticated"],
      ["a viewer's session", () => session(viewer), 403, "forbidden"],
      ["a key without schema:manage", () => bearer(keys.shopRead), 403, "forbidden"],
      ["an app user's token", () => bearer(userToken), 403, "forbidden"],
      ["another project's key", () => bearer(keys.otherAll), 404, "project_not_found"],
    ])("refuses %s (%i)", async (_name, headers, status, code) => {
      const exported = await request("GET", "/api/v1/admin/projects/shop/export", headers());
      expect(exported.status).toBe(status);
      expect((await json(exported)).error.code).toBe(code);
      const imported = await request(
        "POST",
        "/api/v1/admin/projects/shop/import",
        { ...headers(), "content-type": "application/gzip" },
        archive,
      );
      expect(imported.status).toBe(status);
      expect((await json(imported)).error.code).toBe(code);
    });

    it("stops exporting when the client goes away mid-download", async () => {
      const data = t.app.services.data;
      await data.schema.apply(
        ids.other,
        { baseVersion: 0, schema: { collections: [{ name: "blobs", fields: [{ name: "doc", type: "json" }] }] } },
        "tester",
      );
      // ~3 MB compressed: far more than socket buffers hold.
      for (let i = 0; i < 300; i++)
        await data.records.create(ids.other, "blobs", { doc: { noise: crypto.randomBytes(10_000).toString("base64") } }, admin);
      const controller = new AbortController();
      const res = await fetch(`${t.baseUrl}/api/v1/admin/projects/other/export`, {
        headers: { "x-forwarded-for": "10.7.0.1", ...bearer(keys.otherAll) },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      const deadline = Date.now() + 10_000;
      while (!t.logs.some((l) => l.msg === "export ended before the archive was complete") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(t.logs.some((l) => l.msg === "export ended before the archive was complete")).toBe(true);
      // The database is free for the next export (on PostgreSQL the snapshot transaction ended).
      const again = await request("GET", "/api/v1/admin/projects/other/export", bearer(keys.otherAll));
      expect(again.status).toBe(200);
      expect((await again.arrayBuffer()).byteLength).toBeGreaterThan(2_500_000);
    }, 60_000);

    it("hides other projects from a member: another project's export is 404", async () => {
      const res = await request("GET", "/api/v1/admin/projects/other/export", session(viewer));
      expect(res.status).toBe(404);
    });
  });
});
