import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DATABASE_KINDS, createTestDatabase, testPostgresUrl } from "./testing/databases";
import { startTestApp, type TestApp } from "./testing/app";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close().catch(() => {});
  current = undefined;
});

describe.each(DATABASE_KINDS)("graceful shutdown on %s", (kind) => {
  it("lets in-flight requests finish, then refuses new connections", async () => {
    let entered!: () => void;
    let release!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const released = new Promise<void>((r) => (release = r));
    current = await startTestApp(kind, {
      routes: ({ fastify }) =>
        fastify.get("/api/v1/test/slow", { config: { access: "public" } }, async () => {
          entered();
          await released;
          return { done: true };
        }),
    });
    const t = current;
    const inFlight = fetch(`${t.baseUrl}/api/v1/test/slow`);
    await inHandler;

    const closing = t.app.close();
    await sleep(100);
    await expect(fetch(`${t.baseUrl}/api/v1/ping`)).rejects.toThrow();
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    const start = Date.now();
    await closing;
    // Closes as soon as the last request is done, not at the timeout.
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it("bounds the wait: a request slower than shutdownTimeoutMs is cut off", async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    current = await startTestApp(kind, {
      config: { shutdownTimeoutMs: 300 },
      routes: ({ fastify }) =>
        fastify.get("/api/v1/test/hang", { config: { access: "public" } }, () => {
          entered();
          return new Promise(() => {});
        }),
    });
    const t = current;
    const hanging = fetch(`${t.baseUrl}/api/v1/test/hang`).then(
      () => "answered",
      () => "cut",
    );
    // Close only once the request is in flight (a fixed sleep raced it on a loaded machine).
    await inHandler;
    const start = Date.now();
    await t.app.close();
    const took = Date.now() - start;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(await hanging).toBe("cut");
  });
});

/** A TCP forwarder to PostgreSQL that can be started late, standing in for a database that comes up after apprun. */
function lateProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  return {
    listen: (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe("start-up while PostgreSQL is unreachable", () => {
  it("serves probes with /readyz 503, retries with backoff, and becomes ready when the database appears", async () => {
    const port = await freePort();
    const real = new URL(testPostgresUrl());
    const proxy = lateProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const db = await createTestDatabase("postgres");
    const viaProxy = new URL(db.url);
    viaProxy.port = String(port);
    try {
      current = await startTestApp("sqlite", { databaseUrl: viaProxy.toString(), noWait: true });
      const t = current;
      await sleep(300);

      const notReady = await fetch(`${t.baseUrl}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ status: "not_ready", phase: "starting", checks: { database: { ok: false } } });
      expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${t.baseUrl}/api/v1/ping`)).status).toBe(200);

      const trpc = await fetch(`${t.baseUrl}/trpc/system.info`);
      expect(trpc.status).toBe(503);
      expect(trpc.headers.get("retry-after")).toBe("2");
      expect(((await trpc.json()) as { error: { code: string } }).error.code).toBe("not_ready");

      await sleep(1500);
      const retries = t.logs.filter((l) => l.msg === "database unreachable, retrying");
      expect(retries.length).toBeGreaterThanOrEqual(2);
      expect(retries[1]!.retryInMs).toBeGreaterThan(retries[0]!.retryInMs as number);
      expect(JSON.stringify(retries[0])).not.toContain(real.password || "no-password-in-url");

      await proxy.listen(port);
      await t.app.ready;
      expect((await fetch(`${t.baseUrl}/readyz`)).status).toBe(200);
      expect((await fetch(`${t.baseUrl}/trpc/system.info`)).status).toBe(200);
    } finally {
      await current?.close().catch(() => {});
      current = undefined;
      await proxy.close();
      await db.drop();
    }
  });
});
