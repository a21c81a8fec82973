import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import autocannon from "autocannon";

export interface LoadResult {
  name: string;
  requestsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export async function waitForStatus(url: string, status = 200, timeoutMs = 120_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    try {
      if ((await fetch(url)).status === status) return performance.now() - start;
    } catch {
      // not listening yet
    }
    if (performance.now() - start > timeoutMs) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024);
}

export function spawnNode(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, args, { stdio: "ignore", env });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await exited;
}

export interface LoadCase {
  name: string;
  url: string;
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  body?: string;
}

async function once(c: LoadCase, connections: number, duration: number): Promise<LoadResult> {
  const result = await autocannon({ url: c.url, method: c.method ?? "GET", headers: c.headers, body: c.body, connections, duration });
  return {
    name: c.name,
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs every case in interleaved rounds (A B C, A B C, …) after a warm-up of each, and reports
 * the median round per case: on a shared 2-core VM single runs swing by ±10 %, and interleaving
 * keeps a slow moment from landing on one case only.
 */
export async function loadRounds(
  cases: LoadCase[],
  options: { connections: number; duration: number; rounds: number },
): Promise<LoadResult[]> {
  for (const c of cases) await once(c, options.connections, 2);
  const runs = new Map<string, LoadResult[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const c of cases) runs.get(c.name)!.push(await once(c, options.connections, options.duration));
  }
  return cases.map((c) => {
    const results = runs.get(c.name)!;
    return {
      name: c.name,
      requestsPerSec: median(results.map((r) => r.requestsPerSec)),
      p50: median(results.map((r) => r.p50)),
      p99: median(results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    };
  });
}

export function printTable(rows: LoadResult[], baseline: LoadResult): void {
  console.log("\n| case | req/s | p50 ms | p99 ms | ratio to bare Fastify | errors | non-2xx |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.requestsPerSec} | ${r.p50} | ${r.p99} | ${(r.requestsPerSec / baseline.requestsPerSec).toFixed(2)} | ${r.errors} | ${r.non2xx} |`,
    );
  }
}

export function argNumber(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
