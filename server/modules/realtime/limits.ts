/** What a node allows each realtime connection; `createApp({ realtime })` overrides any of them. */
export interface RealtimeLimits {
  /** Server pings this often; a WebSocket that did not answer the previous ping is closed. SSE gets a comment line. */
  heartbeatMs: number;
  /** A connection that has not authenticated by then is closed (4401 `realtime_auth_timeout`). */
  authTimeoutMs: number;
  maxSubscriptions: number;
  /** Frames above this get an error frame (`realtime_frame_too_large`); WebSocket messages above 4× this close the socket (1009). */
  maxFrameBytes: number;
  /** More than this waiting to be sent to a client closes it (4008 `realtime_slow_consumer`). */
  maxBufferedBytes: number;
  /** A fan-out to a project's connections yields to the event loop after this many of them. */
  fanoutChunk: number;
}

export const DEFAULT_LIMITS: RealtimeLimits = {
  heartbeatMs: 25_000,
  authTimeoutMs: 10_000,
  maxSubscriptions: 100,
  maxFrameBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  fanoutChunk: 500,
};

/** Live frames held for a connection until its `resume`; more close it (4008 `realtime_slow_consumer`). */
export const MAX_HELD_FRAMES = 10_000;

/** Frames a client may have waiting for their reply; more are refused at once (a flood costs no memory). */
export const MAX_PENDING_FRAMES = 64;

/** Close codes (PROTOCOL.md). */
export const CLOSE = { authTimeout: 4401, tokenExpired: 4403, slowConsumer: 4008, goingAway: 1001 } as const;
