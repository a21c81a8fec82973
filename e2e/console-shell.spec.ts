import { expect, test } from "./fixtures";

test("the first page renders system information without errors", async ({ page, problems }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("system-database")).toHaveText("SQLite (embedded)");
  await expect(page.getByTestId("system-version")).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId("system-uptime")).toHaveText(/second|minute/);
  await expect(page.getByTestId("health-status")).toHaveText("Ready");
  // Only what exists: no project is open, and administration is there for an instance admin.
  await expect(page.getByRole("navigation", { name: "Main navigation" }).getByRole("link")).toHaveText([
    "Overview",
    "Projects",
    "Instance settings",
    "Accounts",
    "Single sign-on",
    "Audit log",
  ]);
  await expect(page.getByTestId("project-switcher")).toHaveText("All projects");
  expect(problems).toEqual([]);
});

test("the language switch changes every string and persists across reloads", async ({ page, problems }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "概览" })).toBeVisible();
  await expect(page.getByTestId("system-database")).toHaveText("SQLite（内嵌）");
  await expect(page.getByTestId("health-status")).toHaveText("就绪");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");

  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "概览" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "主导航" })).toBeVisible();

  // Server-side messages follow the same choice (the page's cookies go with the request).
  const apiError = await page.request.get("/trpc/system.nothing");
  expect((await apiError.json()).error.message).toMatch(/不存在名为/);

  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  expect(problems).toEqual([]);
});

test("the theme switch applies dark mode before paint on reload", async ({ page, problems }) => {
  await page.goto("/");
  await page.getByTestId("theme-switch").click();
  await page.getByRole("menuitemradio", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.getByTestId("theme-switch").click();
  await page.getByRole("menuitemradio", { name: "Light" }).click();
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  expect(problems).toEqual([]);
});

test("an unknown console page shows a localized not-found page", async ({ page, allowHttpErrors, problems }) => {
  allowHttpErrors(/\/no-such-page$/);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Go to overview" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  expect(problems).toEqual([]);
});

test("signed-out visitors are sent to sign-in and come back where they were going", async ({ guest, problems }) => {
  const page = await guest();
  await page.goto("/admin/accounts?x=1");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fadmin%2Faccounts%3Fx%3D1$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/accounts\?x=1$/);
  await expect(page.getByRole("heading", { level: 1, name: "Accounts" })).toBeVisible();
  await expect(page.getByTestId("account-admin@example.com")).toContainText("Instance admin");
  expect(problems).toEqual([]);
});

test("a wrong password is refused in place, with the server's message", async ({ guest, allowHttpErrors, problems }) => {
  allowHttpErrors(/\/trpc\/accounts\.signIn/);
  const page = await guest();
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("admin@example.com");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("Email or password is wrong");
  await expect(page).toHaveURL(/\/sign-in$/);
  expect(problems).toEqual([]);
});

test("API paths never fall through to console pages", async ({ request }) => {
  const res = await request.get("/api/v1/not-a-route");
  expect(res.status()).toBe(404);
  expect((await res.json()).error.code).toBe("route_not_found");
  const trpc = await request.get("/trpc/");
  expect(trpc.status()).toBe(404);
});
