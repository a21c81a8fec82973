/**
 * Realtime fan-out: N concurrent WebSocket subscribers (default 5 000) on one apprun node (its own
 * process), all subscribed to one collection; one record change at a time is fanned out to all of
 * them (view rule checked per subscriber). Delivery latency = time a subscriber's socket delivers
 * the event frame − time the server started the write (same machine, same clock), so it includes
 * the write, the durable log append, the rule checks and the clients' own reading. The subscribers
 * are spread over `--clients` worker threads (default 2) so one client event loop is not the
 * bottleneck (`realtime-client.mjs`). Reports p50/p99/max over every delivery, and the server's RSS.
 *
 *   npm run bench:realtime [-- --subscribers 5000 --changes 20 --clients 2 --profile]
 */
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { Worker } from "node:worker_threads";
import fs from "node:fs";
import { argNumber, rssMiB, stop } from "./lib";

/** CPU time (user + system) the process has used, in ms: less noisy than latency on a shared VM. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const subscribers = argNumber("subscribers", 5000);
const changes = argNumber("changes", 20);
const clientThreads = argNumber("clients", 2);
const root = path.resolve(import.meta.dirname, "..");
// --profile writes the server's CPU profile to bench/.profiles/ (open it in Chrome DevTools).
const profile = process.argv.includes("--profile") ? ["--cpu-prof", `--cpu-prof-dir=${path.join(root, "bench", ".profiles")}`] : [];
const server = spawn(process.execPath, [...profile, "--import", "tsx", path.join(root, "bench", "realtime-server.ts")], {
  stdio: ["ignore", "pipe", "inherit"],
  cwd: root,
});
const ready = await new Promise<{ port: number; token: string }>((resolve, reject) => {
  readline.createInterface({ input: server.stdout! }).once("line", (line) => resolve(JSON.parse(line)));
  server.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
});
const url = `ws://127.0.0.1:${ready.port}/realtime`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const workers: Worker[] = [];

try {
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = rssMiB(server.pid!);
  const connectStart = performance.now();
  await Promise.all(
    Array.from({ length: clientThreads }, (_, i) => {
      const count = Math.floor(subscribers / clientThreads) + (i < subscribers % clientThreads ? 1 : 0);
      const w = new Worker(path.join(root, "bench", "realtime-client.mjs"), { workerData: { url, token: ready.token, count } });
      workers.push(w);
      return new Promise<void>((resolve, reject) => {
        w.once("message", () => resolve());
        w.once("error", reject);
      });
    }),
  );
  const connectMs = Math.round(performance.now() - connectStart);
  await new Promise((r) => setTimeout(r, 1000));
  const connectedRss = rssMiB(server.pid!);

  const collect = () =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise<number[]>((resolve) => {
            w.once("message", (m: { times: number[] }) => resolve(m.times));
            w.postMessage({ collect: true });
          }),
      ),
    ).then((lists) => lists.flat());

  const latencies: number[] = [];
  const perRound: number[] = [];
  /** Per change, on the server: the write until the hub's fan-out began, and the fan-out's wall time to its last socket write. */
  const fanouts: Array<{ start: number; ms: number }> = [];
  let cpuBefore = 0;
  for (let c = 0; c < changes + 2; c++) {
    if (c === 2) cpuBefore = cpuMs(server.pid!);
    const res = await fetch(`http://127.0.0.1:${ready.port}/bench/write`, { method: "POST" });
    const { sentAt } = (await res.json()) as { sentAt: number };
    // Wait until every subscriber has it (or 30 s), polling the threads' counts.
    const deadline = Date.now() + 30_000;
    let times: number[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      times = times.concat(await collect());
      if (times.length >= subscribers) break;
      if (Date.now() > deadline) throw new Error(`change ${c}: ${times.length}/${subscribers} delivered in 30 s`);
    }
    const ms = times.map((t) => t - sentAt).sort((a, b) => a - b);
    const fanout = (await (await fetch(`http://127.0.0.1:${ready.port}/bench/fanout`)).json()) as { startedAt: number; ms: number } | null;
    // The first two changes warm up (JIT, caches): not counted.
    if (c >= 2) {
      latencies.push(...ms);
      perRound.push(percentile(ms, 99));
      if (fanout) fanouts.push({ start: fanout.startedAt - sentAt, ms: fanout.ms });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Includes the write itself, the 100 ms polls' idle server and the pause: an upper bound per change.
  const cpuPerChange = (cpuMs(server.pid!) - cpuBefore) / changes;
  const fanoutRss = rssMiB(server.pid!);
  latencies.sort((a, b) => a - b);
  perRound.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);

  console.log(`\n| measure | value |`);
  console.log(`|---|---:|`);
  console.log(
    `| subscribers (WebSocket, one collection, view rule per subscriber) | ${subscribers} over ${clientThreads} client threads |`,
  );
  console.log(`| record changes fanned out (after 2 warm-up) | ${changes} (${latencies.length} deliveries) |`);
  console.log(`| delivery latency p50 | ${p50.toFixed(1)} ms |`);
  console.log(`| delivery latency p99 | ${p99.toFixed(1)} ms |`);
  console.log(`| delivery latency max | ${latencies.at(-1)!.toFixed(1)} ms |`);
  console.log(
    `| per-change p99: best / median / worst | ${perRound[0]!.toFixed(1)} / ${percentile(perRound, 50).toFixed(1)} / ${perRound.at(-1)!.toFixed(1)} ms |`,
  );
  console.log(`| server CPU per change (write + fan-out to all) | ${cpuPerChange.toFixed(0)} ms |`);
  if (fanouts.length) {
    const starts = fanouts.map((f) => f.start).sort((a, b) => a - b);
    const walls = fanouts.map((f) => f.ms).sort((a, b) => a - b);
    console.log(
      `| server: write → fan-out start, median / worst | ${percentile(starts, 50).toFixed(1)} / ${starts.at(-1)!.toFixed(1)} ms |`,
    );
    console.log(
      `| server: fan-out wall time to the last socket write, best / median / worst | ${walls[0]!.toFixed(1)} / ${percentile(walls, 50).toFixed(1)} / ${walls.at(-1)!.toFixed(1)} ms |`,
    );
  }
  console.log(`| connect + auth + subscribe, all | ${connectMs} ms |`);
  console.log(`| server RSS idle / ${subscribers} connected / after fan-out | ${idleRss} / ${connectedRss} / ${fanoutRss} MiB |`);
  console.log(`\np99 ${p99.toFixed(1)} ms (target < 100 ms) ${p99 < 100 ? "PASS" : "FAIL"}`);
  console.log(
    `(node ${process.version}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; clients and server on this machine)`,
  );
} finally {
  for (const w of workers) w.postMessage({ stop: true });
  await stop(server);
}
