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
import { argNumber, freePort, spawnNode, stop, waitForStatus, type LoadCase } from "./lib";

interface Measured {
  name: string;
  requestsPerSec: number;
  p99: number;
  /** Server CPU (user + system) per completed request. */
  cpuMicros: number;
}

/** The server's CPU time so far, in microseconds (utime + stime from /proc). */
function cpuMicrosOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/**
 * Interleaved rounds (A B C, A B C…) after a warm-up, medians per case. Throughput on a shared
 * 2-core machine swings with its neighbours; CPU per request swings much less, so both are shown.
 */
async function measure(cases: LoadCase[], pid: number): Promise<Measured[]> {
  for (const c of cases) await autocannon({ url: c.url, headers: c.headers, connections, duration: 2 });
  const runs = new Map<string, Array<{ rps: number; p99: number; cpu: number }>>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const before = cpuMicrosOf(pid);
      const r = await autocannon({ url: c.url, headers: c.headers, connections, duration });
      const cpu = (cpuMicrosOf(pid) - before) / Math.max(1, r.requests.total);
      runs.get(c.name)!.push({ rps: Math.round(r.requests.average), p99: r.latency.p99, cpu });
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return cases.map((c) => {
    const list = runs.get(c.name)!;
    return {
      name: c.name,
      requestsPerSec: median(list.map((x) => x.rps)),
      p99: median(list.map((x) => x.p99)),
      cpuMicros: median(list.map((x) => x.cpu)),
    };
  });
}

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
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("APPRUN_"))),
  APPRUN_TRUST_PROXY: "true",
  APPRUN_LOG_LEVEL: "warn",
} as unknown as NodeJS.ProcessEnv;
const app = spawnNode(
  [bin, "start", "--no-console", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir, "--public-url", base],
  env,
);

/** The console's API, as the console calls it: tRPC over HTTP with the session cookie. */
async function trpc(procedure: string, input: unknown, cookie = ""): Promise<{ data: any; cookie: string }> {
  const res = await fetch(`${base}/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base, cookie },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (!res.ok) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
  return { data: body.result!.data, cookie: res.headers.getSetCookie()[0]?.split(";")[0] ?? cookie };
}

async function rest(pathname: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": "10.9.9.9" },
    body: JSON.stringify(body),
  });
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

  // Control: an anonymous request as large as the authenticated one (a header apprun ignores), to
  // tell the cost of carrying a token on the wire from the cost of checking it.
  const padding = "x".repeat(`Bearer ${session.accessToken}`.length);
  const cases: LoadCase[] = [
    { name: "GET /api/v1/ping anonymous", url: `${base}/api/v1/ping` },
    { name: "GET /api/v1/ping anonymous, same-size ignored header", url: `${base}/api/v1/ping`, headers: { "x-padding": padding } },
    {
      name: "GET /api/v1/ping with an access token (JWT)",
      url: `${base}/api/v1/ping`,
      headers: { authorization: `Bearer ${session.accessToken}` },
    },
    { name: "GET /api/v1/ping with an API key", url: `${base}/api/v1/ping`, headers: { authorization: `Bearer ${key.secret}` } },
  ];
  const results = await measure(cases, app.pid!);
  const [anonymous, padded, jwt] = results as [Measured, Measured, Measured];
  console.log("\n| case | req/s | p99 ms | server CPU µs/request | req/s vs anonymous | CPU vs anonymous |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.requestsPerSec} | ${r.p99} | ${r.cpuMicros.toFixed(1)} | ${(r.requestsPerSec / anonymous.requestsPerSec).toFixed(2)} | ${(r.cpuMicros / anonymous.cpuMicros).toFixed(2)} |`,
    );
  const byThroughput = 1 - jwt.requestsPerSec / anonymous.requestsPerSec;
  const byCpu = jwt.cpuMicros / anonymous.cpuMicros - 1;
  console.log(
    `\nJWT-authenticated ping vs anonymous: ${(byThroughput * 100).toFixed(1)} % fewer requests/s; ${(byCpu * 100).toFixed(1)} % more server CPU per request (target ≤ 15 %): ${byThroughput <= 0.15 ? "PASS" : "FAIL"} by throughput, ${byCpu <= 0.15 ? "PASS" : "FAIL"} by CPU`,
  );
  console.log(
    `the same-size ignored header alone: ${((1 - padded.requestsPerSec / anonymous.requestsPerSec) * 100).toFixed(1)} % fewer requests/s, ${((padded.cpuMicros / anonymous.cpuMicros - 1) * 100).toFixed(1)} % more CPU`,
  );

  // Sign-ins: a few connections (scrypt runs on libuv's 4 threads), every request from another address.
  let n = 0;
  const signIns = await autocannon({
    url: `${base}/api/v1/projects/bench/auth/sign-in`,
    connections: 8,
    duration: signInSeconds,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => ({
          ...req,
          headers: {
            ...req.headers,
            "content-type": "application/json",
            "x-forwarded-for": `10.${(++n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
          },
          body: JSON.stringify({ email: "user@example.com", password: PASSWORD }),
        }),
      },
    ],
  });
  const ok = signIns["2xx"];
  console.log(
    `\nsign-ins: ${(ok / signInSeconds).toFixed(1)}/s succeeded (${signIns.non2xx} non-2xx, p50 ${signIns.latency.p50} ms, p99 ${signIns.latency.p99} ms, 8 connections, ${signInSeconds} s)`,
  );
  console.log(
    `password hash: scrypt N=2^${PASSWORD_PARAMS.ln}, r=${PASSWORD_PARAMS.r}, p=${PASSWORD_PARAMS.p} (16 MiB per hash); each sign-in also writes a session and a refresh token and signs a JWT`,
  );
  console.log(
    `(ping: medians of ${rounds} interleaved rounds, ${connections} connections, ${duration} s each after a 2 s warm-up; server CPU from /proc/<pid>/stat; node ${process.version}, ${os.cpus().length} cores, SQLite; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")})`,
  );
} finally {
  await stop(app);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
