import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { AppError } from "../errors/app-error";

export interface ConsoleHandler {
  readonly ready: boolean;
  prepare(): Promise<void>;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

/** Path prefixes that belong to the API side: unknown paths there are JSON 404s, never console pages. */
export const API_PREFIXES = ["/api/", "/trpc/", "/realtime", "/metrics", "/healthz", "/readyz"];

export function hasConsoleBuild(root: string): boolean {
  return fs.existsSync(path.join(root, ".next", "BUILD_ID"));
}

/**
 * The Next.js request handler for the console's production build in `root/.next`. Next is
 * imported only here, so API-only nodes never load it.
 */
export function createNextConsole(options: { root: string; hostname: string; port: number }): ConsoleHandler {
  let handler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let app:
    | {
        prepare(): Promise<void>;
        close(): Promise<void>;
        getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
      }
    | undefined;
  return {
    get ready() {
      return handler !== undefined;
    },
    async prepare() {
      if (!hasConsoleBuild(options.root)) {
        throw new Error(`no console build in ${options.root}/.next; run "apprun build" or start with console: false`);
      }
      process.env.NEXT_TELEMETRY_DISABLED = "1";
      const { default: next } = (await import("next")) as unknown as { default: (o: object) => NonNullable<typeof app> };
      app = next({ dev: false, dir: options.root, hostname: options.hostname, port: options.port });
      await app.prepare();
      handler = app.getRequestHandler();
    },
    async handle(req, res) {
      await handler!(req, res);
    },
    async close() {
      await app?.close();
    },
  };
}

/**
 * Hands every path that no API route claimed to the console. Registered in its own scope with a
 * pass-through body parser so Next reads request bodies itself.
 */
/** Headers every console page carries. */
const CONSOLE_SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ["content-security-policy", "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'"],
  ["x-frame-options", "DENY"],
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "strict-origin-when-cross-origin"],
  ["permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"],
];

export function mountConsole(app: FastifyInstance, console: ConsoleHandler): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_req, _payload, done) => done(null, undefined));
    // The console answers (with its own "starting" state) before the database is reached.
    scope.all("/*", { config: { servedBeforeReady: true, access: "public" } }, async (req, reply) => {
      const pathname = req.url.split("?")[0]!;
      if (API_PREFIXES.some((p) => pathname === p.replace(/\/$/, "") || pathname.startsWith(p))) {
        throw new AppError("route_not_found", 404, { method: req.method, path: pathname });
      }
      if (!console.ready) throw new AppError("not_ready", 503);
      reply.hijack();
      // The console is never framed (clickjacking), never sniffed, and sends only its origin along.
      for (const [name, value] of CONSOLE_SECURITY_HEADERS) reply.raw.setHeader(name, value);
      await console.handle(req.raw, reply.raw);
    });
  });
}
