import fs from "node:fs";
import { request, type Page } from "@playwright/test";
import { addField, drag } from "./designer";
import { BASE_URL, expect, expectToast, test, trpc } from "./fixtures";

test.describe.configure({ mode: "serial" });

// Slugs of their own: the other data specs run against the same instance.
const SLUG = "flow";
const COPY = "flow-copy";
const API = `${BASE_URL}/api/v1/projects/${SLUG}`;
const PASSWORD = "a long passphrase";

/** An app calling the public REST API with Playwright's request (its own context: no console cookie). */
async function rest(method: "GET" | "POST", url: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  // Contexts made in a test inherit the project's options, the admin's cookies too: start empty.
  const context = await request.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const res = await context.fetch(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, data: body });
    const text = await res.text();
    return { status: res.status(), body: text ? JSON.parse(text) : null };
  } finally {
    await context.dispose();
  }
}

async function applyPlan(page: Page, message: string, version: number) {
  await page.getByTestId("review-changes").click();
  const plan = page.getByTestId("plan-dialog");
  await expect(plan.getByTestId("plan-steps")).toContainText(/create table/i);
  await plan.getByTestId("apply-message").fill(message);
  await plan.getByTestId("plan-confirm").click();
  await expectToast(page, `Applied as version ${version}`);
  await expect(page.getByTestId("model-version")).toHaveText(`Version ${version}`);
}

async function chooseCollection(page: Page, name: string) {
  await page.getByTestId("collection-picker").click();
  await page.getByRole("option", { name, exact: true }).click();
  await expect(page.getByTestId("collection-picker")).toHaveText(name);
}

const titles = (page: Page) => page.getByTestId("records-table").getByTestId("cell-title");

async function createTask(page: Page, title: string, owner: string, team?: string) {
  await page.getByTestId("create-record").click();
  const dialog = page.getByRole("dialog", { name: "New record in tasks" });
  await dialog.getByRole("textbox", { name: /^title/ }).fill(title);
  await dialog.getByRole("textbox", { name: /^owner/ }).fill(owner);
  if (team) {
    await dialog.getByRole("textbox", { name: "Search teams" }).fill(team.slice(0, 3).toLowerCase());
    await dialog.getByTestId("relation-option").filter({ hasText: team }).click();
    await expect(dialog.getByTestId("relation-chosen-team")).toHaveText(team);
  }
  await dialog.getByTestId("record-submit").click();
  await expectToast(page, /Record \w+ created/);
  await expect(dialog).toHaveCount(0);
}

test("design, fill, protect with a rule, read over REST as app users, document, back up and restore, roll back", async ({
  page,
  allowHttpErrors,
  problems,
}, testInfo) => {
  // The whole story in one test: give it time on a busy machine.
  test.setTimeout(240_000);
  // The damaged archive is refused (400) and the rolled-back collection answers 404, by design.
  allowHttpErrors(/\/api\/v1\/admin\/projects\/flow-broken\/import/);
  await trpc(page.request, "projects.create", { name: "Flow", slug: SLUG });
  const ann = await rest("POST", `${API}/auth/sign-up`, { email: "ann@flow.example", password: PASSWORD });
  const bob = await rest("POST", `${API}/auth/sign-up`, { email: "bob@flow.example", password: PASSWORD });
  expect([ann.status, bob.status]).toEqual([201, 201]);
  const annToken: string = ann.body.accessToken;
  const bobToken: string = bob.body.accessToken;

  // 1. The designer: teams first (version 1), then tasks with a relation dragged to teams (version 2).
  await page.goto(`/projects/${SLUG}`);
  await page.getByTestId("nav-data").getByRole("link", { name: "Model" }).click();
  await expect(page.getByTestId("model-version")).toHaveText("Version 0");
  await page.getByTestId("add-first-collection").click();
  await page.getByTestId("collection-name").fill("teams");
  await addField(page, "text", "name", { required: true });
  await applyPlan(page, "teams", 1);
  await page.getByTestId("add-collection").click();
  await page.getByTestId("collection-name").fill("tasks");
  await addField(page, "text", "title", { required: true });
  await addField(page, "text", "owner");
  await page.getByTestId("auto-layout").click();
  await expect(page.getByTestId("handle-out-tasks")).toBeInViewport();
  await drag(page, page.getByTestId("handle-out-tasks"), page.getByTestId("handle-in-teams"));
  await expectToast(page, "Added the relation tasks.teams → teams");
  await expect(page.getByTestId("field-relation-target")).toHaveValue("teams");
  await page.getByTestId("field-name").fill("team");
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);
  await applyPlan(page, "tasks", 2);

  // 2. Records in the data browser, a task's team chosen with the relation picker.
  await page.getByTestId("nav-data").getByRole("link", { name: "Data", exact: true }).click();
  await chooseCollection(page, "teams");
  await page.getByTestId("create-record").click();
  const teamDialog = page.getByRole("dialog", { name: "New record in teams" });
  await teamDialog.getByRole("textbox", { name: /^name/ }).fill("Core");
  await teamDialog.getByTestId("record-submit").click();
  await expectToast(page, /Record \w+ created/);
  await chooseCollection(page, "tasks");
  await createTask(page, "Ann writes docs", ann.body.user.id, "Core");
  await createTask(page, "Ann reviews", ann.body.user.id);
  await createTask(page, "Bob ships", bob.body.user.id, "Core");
  await expect(titles(page)).toHaveCount(3);

  // Locked by default: an app user reads nothing of tasks.
  expect((await rest("GET", `${API}/collections/tasks/records`, undefined, annToken)).status).toBe(403);

  // 3. A rule: each app user lists only their own tasks.
  await page.getByTestId("nav-data").getByRole("link", { name: "Access rules" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Rules of teams" })).toBeVisible();
  await chooseCollection(page, "tasks");
  await expect(page.getByRole("heading", { level: 2, name: "Rules of tasks" })).toBeVisible();
  await page.getByTestId("rule-list-custom").click();
  await page.getByTestId("rule-input-list").fill("owner == auth.id");
  await expect(page.getByTestId("rule-input-list")).toHaveValue("owner == auth.id");
  await expect(page.getByTestId("rule-error-list")).toHaveCount(0);
  await page.getByTestId("rules-save").click();
  await expectToast(page, "Rules of tasks saved as model version 3");

  // Read back over REST with each user's token: exactly their records.
  const annList = await rest("GET", `${API}/collections/tasks/records?sort=title`, undefined, annToken);
  expect(annList.status).toBe(200);
  expect(annList.body.items.map((r: { title: string }) => r.title)).toEqual(["Ann reviews", "Ann writes docs"]);
  expect(annList.body.items[1]).toMatchObject({ owner: ann.body.user.id, team: expect.any(String) });
  const bobList = await rest("GET", `${API}/collections/tasks/records`, undefined, bobToken);
  expect(bobList.body.items.map((r: { title: string }) => r.title)).toEqual(["Bob ships"]);
  const stranger = await rest("GET", `${API}/collections/tasks/records`);
  // Without a token the rule holds for nothing: an empty page, not an error.
  expect(stranger.status).toBe(200);
  expect(stranger.body.items).toEqual([]);

  // 4. The API docs: the tasks endpoints, the record's fields, a curl example with the real base URL.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.getByTestId("nav-data").getByRole("link", { name: "API docs" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "API docs" })).toBeVisible();
  await expect(page.getByTestId("base-url")).toHaveText(API);
  const tasksDocs = page.getByTestId("api-collection-tasks");
  await expect(tasksDocs.getByTestId("endpoints-tasks")).toContainText("/collections/tasks/records/{id}");
  await expect(tasksDocs.getByTestId("endpoints-tasks").getByRole("listitem")).toHaveCount(5);
  await expect(tasksDocs.getByTestId("field-row-tasks-team")).toContainText("relation → teams");
  await expect(tasksDocs.getByTestId("params-tasks")).toContainText("filter");
  const curl = tasksDocs.getByTestId("example-curl-list-tasks");
  await expect(curl).toContainText(`curl "${API}/collections/tasks/records`);
  await expect(curl).toContainText("Authorization: Bearer YOUR_ACCESS_TOKEN");
  await tasksDocs.getByTestId("copy-curl-list-tasks").click();
  await expect(tasksDocs.getByTestId("copy-curl-list-tasks")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(`${API}/collections/tasks/records`);
  await expect(page.getByTestId("error-codes")).toContainText("collection_not_found");
  const [docDownload] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-openapi").click()]);
  expect(docDownload.suggestedFilename()).toBe("flow-openapi.json");
  const docFile = testInfo.outputPath("openapi.json");
  await docDownload.saveAs(docFile);
  expect(JSON.parse(fs.readFileSync(docFile, "utf8"))).toMatchObject({ openapi: "3.1.0", servers: [{ url: API }] });

  // 5. Backup: download the export, restore it into a new project, see the records there.
  await page.getByTestId("nav-data").getByRole("link", { name: "Backup" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Backup and restore" })).toBeVisible();
  const [exportDownload] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-export").click()]);
  expect(exportDownload.suggestedFilename()).toMatch(/^flow-\d{8}-\d{6}\.apprun\.gz$/);
  const archive = testInfo.outputPath("flow.apprun.gz");
  await exportDownload.saveAs(archive);

  // A damaged archive first: a clear error, and the new project stays empty.
  const damaged = testInfo.outputPath("damaged.apprun.gz");
  const bytes = fs.readFileSync(archive);
  fs.writeFileSync(damaged, bytes.subarray(0, bytes.length - 40));
  await page.getByTestId("restore-file").setInputFiles(damaged);
  await page.getByTestId("restore-name").fill("Flow broken");
  await expect(page.getByTestId("restore-slug")).toHaveValue("flow-broken");
  await page.getByTestId("restore-submit").click();
  await expect(page.getByTestId("restore-error")).toContainText("nothing was imported");
  await expect(page.getByTestId("restore-error")).toHaveAttribute("data-code", /^archive_(truncated|corrupt)$/);
  await expect(page.getByTestId("restore-error")).toContainText("Project flow-broken was created and is still empty");
  expect((await trpc<{ version: number }>(page.request, "data.schema.get", { project: "flow-broken" }, "query")).version).toBe(0);

  // The good archive into a fresh project.
  await page.reload();
  await page.getByTestId("restore-file").setInputFiles(archive);
  await page.getByTestId("restore-name").fill("Flow copy");
  await expect(page.getByTestId("restore-slug")).toHaveValue(COPY);
  // A slow uplink (Chromium's network emulation), so the upload's progress bar is seen moving.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: Math.max(512, Math.ceil(bytes.length / 3)),
  });
  await page.getByTestId("restore-submit").click();
  const bar = page.getByTestId("upload-progress").getByRole("progressbar");
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute("aria-valuenow", /^([1-9]\d?|100)$/);
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await expect(page.getByTestId("restore-result")).toContainText(`Restored into ${COPY}`);
  await expect(page.getByTestId("restore-counts")).toHaveText(/^2 collections, 4 records, model version \d+$/);
  await page.getByTestId("open-restored").click();
  await expect(page).toHaveURL(new RegExp(`/projects/${COPY}/data/browser`));
  await chooseCollection(page, "tasks");
  await expect(titles(page)).toHaveCount(3);
  await expect(page.getByTestId("records-table")).toContainText("Bob ships");
  await expect(page.getByTestId("records-table")).toContainText("Core");

  // 6. Roll the original back to version 1 in the history: tasks is gone, REST says so.
  await page.goto(`/projects/${SLUG}/data/history`);
  await expect(page.getByTestId("version-3")).toBeVisible();
  await page.getByTestId("rollback-1").click();
  const plan = page.getByTestId("plan-dialog");
  await expect(plan.getByTestId("plan-steps")).toContainText(/tasks/);
  await plan.getByTestId("plan-confirm").click();
  await expectToast(page, "Rolled back to version 1 (now version 4)");
  await expect(page.getByTestId("kind-4")).toHaveText("rollback");
  const gone = await rest("GET", `${API}/collections/tasks/records`, undefined, annToken);
  expect(gone.status).toBe(404);
  expect(gone.body.error.code).toBe("collection_not_found");
  await page.getByTestId("nav-data").getByRole("link", { name: "Data", exact: true }).click();
  await page.getByTestId("collection-picker").click();
  await expect(page.getByRole("option")).toHaveText(["teams"]);
  await page.keyboard.press("Escape");
  // The copy keeps its tasks.
  const copy = await trpc<{ schema: { collections: Array<{ name: string }> } }>(
    page.request,
    "data.schema.get",
    { project: COPY },
    "query",
  );
  expect(copy.schema.collections.map((c) => c.name)).toEqual(["teams", "tasks"]);
  expect(problems).toEqual([]);
});

test("API docs and backup speak Simplified Chinese; an empty project has an empty API docs page; a viewer reads the docs but gets no backup", async ({
  page,
  guest,
  problems,
}) => {
  await trpc(page.request, "projects.create", { name: "Flow empty", slug: "flow-empty" });
  await page.goto(`/projects/flow-empty/data/api`);
  await expect(page.getByTestId("empty-state")).toContainText("No collections yet");
  await expect(page.getByTestId("base-url")).toHaveText(`${BASE_URL}/api/v1/projects/flow-empty`);

  await page.goto(`/projects/${SLUG}/data/api`);
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("heading", { level: 1, name: "API 文档" })).toBeVisible();
  await expect(page.getByTestId("api-collection-teams")).toContainText("接口");
  await page.getByTestId("nav-data").getByRole("link", { name: "备份" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "备份与恢复" })).toBeVisible();
  await expect(page.getByTestId("download-export")).toHaveText("下载导出");
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");

  // A viewer: the API docs, but neither the backup entry nor its page.
  const { link } = await trpc<{ link: string }>(page.request, "projects.invite", {
    project: SLUG,
    email: "val@flow.example",
    role: "viewer",
  });
  const viewer = await guest();
  await trpc(viewer.request, "projects.acceptInvitation", {
    token: new URL(link).searchParams.get("token"),
    signUp: { name: "Val Viewer", password: "viewer password 1" },
  });
  await viewer.goto(`/projects/${SLUG}/data/api`);
  await expect(viewer.getByTestId("api-collection-teams")).toBeVisible();
  await expect(viewer.getByTestId("nav-data").getByRole("link")).toHaveText(["Data", "Access rules", "Model", "History", "API docs"]);
  await viewer.goto(`/projects/${SLUG}/data/backup`);
  await expect(viewer.getByTestId("no-access")).toBeVisible();
  await expect(viewer.getByTestId("download-export")).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("restore refuses a taken slug before uploading, and a file that is not an archive with the server's message", async ({
  page,
  allowHttpErrors,
  problems,
}) => {
  allowHttpErrors(/\/trpc\/projects\.create|\/api\/v1\/admin\/projects\/flow-text\/import/);
  await page.goto(`/projects/${SLUG}/data/backup`);
  await page
    .getByTestId("restore-file")
    .setInputFiles({ name: "notes.apprun.gz", mimeType: "application/gzip", buffer: Buffer.from("just some text, not gzip\n") });
  await expect(page.getByTestId("restore-submit")).toBeDisabled();
  await page.getByTestId("restore-name").fill("Flow");
  await page.getByTestId("restore-submit").click();
  await expect(page.locator("#restore-name-error")).toBeVisible();
  await expect(page.getByTestId("upload-progress")).toHaveCount(0);

  await page.getByTestId("restore-name").fill("Flow text");
  await page.getByTestId("restore-submit").click();
  await expect(page.getByTestId("restore-error")).toHaveAttribute("data-code", "archive_corrupt");
  await expect(page.getByTestId("restore-error")).toContainText("nothing was imported");
  // The retry goes into the project already made, not a new one.
  await expect(page.getByTestId("restore-submit")).toHaveText("Retry the upload");
  await expect(page.getByTestId("restore-name")).toBeDisabled();
  const projects = await trpc<Array<{ slug: string }>>(page.request, "projects.list", undefined, "query");
  expect(projects.map((p) => p.slug).filter((s) => s.startsWith("flow-text"))).toEqual(["flow-text"]);
  expect(problems).toEqual([]);
});
