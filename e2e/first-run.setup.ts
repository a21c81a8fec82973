import { ADMIN, ADMIN_STATE, expect, test } from "./fixtures";

// Runs once, before every other test: a fresh instance is set up through the console.
test("a fresh instance sends every page to setup, and setup signs the first admin in", async ({ page, problems }) => {
  await page.goto("/projects/anything");
  await expect(page).toHaveURL(/\/setup$/);
  await page.goto("/sign-in");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to apprun" })).toBeVisible();

  // The client checks the same rules as the server.
  await page.getByRole("button", { name: "Create administrator account" }).click();
  await expect(page.getByText("Required").first()).toBeVisible();
  await page.getByLabel("Name").fill(ADMIN.name);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create administrator account" }).click();
  await expect(page.getByText("Enter a valid email address")).toBeVisible();
  await expect(page.getByText("At least 10 characters").first()).toBeVisible();

  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator account" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await expect(page.getByRole("heading", { level: 1, name: "Projects" })).toBeVisible();
  await expect(page.getByTestId("empty-state")).toContainText("No projects yet");

  // Setup is over: the page now sends signed-in users home, and signed-in users skip sign-in.
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/sign-in?next=%2Fprojects");
  await expect(page).toHaveURL(/\/projects$/);
  await page.context().storageState({ path: ADMIN_STATE });
  expect(problems).toEqual([]);
});
