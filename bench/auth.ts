/**
 * App-user auth benchmark, one run against one `apprun start` (API only, SQLite):
 *  - `GET /api/v1/ping` anonymous vs with `Authorization: Bearer <access token>` (the JWT is
 *    verified, then remembered until it expires) vs with an API key (a database lookup), 100
 *    connections, interleaved rounds; the JWT overhead target is ≤ 15 %;
 *  - sign-ins per second (`POST …/auth/sign-in`, right password) with the production scrypt cost,
 *    each from its own client address so the per-IP limit does not interfere.
 *
 *   npm run bench:auth [-- --duration 5 --rounds 5 --connections 100 --signin-seconds 10]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { PASSWORD_PARAMS } from "../server/platform/crypto/passwords";
import { argNumber, freePort, loadRounds, printTable, spawnNode, stop, waitForStatus, type LoadResult } from "./lib";

const duration = argNumber("duration", 5);
const rounds = argNumber("rounds", 5);
const connections = argNumber("connections", 100);
const signInSeconds = argNumber("signin-seconds", 10);
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin", "apprun.mjs");
const PASSWORD = "correct horse battery staple";

execFileSync(process.execPath, [bin, "--version"], { stdio: "ignore" });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-bench-auth-"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("APPRUN_"))), APPRUN_TRUST_PROXY: "true", APPRUN_LOG_LEVEL: "warn" } as unknown as NodeJS.ProcessEnv;
const app = spawnNode([bin, "start", "--no-console", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir, "--public-url", base], env);

/** The console's API, as the console calls it: tRPC over HTTP with the session cookie. */
async function trpc(procedure: string, input: unknown, cookie = ""): Promise<{ data: any; cookie: string }> {
  const res = await fetch(`${base}/trpc/${procedure}`, { method: "POST", headers: { "content-type": "application/json", origin: base, cookie }, body: JSON.stringify(input) });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (!res.ok) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
  return { data: body.result!.data, cookie: res.headers.getSetCookie()[0]?.split(";")[0] ?? cookie };
}

async function rest(pathname: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${pathname}`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": "10.9.9.9" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return res.json();
}

try {
  await waitForStatus(`${base}/readyz`);
  const { cookie } = await trpc("accounts.setup", { email: "bench@example.com", name: "Bench", password: PASSWORD });
  await trpc("projects.create", { name: "Bench", slug: "bench" }, cookie);
  await trpc("auth.settings.update", { project: "bench", accessTokenTtlSeconds: 86_400 }, cookie);
  const { data: key } = await trpc("auth.apiKeys.create", { project: "bench", name: "bench", permissions: ["users:read"] }, cookie);
  const session = await rest("/api/v1/projects/bench/auth/sign-up", { email: "user@example.com", password: PASSWORD });
  const check = await fetch(`${base}/api/v1/ping`, { headers: { authorization: `Bearer ${session.accessToken}` } }).then((r) => r.json());
  if (check.auth?.kind !== "user") throw new Error(`ping did not see the user: ${JSON.stringify(check)}`);

  const [anonymous, jwt, apiKey] = (await loadRounds(
    [
      { name: "GET /api/v1/ping anonymous", url: `${base}/api/v1/ping` },
      { name: "GET /api/v1/ping with an access token (JWT)", url: `${base}/api/v1/ping`, headers: { authorization: `Bearer ${session.accessToken}` } },
      { name: "GET /api/v1/ping with an API key", url: `${base}/api/v1/ping`, headers: { authorization: `Bearer ${key.secret}` } },
    ],
    { connections, duration, rounds },
  )) as [LoadResult, LoadResult, LoadResult];
  printTable([anonymous, jwt, apiKey], anonymous);
  const overhead = 1 - jwt.requestsPerSec / anonymous.requestsPerSec;
  console.log(`\nJWT-authenticated ping vs anonymous: ${(overhead * 100).toFixed(1)} % fewer requests/s (target ≤ 15 %) ${overhead <= 0.15 ? "PASS" : "FAIL"}`);

  // Sign-ins: a few connections (scrypt runs on libuv's 4 threads), every request from another address.
  let n = 0;
  const signIns = await autocannon({
    url: `${base}/api/v1/projects/bench/auth/sign-in`,
    connections: 8,
    duration: signInSeconds,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, "content-type": "application/json", "x-forwarded-for": `10.${(++n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` }, body: JSON.stringify({ email: "user@example.com", password: PASSWORD }) }),
      },
    ],
  });
  const ok = signIns["2xx"];
  console.log(`\nsign-ins: ${(ok / signInSeconds).toFixed(1)}/s succeeded (${signIns.non2xx} non-2xx, p50 ${signIns.latency.p50} ms, p99 ${signIns.latency.p99} ms, 8 connections, ${signInSeconds} s)`);
  console.log(`password hash: scrypt N=2^${PASSWORD_PARAMS.ln}, r=${PASSWORD_PARAMS.r}, p=${PASSWORD_PARAMS.p} (16 MiB per hash); each sign-in also writes a session and a refresh token and signs a JWT`);
  console.log(`(ping: medians of ${rounds} interleaved rounds, ${connections} connections, ${duration} s each after a 2 s warm-up; node ${process.version}, ${os.cpus().length} cores, SQLite)`);
} finally {
  await stop(app);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
