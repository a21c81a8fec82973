import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BASE_URL, expect, expectToast, test, trpc } from "./fixtures";

const SLUG = "eventshop";
const EVENTS = `${BASE_URL}/api/v1/projects/${SLUG}/events`;

/** A service calling the event center's REST API with an API key, from the test's own process. */
async function rest(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${EVENTS}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test("event center: create a topic with retention, publish a test message, see a service's events and a consumer group's lag, replay, webhooks with their delivery log and redelivery, in English and Chinese", async ({
  page,
  allowHttpErrors,
}) => {
  // Refusing a webhook that points at apprun itself answers 400, on purpose.
  allowHttpErrors(/\/trpc\/events\.webhooks\.create/);
  await trpc(page.request, "projects.create", { name: "Event shop", slug: SLUG });
  const { secret } = await trpc<{ secret: string }>(page.request, "auth.apiKeys.create", {
    project: SLUG,
    name: "orders-service",
    permissions: ["events:read", "events:publish", "events:manage"],
  });

  await page.goto(`/projects/${SLUG}`);
  await page.getByTestId("nav-events").getByRole("link", { name: "Event center" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Event center" })).toBeVisible();
  // Only apprun's own topic so far: app users' sign-ups and sign-ins, read-only.
  await expect(page.getByTestId("topic-auth.users")).toContainText("apprun");
  await expect(page.getByTestId("create-webhook")).toHaveCount(0);

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

  // Replay the group from the start: both events are waiting again.
  await detail.getByTestId("replay-billing").click();
  await expectToast(page, "Group billing replays from the oldest retained event");
  await expect(detail.getByTestId("group-billing")).toContainText("2 waiting · 0 unacknowledged", { timeout: 15_000 });

  // A webhook: created with its secret shown once; the first call fails, the retry and a manual redelivery succeed.
  const calls: Array<{ body: string; signature: string }> = [];
  const statuses = [500];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      calls.push({ body, signature: String(req.headers["x-apprun-signature"]) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await page.getByTestId("create-webhook").click();
    const hookDialog = page.getByRole("dialog");
    await hookDialog.getByLabel("URL").fill(`${BASE_URL}/api/v1/ping`);
    await hookDialog.getByTestId("create-webhook-submit").click();
    await expect(hookDialog).toContainText("points at this apprun instance");
    await hookDialog.getByLabel("URL").fill(url);
    await hookDialog.getByLabel("Event types").fill("order.*");
    await hookDialog.getByTestId("create-webhook-submit").click();
    const shown = await hookDialog.getByTestId("webhook-secret").inputValue();
    expect(shown).toMatch(/^whsec_/);
    await hookDialog.getByTestId("webhook-done").click();

    await rest(secret, "POST", "/topics/orders/messages", { type: "order.shipped", id: "ship-1", data: { order: 17 } });
    await expect.poll(() => calls.length, { timeout: 30_000 }).toBe(2);
    const [, last] = calls;
    const ts = /^t=(\d+),/.exec(last!.signature)![1];
    expect(last!.signature).toBe(`t=${ts},v1=${crypto.createHmac("sha256", shown).update(`${ts}.${last!.body}`).digest("hex")}`);

    await page.getByTestId("webhook-orders").getByRole("button").first().click();
    await expect(page.getByTestId("delivery-ship-1-1")).toContainText("Will retry");
    await expect(page.getByTestId("delivery-ship-1-2")).toContainText("Delivered");
    await page.getByTestId("delivery-ship-1-2").getByRole("button", { name: "Redeliver" }).click();
    await expectToast(page, "Redelivered: 200");
    await expect(page.getByTestId("delivery-ship-1-2-manual")).toContainText("Manual");
    expect(calls).toHaveLength(3);
  } finally {
    await new Promise((r) => server.close(r));
  }

  // A dead letter, seen in its dead-letter topic and sent back from there.
  await rest(secret, "POST", "/topics", { name: "jobs-dead" });
  await rest(secret, "POST", "/topics", { name: "jobs", deadLetterTopic: "jobs-dead" });
  await rest(secret, "POST", "/topics/jobs/groups", { name: "runner", ackWaitMs: 100, maxDeliveries: 1 });
  await rest(secret, "POST", "/topics/jobs/messages", { type: "job.run", id: "job-9", data: { job: 9 } });
  expect((await rest(secret, "POST", "/topics/jobs/groups/runner/pull", { max: 1 })).body.messages).toHaveLength(1);
  await expect
    .poll(async () => {
      await rest(secret, "POST", "/topics/jobs/groups/runner/pull", { max: 1, wait: 200 });
      return (await rest(secret, "GET", "/topics/jobs-dead/messages")).body.messages.length;
    })
    .toBe(1);
  await page.reload();
  await page.getByTestId("topic-jobs-dead").getByRole("button", { name: "jobs-dead" }).click();
  const dlq = page.getByTestId("topic-detail-jobs-dead");
  await expect(dlq.getByTestId("topic-messages")).toContainText("job.run");
  await dlq.getByTestId("redrive-1").click();
  await expectToast(page, "Sent back to jobs as #2");
  const again = await rest(secret, "POST", "/topics/jobs/groups/runner/pull", { max: 1, wait: 5000 });
  expect(again.body.messages[0].event).toMatchObject({ id: "job-9~redrive-1", data: { job: 9 } });

  // In Chinese.
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "事件中心" })).toBeVisible();
  await expect(page.getByTestId("nav-events").getByRole("link")).toHaveText(["事件中心"]);
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
});
