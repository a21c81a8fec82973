import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestApp } from "../../testing/app";
import { consoleClient, type ConsoleClient } from "../../testing/console-client";
import { restClient, type HttpAnswer } from "../auth/test-helpers";

export const PASSWORD = "correct horse battery";

/** An instance with an owner, a project and API keys of the given permissions, over real HTTP. */
export async function eventsProject(t: TestApp, slug = "shop") {
  const owner = consoleClient(t.baseUrl);
  await owner.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
  const project = await owner.trpc.projects.create.mutate({ name: "Shop", slug });
  const keys: Record<string, string> = {};
  for (const [name, permissions] of Object.entries({
    manage: ["events:manage", "events:read", "events:publish"],
    publisher: ["events:publish"],
    reader: ["events:read"],
    none: ["users:read"],
  })) {
    keys[name] = (await owner.trpc.auth.apiKeys.create.mutate({ project: slug, name, permissions: permissions as never })).secret;
  }
  const rest = restClient(t, `10.5.${crypto.randomInt(0, 255)}.${crypto.randomInt(1, 255)}`);
  const base = `/api/v1/projects/${slug}/events`;
  const as = (key: string) => ({
    get: <T = any>(path: string) => rest.call<T>("GET", `${base}${path}`, { token: key }),
    post: <T = any>(path: string, body: unknown = {}) => rest.call<T>("POST", `${base}${path}`, { token: key, body }),
    patch: <T = any>(path: string, body: unknown = {}) => rest.call<T>("PATCH", `${base}${path}`, { token: key, body }),
    delete: <T = any>(path: string) => rest.call<T>("DELETE", `${base}${path}`, { token: key }),
  });
  return { owner, project, keys, rest, base, as, manage: as(keys.manage!) };
}

export type EventsProject = Awaited<ReturnType<typeof eventsProject>>;
export type Caller = EventsProject["manage"];

export const errorOf = (res: HttpAnswer) => ({ status: res.status, code: (res.body as { error?: { code?: string } })?.error?.code });

/** A real HTTP endpoint that records what it receives and answers with the statuses it is told. */
export async function webhookReceiver(statuses: number[] = []) {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end("ok");
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Resolves when `count` requests have arrived (or rejects after `timeoutMs`). */
    async waitFor(count: number, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhook calls, got ${received.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Polls until `check` returns a truthy value. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type { ConsoleClient };
