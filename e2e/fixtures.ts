import path from "node:path";
import { test as base, expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";

export const PORT = Number(process.env.E2E_PORT ?? 18_190);
export const BASE_URL = `http://127.0.0.1:${PORT}`;
/** The signed-in instance admin's cookies, written by the first-run setup test. */
export const ADMIN_STATE = path.join(process.env.E2E_DATA_DIR ?? ".", "admin-state.json");
export const ADMIN = { name: "Ada Admin", email: "admin@example.com", password: "correct horse battery" };

/** Calls a console procedure as the browser does (JSON body, same-origin Origin header). */
export async function trpc<T = unknown>(
  request: APIRequestContext,
  procedure: string,
  input?: unknown,
  kind: "query" | "mutation" = "mutation",
): Promise<T> {
  const res =
    kind === "query"
      ? await request.get(
          `${BASE_URL}/trpc/${procedure}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
        )
      : await request.post(`${BASE_URL}/trpc/${procedure}`, {
          data: JSON.stringify(input === undefined ? {} : input),
          headers: { origin: BASE_URL, "content-type": "application/json" },
        });
  const body = await res.json();
  if (!res.ok()) throw new Error(`${procedure}: ${res.status()} ${JSON.stringify(body.error)}`);
  return body.result.data as T;
}

/**
 * Every page a test opens is watched: console errors, uncaught exceptions, failed requests and
 * HTTP error responses are collected, and a test that does not expect them fails at the end.
 * `guest()` opens a page in a new browser context (no session), watched the same way.
 */
export const test = base.extend<{ problems: string[]; allowHttpErrors: (pattern: RegExp) => void; guest: () => Promise<Page> }>({
  problems: async ({ page }, use) => {
    const problems: string[] = [];
    watch(page, problems);
    await use(problems);
    expect(problems, "console errors or failed requests").toEqual([]);
  },
  // Playwright reads the fixtures a fixture uses from its first argument's destructuring: it must be a pattern.
  // eslint-disable-next-line no-empty-pattern
  allowHttpErrors: async ({}, use) => {
    await use((pattern) => allowed.push(pattern));
    allowed.length = 0;
  },
  guest: async ({ browser, problems }, use) => {
    const contexts: Awaited<ReturnType<Browser["newContext"]>>[] = [];
    await use(async () => {
      // Contexts made in a test inherit the project's options, the admin's cookies too: start empty.
      const context = await browser.newContext({ baseURL: BASE_URL, locale: "en-US", storageState: { cookies: [], origins: [] } });
      contexts.push(context);
      const page = await context.newPage();
      watch(page, problems);
      return page;
    });
    for (const c of contexts) await c.close();
  },
});

const allowed: RegExp[] = [];

function watch(page: Page, problems: string[]) {
  page.on("console", (msg) => {
    if (msg.type() === "error" && !allowed.some((p) => p.test(msg.location().url)))
      problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on("pageerror", (err) => problems.push(`exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    // Navigations away abort in-flight prefetches; that is not a failure of the page.
    if (req.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400 && !allowed.some((p) => p.test(res.url()))) problems.push(`http ${res.status()}: ${res.url()}`);
  });
}

/** Signs a page's browser context in through the API (fast; the UI sign-in has its own tests). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await trpc(page.request, "accounts.signIn", { email, password });
}

/** Waits for a toast with this text. */
export async function expectToast(page: Page, text: string | RegExp): Promise<void> {
  await expect(page.locator("[data-sonner-toast]").filter({ hasText: text }).first()).toBeVisible();
}

/**
 * Lets the toasts go: the pointer leaves them (a hovered toast stays up) and they close, so they no
 * longer cover what sits under them at the bottom of the page.
 */
export async function dismissToasts(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await expect(page.locator("[data-sonner-toast]")).toHaveCount(0, { timeout: 15_000 });
}

export { expect };
