import type { TestApp } from "../../testing/app";

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * An app (or a gateway, or a script) calling the public REST API over HTTP, from one client
 * address (`x-forwarded-for`, honoured because the test instance trusts its proxy) so that
 * per-IP limits of one test do not spill into another.
 */
export function restClient(t: TestApp, ip = "10.0.0.1") {
  async function call<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { "x-forwarded-for": ip, ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      redirect: "manual",
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (a redirect's empty body, an HTML page)
    }
    return { status: res.status, headers: res.headers, body: body as T };
  }
  return {
    call,
    get: <T = any>(path: string, token?: string) => call<T>("GET", path, { token }),
    post: <T = any>(path: string, body: unknown = {}, token?: string) => call<T>("POST", path, { body, token }),
  };
}

export type RestClient = ReturnType<typeof restClient>;
