import WebSocket from "ws";

export type Frame = Record<string, any>;

/**
 * A realtime client over a real WebSocket, as an app would be one: every frame received is kept in
 * `frames`; `request` sends a frame with a fresh `ref` and resolves with its ok/error reply;
 * `next` waits for the first frame (after a position) that matches.
 */
export async function connectRealtime(baseUrl: string, options: { headers?: Record<string, string> } = {}) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/realtime`, { headers: options.headers });
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let refs = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("message", (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });

  function next(match: (f: Frame) => boolean, options: { after?: number; timeoutMs?: number } = {}): Promise<Frame> {
    const timeoutMs = options.timeoutMs ?? 5000;
    let from = options.after ?? 0;
    return new Promise((resolve, reject) => {
      const check = () => {
        for (; from < frames.length; from++) {
          if (match(frames[from]!)) {
            waiters.delete(check);
            clearTimeout(timer);
            return resolve(frames[from]!);
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-5))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }

  const client = {
    ws,
    frames,
    closed,
    next,
    sendRaw(text: string | Buffer) {
      ws.send(text);
    },
    /** Sends a frame with a new ref; resolves with the reply (`ok` or `error`). */
    async request(frame: Frame): Promise<Frame> {
      const ref = `r${++refs}`;
      const at = frames.length;
      ws.send(JSON.stringify({ ...frame, ref }));
      return next((f) => f.ref === ref, { after: at });
    },
    /** Event and message frames received so far (what subscriptions delivered). */
    events: () => frames.filter((f) => f.type === "event" || f.type === "message"),
    /** Waits until `count` event/message frames arrived. */
    async waitForEvents(count: number, timeoutMs = 5000): Promise<Frame[]> {
      const deadline = Date.now() + timeoutMs;
      while (client.events().length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${client.events().length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return client.events();
    },
    async auth(project: string, token?: string): Promise<Frame> {
      return client.request({ type: "auth", project, ...(token ? { token } : {}) });
    },
    close(): Promise<{ code: number; reason: string }> {
      ws.close();
      return closed;
    },
  };
  await next((f) => f.type === "welcome");
  return client;
}

export type RealtimeClient = Awaited<ReturnType<typeof connectRealtime>>;

/** Resolves after `ms`: time for a frame that must NOT arrive to have arrived. */
export const quiet = (ms = 150) => new Promise((r) => setTimeout(r, ms));
