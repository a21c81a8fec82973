import { BASE_URL, expect, expectToast, test, trpc } from "./fixtures";

const SLUG = "eventshop";
const EVENTS = `${BASE_URL}/api/v1/projects/${SLUG}/events`;

/** A service calling the event center's REST API with an API key, from the test's own process. */
async function rest(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${EVENTS}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

test("event center: create a topic with retention, publish a test message, see a service's events and a consumer group's lag, in English and Chinese", async ({ page }) => {
  await trpc(page.request, "projects.create", { name: "Event shop", slug: SLUG });
  const { secret } = await trpc<{ secret: string }>(page.request, "auth.apiKeys.create", { project: SLUG, name: "orders-service", permissions: ["events:read", "events:publish", "events:manage"] });

  await page.goto(`/projects/${SLUG}`);
  await page.getByTestId("nav-events").getByRole("link", { name: "Event center" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Event center" })).toBeVisible();
  await expect(page.getByTestId("empty-state")).toContainText("No topics yet");

  // Create a topic kept 48 hours and at most 5 MiB.
  await page.getByTestId("create-topic").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("bad name!");
  await dialog.getByLabel("Keep for (hours)").fill("48");
  await dialog.getByLabel("Keep at most (MiB)").fill("5");
  await dialog.getByTestId("create-topic-submit").click();
  await expect(dialog.getByText("1–63 letters, digits, _ or -").first()).toBeVisible();
  await dialog.getByLabel("Name").fill("orders");
  await dialog.getByTestId("create-topic-submit").click();
  await expectToast(page, "Topic orders created");
  const row = page.getByTestId("topic-orders");
  await expect(row).toContainText("2 days");
  await expect(row).toContainText("5 MB");

  // A service publishes and creates a consumer group; the console shows both.
  expect((await rest(secret, "POST", "/topics/orders/messages", { type: "order.placed", data: { order: 17 } })).status).toBe(201);
  expect((await rest(secret, "POST", "/topics/orders/groups", { name: "billing" })).status).toBe(201);
  await page.reload();
  await page.getByTestId("topic-orders").getByRole("button", { name: "orders" }).click();
  const detail = page.getByTestId("topic-detail-orders");
  await expect(detail.getByTestId("topic-messages")).toContainText("order.placed");
  await expect(detail.getByTestId("topic-messages")).toContainText('{"order":17}');
  await expect(detail.getByTestId("group-billing")).toContainText("1 waiting · 0 unacknowledged");

  // A test message from the console reaches the service's group.
  await detail.getByLabel("Type").fill("order.test");
  await detail.getByLabel("Data (JSON)").fill('{"from":"console"}');
  await detail.getByTestId("publish-test").click();
  await expectToast(page, "Published as #2");
  await expect(detail.getByTestId("topic-messages")).toContainText('{"from":"console"}');
  const pulled = await rest(secret, "POST", "/topics/orders/groups/billing/pull", { max: 10 });
  expect(pulled.body.messages.map((m: { event: { type: string } }) => m.event.type)).toEqual(["order.placed", "order.test"]);
  await rest(secret, "POST", "/topics/orders/groups/billing/ack", { tokens: pulled.body.messages.map((m: { token: string }) => m.token) });
  await expect(detail.getByTestId("group-billing")).toContainText("0 waiting · 0 unacknowledged", { timeout: 15_000 });

  // In Chinese.
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "事件中心" })).toBeVisible();
  await expect(page.getByTestId("nav-events").getByRole("link")).toHaveText(["事件中心"]);
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
});
