import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** The nats-server binary tests may start privately (for restarts); NATS_SERVER_BIN to change. */
export function natsServerBin(): string {
  return process.env.NATS_SERVER_BIN ?? "nats-server";
}

export interface PrivateNats {
  port: number;
  url: string;
  /** Starts (or restarts) the server on the same port and store; resolves when it accepts clients. */
  start(): Promise<void>;
  /** Stops the server process this test started, and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

/**
 * A nats-server with JetStream of a test's own, on a free port with its own store, so tests can
 * take it down and bring it back without touching the shared server.
 */
export async function privateNats(options: { user?: string; pass?: string } = {}): Promise<PrivateNats> {
  const port = await freePort();
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-nats-"));
  let child: ChildProcess | undefined;
  const auth = options.user ? ["--user", options.user, "--pass", options.pass ?? ""] : [];
  const server: PrivateNats = {
    port,
    url: `nats://127.0.0.1:${port}`,
    async start() {
      if (child) return;
      const proc = spawn(natsServerBin(), ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir, ...auth], { stdio: "ignore" });
      child = proc;
      proc.once("exit", () => {
        if (child === proc) child = undefined;
      });
      const until = Date.now() + 10_000;
      while (!(await accepts(port))) {
        if (Date.now() > until || !child) throw new Error(`nats-server did not start on port ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      child = undefined;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    },
    async dispose() {
      await server.stop();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Whether a NATS server answers on the port with its INFO line (and JetStream is up). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("data", (chunk) => {
      socket.destroy();
      resolve(chunk.toString().startsWith("INFO"));
    });
    socket.once("error", () => resolve(false));
  });
}
