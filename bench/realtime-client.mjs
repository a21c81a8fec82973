// A client thread of bench/realtime.ts: opens its share of the subscribers (auth, subscribe), then
// for each change reports the time every socket delivered the event frame.
import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";

const now = () => performance.timeOrigin + performance.now();
const { url, token, count } = workerData;
let times = [];
let live = false;
const sockets = [];

async function connect() {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  sockets.push(ws);
  let step = 0;
  await new Promise((resolve, reject) => {
    ws.on("error", reject);
    ws.on("message", (data) => {
      if (live) {
        // Only the time: no parsing, so the client adds as little as it can.
        times.push(now());
        return;
      }
      const frame = JSON.parse(data.toString());
      if (frame.type === "error") return reject(new Error(frame.code));
      if (step === 0) ws.send(JSON.stringify({ type: "auth", project: "bench", token }));
      if (step === 1) ws.send(JSON.stringify({ type: "subscribe", channel: "collections/items" }));
      if (step === 2) resolve();
      step++;
    });
  });
}

for (let i = 0; i < count; i += 250) await Promise.all(Array.from({ length: Math.min(250, count - i) }, connect));
live = true;
parentPort.postMessage({ connected: count });
parentPort.on("message", (m) => {
  if (m.collect) {
    parentPort.postMessage({ times });
    times = [];
  }
  if (m.stop) {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
