/**
 * Foundation benchmark, one run:
 *  - bare Fastify vs `GET /api/v1/ping` through the full apprun process (console mounted), 100 connections;
 *  - time from `apprun start` to `/readyz` 200 with a built console;
 *  - idle RSS after start, and after the console's first page.
 *
 *   npm run bench:http [-- --duration 5 --rounds 5 --connections 100]
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { argNumber, freePort, loadRounds, printTable, rssMiB, spawnNode, stop, waitForStatus, type LoadResult } from "./lib";

const duration = argNumber("duration", 5);
const rounds = argNumber("rounds", 5);
const connections = argNumber("connections", 100);
const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin", "apprun.mjs");

// Build first (server bundle and console) so start-up time measures a start, not a build.
execFileSync(process.execPath, [bin, "build"], { stdio: "inherit" });
execFileSync(process.execPath, [bin, "--version"], { stdio: "ignore" });

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-bench-"));
const barePort = await freePort();
const appPort = await freePort();

const bare = spawnNode([path.join(root, "bench", "bare-fastify.mjs"), String(barePort)]);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("APPRUN_"))) as NodeJS.ProcessEnv;
const startedAt = performance.now();
const app = spawnNode([bin, "start", "--host", "127.0.0.1", "--port", String(appPort), "--data-dir", dataDir], env);

try {
  await waitForStatus(`http://127.0.0.1:${appPort}/readyz`);
  const startToReady = Math.round(performance.now() - startedAt);
  await waitForStatus(`http://127.0.0.1:${barePort}/api/v1/ping`);
  await new Promise((r) => setTimeout(r, 3000));
  const idleRss = rssMiB(app.pid!);

  const [baseline, apprun] = (await loadRounds(
    [
      { name: "bare Fastify GET /api/v1/ping", url: `http://127.0.0.1:${barePort}/api/v1/ping` },
      { name: "apprun GET /api/v1/ping", url: `http://127.0.0.1:${appPort}/api/v1/ping` },
    ],
    { connections, duration, rounds },
  )) as [LoadResult, LoadResult];
  const loadedRss = rssMiB(app.pid!);

  await fetch(`http://127.0.0.1:${appPort}/`).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 2000));
  const consoleRss = rssMiB(app.pid!);

  printTable([baseline, apprun], baseline);
  const ratio = apprun.requestsPerSec / baseline.requestsPerSec;
  console.log(`\nratio apprun/bare: ${ratio.toFixed(2)} (target ≥ 0.80) ${ratio >= 0.8 ? "PASS" : "FAIL"}`);
  console.log(`start → /readyz 200: ${startToReady} ms (target ≤ 2000 ms, console built) ${startToReady <= 2000 ? "PASS" : "FAIL"}`);
  console.log(`idle RSS after start: ${idleRss} MiB (target ≤ 160 MiB) ${idleRss <= 160 ? "PASS" : "FAIL"}`);
  console.log(`RSS after the console's first page: ${consoleRss} MiB; right after the load run: ${loadedRss} MiB`);
  console.log(
    `(medians of ${rounds} interleaved rounds, ${connections} connections, ${duration} s each after a 2 s warm-up; node ${process.version}, ${os.cpus().length} cores)`,
  );
} finally {
  await Promise.all([stop(app), stop(bare)]);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
