import { test as base, expect, type Page } from "@playwright/test";

/**
 * Every page a test opens is watched: console errors, uncaught exceptions, failed requests and
 * HTTP error responses are collected, and a test that does not expect them fails at the end.
 */
export const test = base.extend<{ problems: string[]; allowHttpErrors: (pattern: RegExp) => void }>({
  problems: async ({ page }, use) => {
    const problems: string[] = [];
    watch(page, problems, allowed);
    await use(problems);
    expect(problems, "console errors or failed requests").toEqual([]);
  },
  allowHttpErrors: async ({}, use) => {
    await use((pattern) => allowed.push(pattern));
    allowed.length = 0;
  },
});

const allowed: RegExp[] = [];

function watch(page: Page, problems: string[], allow: RegExp[]) {
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    // Navigations away abort in-flight prefetches; that is not a failure of the page.
    if (req.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400 && !allow.some((p) => p.test(res.url()))) problems.push(`http ${res.status()}: ${res.url()}`);
  });
}

export { expect };
