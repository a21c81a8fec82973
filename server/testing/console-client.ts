import { TRPCClientError, createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "../trpc/router";

/**
 * A console as the browser is one: tRPC over HTTP, with a cookie jar for the session cookie and
 * an Origin header like a page of the console sends.
 */
export function consoleClient(baseUrl: string, options: { origin?: string; locale?: string } = {}) {
  const jar = new Map<string, string>();
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        headers: () => ({
          origin: options.origin ?? baseUrl,
          ...(options.locale ? { "accept-language": options.locale } : {}),
          ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
        }),
        fetch: async (url, init) => {
          const res = await fetch(url, init as RequestInit);
          for (const header of res.headers.getSetCookie()) {
            const [pair, ...attrs] = header.split(";");
            const [name, value] = pair!.split("=") as [string, string];
            const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === "";
            if (expired) jar.delete(name.trim());
            else jar.set(name.trim(), value);
          }
          return res;
        },
      }),
    ],
  });
  return { trpc: client, jar, cookie: () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ") };
}

export type ConsoleClient = ReturnType<typeof consoleClient>;

/** The stable code and HTTP status of a failed call. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; status: number; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TRPCClientError) {
      const data = err.data as { code: string; httpStatus: number; details: Record<string, unknown> };
      return { code: data.code, status: data.httpStatus, message: err.message, details: data.details };
    }
    throw err;
  }
  throw new Error("expected the call to fail");
}
