/**
 * Data plane benchmark, one run against one `apprun start` (API only), each case printed as a
 * ratio to bare Fastify ping measured in the same run:
 *  - get by id, public view rule (target ≥ 0.5);
 *  - get by id, view rule `owner == auth.id`, with an app user's access token (≥ 0.4);
 *  - list 20 with a filter and a sort on indexed fields (≥ 0.25);
 *  - create, public create rule (≥ 0.15 on SQLite).
 * 100 000 records in the collection read and listed (written through the batch API), 100
 * connections, interleaved rounds, medians; absolute req/s, p50, p99 and the server's RSS.
 *
 *   npm run bench:data [-- --db postgres --records 100000 --duration 5 --rounds 3 --connections 100 --profile DIR --only TEXT]
 *
 * `--db postgres` uses a throwaway schema in the test database (TEST_DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test) and drops it, with the project's schema, at the end.
 */
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { argNumber, freePort, rssMiB, spawnNode, stop, waitForStatus, type LoadResult } from "./lib";

const duration = argNumber("duration", 5);
const rounds = argNumber("rounds", 3);
const connections = argNumber("connections", 100);
const recordCount = argNumber("records", 100_000);
const dbIndex = process.argv.indexOf("--db");
const dbKind = dbIndex > 0 ? process.argv[dbIndex + 1] : "sqlite";
if (dbKind !== "sqlite" && dbKind !== "postgres") throw new Error(`--db takes sqlite or postgres, not ${dbKind}`);
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin", "apprun.mjs");
const PASSWORD = "correct horse battery staple";
const CATEGORIES = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

const MODEL = {
  collections: [
    {
      name: "items",
      fields: [
        { name: "title", type: "text", max: 200 },
        { name: "category", type: "select", values: CATEGORIES },
        { name: "score", type: "integer" },
        { name: "owner", type: "text" },
      ],
      indexes: [{ fields: ["category", "score"] }],
      rules: { list: "", view: "", create: "" },
    },
    {
      name: "notes",
      fields: [
        { name: "text", type: "text" },
        { name: "owner", type: "text" },
      ],
      indexes: [{ fields: ["owner"] }],
      rules: { list: "owner == auth.id", view: "owner == auth.id", create: "body.owner == auth.id" },
    },
  ],
};

execFileSync(process.execPath, [bin, "--version"], { stdio: "ignore" });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-bench-data-"));
const pgUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const pgSchema = `bench_${crypto.randomBytes(5).toString("hex")}`;
let projectId: string | null = null;

async function withPg<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let databaseUrl = `sqlite:${path.join(dataDir, "apprun.db")}`;
if (dbKind === "postgres") {
  await withPg((c) => c.query(`create schema ${pgSchema}`));
  const url = new URL(pgUrl);
  url.searchParams.set("schema", pgSchema);
  databaseUrl = url.toString();
}

const barePort = await freePort();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const bare = spawnNode([path.join(root, "bench", "bare-fastify.mjs"), String(barePort)]);
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("APPRUN_"))),
  APPRUN_TRUST_PROXY: "true",
  APPRUN_LOG_LEVEL: "warn",
} as unknown as NodeJS.ProcessEnv;
// `--profile DIR` writes the server's CPU profile there (open it in Chrome's DevTools).
const profileIndex = process.argv.indexOf("--profile");
const profile = profileIndex > 0 ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(process.argv[profileIndex + 1]!)] : [];
const app = spawnNode(
  [
    ...profile,
    bin,
    "start",
    "--no-console",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--data-dir",
    dataDir,
    "--database-url",
    databaseUrl,
    "--public-url",
    base,
  ],
  env,
);

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

async function rest(method: string, pathname: string, body: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = { "content-type": "application/json", "x-forwarded-for": "10.9.9.9" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${pathname}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A process's CPU time so far (user + system), in microseconds, from /proc. */
function cpuMicrosOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

interface Case {
  name: string;
  pid: number;
  target?: number;
  /** Builds each request: autocannon's setupRequest. */
  request: () => { method: string; path: string; headers?: Record<string, string>; body?: string };
  port: number;
}

async function once(c: Case, seconds: number): Promise<LoadResult & { cpuMicros: number }> {
  const cpuBefore = cpuMicrosOf(c.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${c.port}`,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, ...c.request() }) as never }],
  });
  const cpuMicros = (cpuMicrosOf(c.pid) - cpuBefore) / Math.max(1, result.requests.total);
  return {
    name: c.name,
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    cpuMicros,
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

try {
  await waitForStatus(`${base}/readyz`);
  await waitForStatus(`http://127.0.0.1:${barePort}/api/v1/ping`);
  const { cookie } = await trpc("accounts.setup", { email: "bench@example.com", name: "Bench", password: PASSWORD });
  projectId = (await trpc("projects.create", { name: "Bench", slug: "bench" }, cookie)).data.id;
  await trpc("auth.settings.update", { project: "bench", accessTokenTtlSeconds: 86_400 }, cookie);
  const { data: key } = await trpc(
    "auth.apiKeys.create",
    { project: "bench", name: "bench", permissions: ["schema:manage", "data:read", "data:write"] },
    cookie,
  );
  await rest("POST", "/api/v1/admin/projects/bench/schema/apply", { baseVersion: 0, schema: MODEL }, key.secret);
  const user = await rest("POST", "/api/v1/projects/bench/auth/sign-up", { email: "user@example.com", password: PASSWORD });

  // Seed through the batch API (100 creates per transaction), a few batches at a time.
  // Scores are spread (few ties), as sort keys like times and amounts are.
  const seedStart = performance.now();
  const itemIds: string[] = [];
  let made = 0;
  async function seeder() {
    while (made < recordCount) {
      const n = Math.min(100, recordCount - made);
      made += n;
      const operations = Array.from({ length: n }, (_, i) => ({
        action: "create",
        collection: "items",
        data: {
          title: `item ${made - n + i}`,
          category: CATEGORIES[(made - n + i) % 10],
          score: ((made - n + i) * 7919) % 1_000_003,
          owner: "seed",
        },
      }));
      const { results } = await rest("POST", "/api/v1/projects/bench/collections/batch", { operations }, key.secret);
      if (itemIds.length < 5000) itemIds.push(...results.map((r: { id: string }) => r.id));
    }
  }
  await Promise.all([seeder(), seeder(), seeder(), seeder()]);
  const noteIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const operations = Array.from({ length: 100 }, (_, j) => ({
      action: "create",
      collection: "notes",
      data: { text: `note ${i * 100 + j}`, owner: user.user.id },
    }));
    noteIds.push(
      ...(await rest("POST", "/api/v1/projects/bench/collections/batch", { operations }, user.accessToken)).results.map(
        (r: { id: string }) => r.id,
      ),
    );
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(
    `seeded ${recordCount} items (+ ${noteIds.length} notes) through the batch API in ${seedSeconds.toFixed(1)} s (${Math.round(recordCount / seedSeconds)} records/s), ${dbKind}`,
  );

  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
  const listPath = `/api/v1/projects/bench/collections/items/records?filter=${encodeURIComponent('category == "c" && score >= 500000')}&sort=-score&perPage=20`;
  // Sanity: every case answers 200 with what it should before being measured.
  const sample = await rest("GET", listPath, undefined);
  if (sample.items.length !== 20 || sample.items.some((r: { category: string; score: number }) => r.category !== "c" || r.score < 500_000))
    throw new Error(`list answered ${JSON.stringify(sample).slice(0, 300)}`);
  await rest("GET", `/api/v1/projects/bench/collections/notes/records/${noteIds[0]}`, undefined, user.accessToken);

  let n = 0;
  const cases: Case[] = [
    { name: "bare Fastify GET /api/v1/ping", pid: bare.pid!, port: barePort, request: () => ({ method: "GET", path: "/api/v1/ping" }) },
    {
      name: "get by id, public rule",
      target: 0.5,
      pid: app.pid!,
      port,
      request: () => ({ method: "GET", path: `/api/v1/projects/bench/collections/items/records/${pick(itemIds)}` }),
    },
    {
      name: "get by id, rule on auth.id, with a token",
      target: 0.4,
      pid: app.pid!,
      port,
      request: () => ({
        method: "GET",
        path: `/api/v1/projects/bench/collections/notes/records/${pick(noteIds)}`,
        headers: { authorization: `Bearer ${user.accessToken}` },
      }),
    },
    {
      name: "list 20, filter + sort on indexed fields",
      target: 0.25,
      pid: app.pid!,
      port,
      request: () => ({ method: "GET", path: listPath }),
    },
    {
      name: "create",
      target: dbKind === "sqlite" ? 0.15 : undefined,
      pid: app.pid!,
      port,
      request: () => ({
        method: "POST",
        path: "/api/v1/projects/bench/collections/items/records",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: `bench ${++n}`, category: CATEGORIES[n % 10], score: (n * 7919) % 1_000_003, owner: "bench" }),
      }),
    },
  ];

  // `--only TEXT` measures the ping and the cases whose name contains TEXT (for profiling one path).
  const onlyIndex = process.argv.indexOf("--only");
  if (onlyIndex > 0) cases.splice(0, cases.length, ...cases.filter((c, i) => i === 0 || c.name.includes(process.argv[onlyIndex + 1]!)));
  for (const c of cases) await once(c, 2);
  const runs = new Map<string, Array<LoadResult & { cpuMicros: number }>>(cases.map((c) => [c.name, []]));
  let peakRss = 0;
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      runs.get(c.name)!.push(await once(c, duration));
      peakRss = Math.max(peakRss, rssMiB(app.pid!));
    }
  }
  const results = cases.map((c) => {
    const list = runs.get(c.name)!;
    return {
      case: c,
      requestsPerSec: median(list.map((r) => r.requestsPerSec)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      cpuMicros: median(list.map((r) => r.cpuMicros)),
      errors: list.reduce((s, r) => s + r.errors, 0),
      non2xx: list.reduce((s, r) => s + r.non2xx, 0),
    };
  });
  const ping = results[0]!;
  // Throughput swings with the VM's neighbours; server CPU per request much less, so both ratios are shown.
  console.log(
    `\n| case (${dbKind}) | req/s | p50 ms | p99 ms | server CPU µs/req | ratio to bare ping (req/s) | ratio (CPU) | target | errors | non-2xx |`,
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    const ratio = r.requestsPerSec / ping.requestsPerSec;
    const cpuRatio = ping.cpuMicros / r.cpuMicros;
    const target =
      r.case.target === undefined
        ? ""
        : `≥ ${r.case.target}: ${ratio >= r.case.target ? "PASS" : "FAIL"} (req/s), ${cpuRatio >= r.case.target ? "PASS" : "FAIL"} (CPU)`;
    console.log(
      `| ${r.case.name} | ${r.requestsPerSec} | ${r.p50} | ${r.p99} | ${r.cpuMicros.toFixed(1)} | ${ratio.toFixed(2)} | ${cpuRatio.toFixed(2)} | ${target} | ${r.errors} | ${r.non2xx} |`,
    );
  }
  console.log(`\nserver RSS: ${rssMiB(app.pid!)} MiB at the end, ${peakRss} MiB peak between runs`);
  console.log(
    `(medians of ${rounds} interleaved rounds, ${connections} connections, ${duration} s each after a 2 s warm-up; ${recordCount} items; node ${process.version}, ${os.cpus().length} cores, ${dbKind}; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")})`,
  );
} finally {
  await Promise.all([stop(app), stop(bare)]);
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (dbKind === "postgres") {
    await withPg(async (c) => {
      await c.query(`drop schema if exists ${pgSchema} cascade`);
      if (projectId && /^prj_[0-9a-z]+$/.test(projectId)) await c.query(`drop schema if exists ${projectId} cascade`);
    });
  }
}
