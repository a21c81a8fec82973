import crypto from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../testing/app";
import { deleteNatsStreams, testNatsUrl } from "../../testing/bus";
import { DATABASE_KINDS } from "../../testing/databases";
import { createCloudEvent } from "./cloudevents";

let current: TestApp | undefined;
let prefix: string | undefined;
afterEach(async () => {
  await current?.close();
  if (prefix) await deleteNatsStreams(prefix);
  current = prefix = undefined;
});

/** A route that drives the app's bus, so tests see what a module would (errors in the caller's language). */
function busRoute(app: TestApp["app"]) {
  app.fastify.post("/api/v1/test/bus/:stream", { config: { access: "public" } }, async (req) => {
    const { stream } = req.params as { stream: string };
    const event = createCloudEvent({ source: "/test", type: "test", projectid: "p1", data: req.body });
    return app.bus.append(stream, "test.event", event);
  });
}

describe.each(DATABASE_KINDS)("apprun's bus on %s", (kind) => {
  it("is the embedded driver by default, usable once the app is ready", async () => {
    current = await startTestApp(kind, { routes: busRoute });
    expect(current.app.bus.kind).toBe("embedded");
    await current.app.bus.ensureStream({ name: "appstream" });
    const res = await fetch(`${current.baseUrl}/api/v1/test/bus/appstream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(await res.json()).toEqual({ stream: "appstream", seq: 1, duplicate: false });
  });
});

describe("apprun with busUrl nats://", () => {
  it("uses JetStream, reports it in readiness and system.info, and translates bus errors", async () => {
    prefix = `t${crypto.randomBytes(5).toString("hex")}`;
    current = await startTestApp("sqlite", { config: { busUrl: `${testNatsUrl()}?prefix=${prefix}` }, routes: busRoute });
    const t = current;
    expect(t.app.bus.kind).toBe("nats");
    expect(await (await fetch(`${t.baseUrl}/readyz`)).json()).toMatchObject({ status: "ready", checks: { bus: { ok: true } } });
    const info = (await (await fetch(`${t.baseUrl}/trpc/system.info`)).json()) as { result: { data: Record<string, unknown> } };
    expect(info.result.data).toMatchObject({ bus: "nats" });

    await t.app.bus.ensureStream({ name: "appstream" });
    const ok = await fetch(`${t.baseUrl}/api/v1/test/bus/appstream`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(await ok.json()).toEqual({ stream: "appstream", seq: 1, duplicate: false });

    const missing = await fetch(`${t.baseUrl}/api/v1/test/bus/nostream`, {
      method: "POST",
      headers: { "content-type": "application/json", "accept-language": "zh-CN" },
      body: "{}",
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: unknown }).error).toMatchObject({
      code: "bus_stream_not_found",
      message: "不存在名为 nostream 的事件流",
      details: { stream: "nostream" },
    });
  });
});
