import { connectRealtime } from "../server/modules/realtime/test-client";
import { BASE_URL, PORT, expect, expectToast, test, trpc } from "./fixtures";

const SLUG = "livechat";

test("realtime console: a channel with rules and presence, an app's connection in the inspector, the live test, delete, in English and Chinese", async ({
  page,
  allowHttpErrors,
}) => {
  // The channel saved with a broken rule is refused by the server (400), by design.
  allowHttpErrors(/\/trpc\/realtime\.channels\.save/);
  await trpc(page.request, "projects.create", { name: "Live chat", slug: SLUG });
  await trpc(page.request, "data.schema.applyChange", {
    project: SLUG,
    baseVersion: 0,
    schema: { collections: [{ name: "posts", fields: [{ name: "title", type: "text" }], rules: { list: "", view: "" } }] },
  });
  const { secret } = await trpc<{ secret: string }>(page.request, "auth.apiKeys.create", {
    project: SLUG,
    name: "chat-backend",
    permissions: ["events:read", "events:publish", "data:read"],
  });

  await page.goto(`/projects/${SLUG}`);
  await page.getByTestId("nav-realtime").getByRole("link", { name: "Realtime" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Realtime" })).toBeVisible();
  await expect(page.getByTestId("empty-state")).toContainText("No channels yet");

  // Create a channel: a broken rule is shown under the rule, then a valid one is saved.
  await page.getByTestId("create-channel").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Bad name!");
  await dialog.getByTestId("channel-submit").click();
  await expect(dialog.getByText("Lowercase letters, digits, _ and -, at most 64").first()).toBeVisible();
  await dialog.getByLabel("Name").fill("lobby");
  await dialog.getByTestId("subscribe-mode").click();
  await page.getByRole("option", { name: "Those a rule allows" }).click();
  await dialog.getByTestId("channel-submit").click();
  await expect(dialog.getByRole("alert")).toHaveText("Write a rule, or choose Everyone");
  await dialog.getByLabel("Subscribe rule").fill('auth.type == "apiKey" ||');
  await dialog.getByTestId("channel-submit").click();
  await expect(dialog.getByRole("alert")).toContainText("The subscribe rule is invalid");
  await dialog.getByLabel("Subscribe rule").fill('auth.type == "apiKey" || auth.type == "user"');
  await dialog.getByLabel("Presence").click();
  await dialog.getByTestId("channel-submit").click();
  await expectToast(page, "Channel lobby saved");
  const row = page.getByTestId("channel-lobby");
  await expect(row).toContainText('auth.type == "apiKey" || auth.type == "user"');
  await expect(row).toContainText("API keys only");
  await expect(row).toContainText("On");

  // Edit: the name stays, publishing opens to everyone with a rule on the publisher.
  await page.getByTestId("edit-channel-lobby").click();
  const edit = page.getByRole("dialog", { name: "Edit channel lobby" });
  await expect(edit.getByLabel("Name")).toHaveValue("lobby");
  await expect(edit.getByLabel("Subscribe rule")).toHaveValue('auth.type == "apiKey" || auth.type == "user"');
  await edit.getByTestId("publish-mode").click();
  await page.getByRole("option", { name: "Those a rule allows" }).click();
  await edit.getByLabel("Publish rule").fill("auth.nope(");
  await edit.getByTestId("channel-submit").click();
  await expect(edit.getByRole("alert")).toContainText("The publish rule is invalid");
  await edit.getByLabel("Publish rule").fill('auth.type != "anonymous"');
  await edit.getByTestId("channel-submit").click();
  await expectToast(page, "Channel lobby saved");
  await expect(row).toContainText('auth.type != "anonymous"');
  const saved = await trpc<Array<{ name: string; subscribeRule: string | null; publishRule: string | null; presence: boolean }>>(
    page.request,
    "realtime.channels.list",
    { project: SLUG },
    "query",
  );
  expect(saved).toEqual([
    expect.objectContaining({
      name: "lobby",
      subscribeRule: 'auth.type == "apiKey" || auth.type == "user"',
      publishRule: 'auth.type != "anonymous"',
      presence: true,
    }),
  ]);

  // No client yet: the inspector explains how apps connect, with this server's URL.
  await page.getByRole("tab", { name: "Inspector" }).click();
  await expect(page.getByTestId("connect-snippet")).toContainText(`new WebSocket("ws://127.0.0.1:${PORT}/realtime")`);
  await expect(page.getByTestId("connect-snippet")).toContainText(`type: "auth", project: "${SLUG}"`);

  // An app connects with the API key, subscribes to the channel and to a collection.
  const app = await connectRealtime(BASE_URL);
  try {
    expect(await app.request({ type: "auth", project: SLUG, token: secret })).toMatchObject({ type: "ok", auth: { type: "apiKey" } });
    expect(await app.request({ type: "subscribe", channel: "channels/lobby" })).toMatchObject({ type: "ok", channel: "channels/lobby" });
    expect(await app.request({ type: "subscribe", channel: "collections/posts", filter: 'title != ""' })).toMatchObject({
      type: "ok",
      channel: "collections/posts",
    });

    // The inspector refreshes by itself and shows the client, its subscriptions and its presence.
    const connections = page.getByTestId("connections-table");
    await expect(connections.getByRole("row")).toHaveCount(2);
    const client = connections.getByRole("row").nth(1);
    await expect(client).toContainText("API key");
    await expect(client).toContainText("ws");
    await expect(client).toContainText("2");
    await expect(client).toContainText("channels/lobby");
    await expect(client).toContainText('collections/posts [title != ""]');
    await expect(page.getByTestId("subscription-channels/lobby")).toContainText("Connections: 1");
    await expect(page.getByTestId("subscription-collections/posts")).toContainText("Connections: 1");
    await expect(page.getByTestId("presence-channels/lobby")).toContainText("API key");

    // Paused, it stops refreshing: a second subscription-less client is not listed until resumed.
    await page.getByTestId("inspector-pause").click();
    await expect(page.getByText("Paused")).toBeVisible();
    const other = await connectRealtime(BASE_URL);
    try {
      expect(await other.request({ type: "auth", project: SLUG, token: secret })).toMatchObject({ type: "ok" });
      await page.waitForTimeout(3000);
      await expect(connections.getByRole("row")).toHaveCount(2);
      await page.getByTestId("inspector-pause").click();
      await expect(connections.getByRole("row")).toHaveCount(3);
    } finally {
      other.ws.close();
    }

    // The live test: the browser connects with the key, subscribes, and sees the app's message.
    await page.getByRole("tab", { name: "Live test" }).click();
    const live = page.getByTestId("live-test");
    await live.getByLabel("Access token or API key").fill(secret);
    await live.getByTestId("live-connect").click();
    await expect(live.getByTestId("live-status")).toHaveText("Connected");
    await expect(live.getByTestId("live-frames")).toContainText('"op":"auth"');
    // The pasted key is not shown in the frames.
    await expect(live.getByTestId("live-frames")).not.toContainText(secret);
    await live.getByLabel("Channel").fill("channels/lobby");
    await live.getByTestId("live-subscribe").click();
    await expect(live.getByTestId("live-frames")).toContainText('"op":"subscribe"');
    expect(await app.request({ type: "publish", channel: "channels/lobby", data: { text: "hello from the app" } })).toMatchObject({
      type: "ok",
    });
    await expect(live.getByTestId("live-frames")).toContainText('"data":{"text":"hello from the app"}');
    await live.getByLabel("Data (JSON)").fill('{"text":"hi from the console"}');
    await live.getByTestId("live-publish").click();
    await app.next((f) => f.type === "message" && f.data?.text === "hi from the console");
    // A record change reaches the browser through a collection subscription.
    await live.getByLabel("Channel").fill("collections/posts");
    await live.getByTestId("live-subscribe").click();
    await expect(live.getByTestId("live-frames")).toContainText('"channel":"collections/posts"');
    await trpc(page.request, "records.create", { project: SLUG, collection: "posts", data: { title: "First post" } });
    await expect(live.getByTestId("live-frames")).toContainText('"action":"created","collection":"posts"');
    await expect(live.getByTestId("live-frames")).toContainText('"title":"First post"');
    await live.getByTestId("live-disconnect").click();
    await expect(live.getByTestId("live-status")).toHaveText("Not connected");
  } finally {
    app.ws.close();
  }

  // The two channel messages and the record change are in the project's log.
  await page.getByRole("tab", { name: "Inspector" }).click();
  await expect(page.getByTestId("log-range")).toHaveText("Log: events #1–#3 (3 kept)");
  await expect(page.getByTestId("node")).toContainText("Node node_");

  // Delete the channel, after a confirmation.
  await page.getByRole("tab", { name: "Channels" }).click();
  await page.getByTestId("delete-channel-lobby").click();
  await expect(page.getByRole("alertdialog")).toContainText("Delete channel lobby?");
  await page.getByTestId("confirm-delete-channel").click();
  await expectToast(page, "Channel lobby deleted");
  await expect(page.getByTestId("empty-state")).toContainText("No channels yet");
  expect(await trpc(page.request, "realtime.channels.list", { project: SLUG }, "query")).toEqual([]);

  // In Chinese.
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "实时" })).toBeVisible();
  await expect(page.getByTestId("nav-realtime").getByRole("link")).toHaveText(["实时"]);
  await expect(page.getByRole("tab", { name: "检查器" })).toBeVisible();
  await expect(page.getByTestId("empty-state")).toContainText("还没有频道");
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
});

test("a viewer sees the channels and the inspector read-only", async ({ page, guest }) => {
  const slug = "livechat-ro";
  await trpc(page.request, "projects.create", { name: "Live chat (read-only)", slug });
  await trpc(page.request, "realtime.channels.save", {
    project: slug,
    name: "news",
    subscribeRule: "",
    publishRule: null,
    presence: false,
  });
  // Without mail (another spec may have left an SMTP server configured that is gone now), the invitation's link is handed over directly.
  await trpc(page.request, "instance.updateSmtp", null);
  const { link } = await trpc<{ link: string }>(page.request, "projects.invite", {
    project: slug,
    email: "rita@example.com",
    role: "viewer",
  });
  const viewer = await guest();
  await trpc(viewer.request, "projects.acceptInvitation", {
    token: new URL(link).searchParams.get("token"),
    signUp: { name: "Rita Viewer", password: "viewer password 1" },
  });

  await viewer.goto(`/projects/${slug}`);
  await viewer.getByTestId("nav-realtime").getByRole("link", { name: "Realtime" }).click();
  await expect(viewer.getByTestId("channels-read-only")).toBeVisible();
  const row = viewer.getByTestId("channel-news");
  await expect(row).toContainText("everyone");
  await expect(row).toContainText("API keys only");
  await expect(row).toContainText("Off");
  await expect(viewer.getByTestId("create-channel")).toHaveCount(0);
  await expect(viewer.getByTestId("delete-channel-news")).toHaveCount(0);
  await expect(viewer.getByTestId("edit-channel-news")).toHaveCount(0);
  await viewer.getByRole("tab", { name: "Inspector" }).click();
  await expect(viewer.getByTestId("connect-snippet")).toContainText(`project: "${slug}"`);
});
