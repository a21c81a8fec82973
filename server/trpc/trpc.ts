import { TRPCError, initTRPC } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../platform/errors/app-error";
import { createErrorCatalog, platformErrorMessages, type ErrorCatalog } from "../platform/errors/catalog";
import type { Locale } from "../platform/errors/locale";
import type { Services } from "../platform/module";
import { accountActor, type IssuedSession, type ResolvedSession } from "../modules/accounts/service";
import type { RequestOrigin } from "../platform/auth/actor";

const fallbackCatalog = createErrorCatalog(platformErrorMessages);

export interface TrpcContext {
  req: FastifyRequest;
  res: FastifyReply;
  locale: Locale;
  requestId: string;
  services: Services;
  catalog: ErrorCatalog;
  origin: RequestOrigin;
  /** The console session from the cookie, resolved on first use and remembered for the request. */
  session(): Promise<ResolvedSession | null>;
  /** The raw session token from the cookie, if any. */
  sessionToken(): string | null;
  /** Sets or clears the session cookie on the response. */
  setSessionCookie(session: IssuedSession | null): void;
  /** Where users reach this instance (for links shown in the console). */
  publicUrl: string;
  /** Origins the console is served from; mutations from others are refused. */
  allowedOrigins: ReadonlySet<string>;
}

export interface TrpcMeta {
  /** Allowed while the instance requires 2FA and the account has not enrolled yet. */
  duringMfaEnrollment?: boolean;
}

const trpcCodeByStatus: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  409: "CONFLICT",
  412: "PRECONDITION_FAILED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_CONTENT",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

/** The AppError a tRPC error stands for: thrown by a service, or an input that failed its schema. */
function appErrorOf(error: TRPCError, path: string): AppError | null {
  if (error.cause instanceof AppError) return error.cause;
  const issues = (error.cause as { issues?: Array<{ path?: PropertyKey[]; message: string; code?: string }> } | undefined)?.issues;
  if (error.code === "BAD_REQUEST" && Array.isArray(issues)) {
    const list = issues
      .slice(0, 20)
      .map((i) => ({ path: (i.path ?? []).map(String).join("."), code: i.code ?? "invalid", message: i.message }));
    return new AppError("invalid_input", 400, {
      summary: list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "),
      issues: list,
    });
  }
  if (error.code === "PARSE_ERROR") return new AppError("invalid_json", 400);
  // A body tRPC could not read (malformed or empty JSON) reaches here as BAD_REQUEST with no issues.
  if (error.code === "BAD_REQUEST" && !(error.cause instanceof AppError)) return new AppError("invalid_json", 400);
  if (error.code === "NOT_FOUND" && !error.cause) return new AppError("procedure_not_found", 404, { path });
  if (error.code === "METHOD_NOT_SUPPORTED") return new AppError("method_not_allowed", 405, { path });
  return null;
}

const t = initTRPC
  .context<TrpcContext>()
  .meta<TrpcMeta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const requestId = ctx?.requestId ?? "";
      const appError = appErrorOf(error, shape.data.path ?? "") ?? new AppError("internal_error", 500, { requestId });
      const { requestId: _omit, ...details } = appError.details;
      // Errors raised before the context exists (wrong method, unknown procedure) fall back to English.
      const message = (ctx?.catalog ?? fallbackCatalog).format(appError.code, ctx?.locale ?? "en", { ...appError.details, requestId });
      return {
        message,
        code: shape.code,
        data: { code: appError.code, httpStatus: appError.status, details, requestId, path: shape.data.path },
      };
    },
  });

/** Services throw AppError; this gives tRPC the matching code so the HTTP status is right too. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeByStatus[cause.status] ?? "INTERNAL_SERVER_ERROR", message: cause.code, cause });
  }
  return result;
});

/**
 * Cross-site request forgery: browsers send Origin on every POST, so a mutation from a page of
 * another origin is refused. (Form posts cannot reach tRPC at all: only JSON bodies are parsed.)
 */
const sameOrigin = t.middleware(async ({ ctx, type, next }) => {
  if (type === "mutation") {
    const origin = ctx.req.headers.origin;
    if (origin && !ctx.allowedOrigins.has(origin) && origin !== `${ctx.req.protocol}://${ctx.req.headers.host}`)
      throw new AppError("csrf_rejected", 403);
  }
  return next();
});

export const router = t.router;
export const publicProcedure = t.procedure.use(appErrors).use(sameOrigin);
export const createCallerFactory = t.createCallerFactory;

/** A signed-in console account; `ctx.actor` and `ctx.account` are set. */
export const authedProcedure = publicProcedure.use(async ({ ctx, meta, next }) => {
  const session = await ctx.session();
  if (!session) throw new AppError("not_authenticated", 401);
  if (session.mfaEnrollmentRequired && !meta?.duringMfaEnrollment) throw new AppError("mfa_enrollment_required", 403);
  return next({ ctx: { account: session.account, sessionId: session.sessionId, actor: accountActor(session.account, session.sessionId) } });
});

/** An instance administrator. */
export const adminProcedure = authedProcedure.use(async ({ ctx, next }) => {
  if (!ctx.account.instanceAdmin) throw new AppError("instance_admin_required", 403);
  return next();
});
