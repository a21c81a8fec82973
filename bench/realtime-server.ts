/**
 * The server side of `bench/realtime.ts`: one apprun node (API only, SQLite, embedded bus) with a
 * project, a collection whose view rule every subscriber passes (`owner == auth.id`, evaluated per
 * subscriber), one app user, and a route that writes one record stamped with the time of the write.
 * Prints `{ port, token }` as one JSON line when ready.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { createApp } from "../server/app";
import { configSchema } from "../server/platform/config/schema";
import { consoleClient } from "../server/testing/console-client";

const PASSWORD = "correct horse battery";
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-bench-rt-"));
const config = configSchema.parse({ port: Number(process.argv[2] ?? 0), host: "127.0.0.1", dataDir, console: false });
const app = await createApp({
  config,
  logger: pino({ level: "warn" }),
  masterKey: crypto.randomBytes(32),
  passwordParams: { ln: 10, r: 8, p: 1 },
});
let project = "";
let owner = "";
app.fastify.post("/bench/write", { config: { anonymous: true } }, async () => {
  const sentAt = performance.timeOrigin + performance.now();
  await app.services.data.records.create(project, "items", { label: "fan-out", owner, sent: sentAt }, { type: "admin", id: "bench" });
  return { sentAt };
});
// The hub's last fan-out (its start, wall time, connections): separates the server's part of the latency
// from the clients' and the scheduler's.
app.fastify.get("/bench/fanout", { config: { anonymous: true } }, async () => app.services.realtime.hub.stats.lastFanout);
const address = await app.listen();
await app.ready;
const base = `http://127.0.0.1:${address.port}`;
const console_ = consoleClient(base);
await console_.trpc.accounts.setup.mutate({ email: "owner@example.com", name: "Owner", password: PASSWORD });
project = (await console_.trpc.projects.create.mutate({ name: "Bench", slug: "bench" })).id;
await app.services.data.schema.apply(
  project,
  {
    baseVersion: 0,
    schema: {
      collections: [
        {
          name: "items",
          fields: [
            { name: "label", type: "text" },
            { name: "owner", type: "text" },
            { name: "sent", type: "number" },
          ],
          rules: { view: "owner == auth.id" },
        },
      ],
    },
  },
  "bench",
);
const signUp = await fetch(`${base}/api/v1/projects/bench/auth/sign-up`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: "user@example.com", password: PASSWORD }),
});
const user = (await signUp.json()) as { accessToken: string; user: { id: string } };
owner = user.user.id;
process.stdout.write(`${JSON.stringify({ port: address.port, token: user.accessToken })}\n`);

const shutdown = () =>
  void app.close().finally(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
