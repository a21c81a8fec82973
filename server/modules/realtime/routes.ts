import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import { WebSocketServer, type WebSocket } from "ws";
import { AppError } from "../../platform/errors/app-error";
import { localeOf } from "../../platform/errors/locale";
import type { Connection, Hub, Transport } from "./hub";

export const REALTIME_PATH = "/realtime";

const framedCache = new WeakMap<Buffer, Buffer>();

/** An unmasked, final WebSocket text frame (RFC 6455 §5.2) around a payload, built once per payload. */
function framed(payload: Buffer): Buffer {
  let frame = framedCache.get(payload);
  if (frame) return frame;
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, headerLength);
  framedCache.set(payload, frame);
  return frame;
}
export const SSE_PATH = "/realtime/sse";
/** Frames one POST to an SSE connection may carry. */
const MAX_POSTED_FRAMES = 20;
/** A closing socket that does not finish the close handshake is cut after this long. */
const CLOSE_GRACE_MS = 2000;

/**
 * `/realtime` (WebSocket, upgraded beside Fastify on the same server) and `/realtime/sse`
 * (Server-Sent Events, with `POST /realtime/sse/{connectionId}` for the client's frames). Both
 * speak PROTOCOL.md; the hub does the rest. Returns what app.close() must close.
 */
export function registerRealtimeRoutes(host: FastifyInstance, deps: { hub: Hub; gate: () => AppError | null }) {
  const { hub } = deps;
  const limits = hub.limits;
  const welcome = (conn: Connection) =>
    JSON.stringify({ type: "welcome", connectionId: conn.id, heartbeatMs: limits.heartbeatMs, maxFrameBytes: limits.maxFrameBytes });

  // ── WebSocket ──────────────────────────────────────────────────────────────
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes * 4, perMessageDeflate: false });

  function attach(ws: WebSocket, req: IncomingMessage): void {
    let alive = true;
    ws.on("pong", () => (alive = true));
    const transport: Transport = {
      kind: "ws",
      send(text) {
        // A fan-out frame (a Buffer shared by every recipient) is framed once and written as is:
        // server frames are unmasked, so the bytes are the same for every socket.
        const socket = (ws as unknown as { _socket?: { write(b: Buffer): boolean } })._socket;
        if (typeof text !== "string" && socket && ws.readyState === ws.OPEN) socket.write(framed(text));
        else ws.send(text);
      },
      buffered: () => ws.bufferedAmount,
      close(code, reason) {
        ws.close(code, reason);
        setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      },
      heartbeat() {
        if (!alive) {
          ws.terminate();
          return false;
        }
        alive = false;
        ws.ping();
        return true;
      },
    };
    let conn: Connection;
    try {
      conn = hub.open(transport, localeOf(req.headers as { cookie?: string; "accept-language"?: string }));
    } catch {
      // The node began shutting down between the upgrade and now.
      ws.close(1001, "realtime_shutting_down");
      return;
    }
    ws.send(welcome(conn));
    ws.on("message", (data, isBinary) => {
      // Binary messages are not frames of this protocol: they get realtime_invalid_frame like any text that is not JSON.
      const text = isBinary ? "\u0000" : data.toString();
      void hub.receive(conn, text).then((reply) => reply && hub.send(conn, reply));
    });
    ws.on("close", () => void hub.forget(conn));
    // Oversized messages (1009) and protocol errors: ws closes the socket itself.
    ws.on("error", () => void hub.forget(conn));
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? "").split("?")[0];
    if (path !== REALTIME_PATH) {
      // Nobody else answers upgrades here: do not leave the socket hanging.
      if (host.server.listenerCount("upgrade") === 1) socket.destroy();
      return;
    }
    const refused = deps.gate();
    if (refused) {
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ error: { code: refused.code } })}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, req));
  }
  host.server.on("upgrade", onUpgrade);

  // ── Server-Sent Events ─────────────────────────────────────────────────────
  host.get(SSE_PATH, { config: { access: "public" } }, async (req, reply) => {
    const raw = reply.raw;
    let ended = false;
    const transport: Transport = {
      kind: "sse",
      send(text) {
        const frame = text.toString();
        // Event and message frames carry their log id as the SSE id too (EventSource's lastEventId).
        const id = /^\{"type":"(?:event|message)","id":(\d+)/.exec(frame)?.[1];
        raw.write(`${id ? `id: ${id}\n` : ""}data: ${frame}\n\n`);
      },
      buffered: () => raw.writableLength,
      close(code, reason) {
        if (ended) return;
        ended = true;
        raw.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
        setTimeout(() => raw.destroy(), CLOSE_GRACE_MS).unref();
      },
      heartbeat() {
        if (!ended) raw.write(": ping\n\n");
        return !ended;
      },
    };
    // Opened before the response starts, so a refusal (shutting down) is an ordinary error reply.
    const conn = hub.open(transport, req.locale);
    reply.hijack();
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    raw.write(`retry: 2000\ndata: ${welcome(conn)}\n\n`);
    req.raw.on("close", () => {
      ended = true;
      void hub.forget(conn);
    });
  });

  host.post<{ Params: { connectionId: string } }>(
    `${SSE_PATH}/:connectionId`,
    { config: { access: "public" }, bodyLimit: limits.maxFrameBytes * 4 },
    async (req) => {
      const conn = hub.connection(req.params.connectionId);
      if (!conn || conn.transport.kind !== "sse")
        throw new AppError("realtime_connection_not_found", 404, { connectionId: req.params.connectionId.slice(0, 64) });
      const frames = Array.isArray(req.body) ? req.body : [req.body];
      if (frames.length === 0 || frames.length > MAX_POSTED_FRAMES)
        throw new AppError("realtime_invalid_frame", 400, { reason: `send 1 to ${MAX_POSTED_FRAMES} frames` });
      const replies: unknown[] = [];
      for (const frame of frames) {
        const reply = await hub.receive(conn, JSON.stringify(frame ?? null));
        if (reply) replies.push(JSON.parse(reply));
      }
      return { replies };
    },
  );

  return {
    async close(): Promise<void> {
      host.server.off("upgrade", onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
