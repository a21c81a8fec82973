/** A stable, translatable error code such as `record_not_found`. */
export type ErrorCode = string;

/**
 * What services throw. The HTTP and tRPC layers turn it into
 * `{ error: { code, message, details, requestId } }` in the caller's language.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(code);
    this.name = "AppError";
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
