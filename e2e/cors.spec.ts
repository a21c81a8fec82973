import { expect, expectToast, test, trpc, BASE_URL } from "./fixtures";

test("a project's allowed origins: refused when malformed, saved, used by the API, in English and Chinese; console pages carry security headers", async ({
  page,
  allowHttpErrors,
}) => {
  allowHttpErrors(/\/trpc\/projects\.setCors/);
  await trpc(page.request, "projects.create", { name: "Cors Lab", slug: "cors-lab" });
  const response = await page.goto("/projects/cors-lab/settings");
  const headers = response!.headers();
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");

  await expect(page.getByText("No origin is allowed")).toBeVisible();
  const field = page.getByLabel("Origins, one per line");
  await field.fill("https://app.example.com/with/path");
  await page.getByRole("button", { name: "Update origins" }).click();
  await expect(page.getByText(/an origin: scheme:\/\/host\[:port\]/)).toBeVisible();
  await field.fill("https://app.example.com\nhttp://localhost:5173");
  await page.getByRole("button", { name: "Update origins" }).click();
  await expectToast(page, "Allowed origins saved");
  await page.reload();
  await expect(page.getByLabel("Origins, one per line")).toHaveValue("https://app.example.com\nhttp://localhost:5173");

  const preflight = await page.request.fetch(`${BASE_URL}/api/v1/projects/cors-lab/auth/sign-in`, {
    method: "OPTIONS",
    headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
  });
  expect(preflight.status()).toBe(204);
  expect(preflight.headers()["access-control-allow-origin"]).toBe("http://localhost:5173");

  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.getByText("允许的来源（CORS）")).toBeVisible();
  await expect(page.getByLabel("来源，每行一个")).toHaveValue("https://app.example.com\nhttp://localhost:5173");
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
});
