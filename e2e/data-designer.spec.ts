import type { Page } from "@playwright/test";
import { addField, drag } from "./designer";
import { expect, expectToast, test, trpc } from "./fixtures";

test.describe.configure({ mode: "serial" });

// Its own slug: data-browser.spec.ts makes "library" on the same instance.
const SLUG = "library-design";

interface ModelState {
  version: number;
  schema: {
    collections: Array<{
      name: string;
      fields: Array<Record<string, unknown> & { name: string; type: string }>;
      indexes: Array<{ fields: string[]; unique: boolean }>;
    }>;
  };
}

async function model(page: Page): Promise<ModelState> {
  return trpc<ModelState>(page.request, "data.schema.get", { project: SLUG }, "query");
}

test("design two related collections, review and apply, see the versions in the history, roll back", async ({ page, problems }) => {
  await trpc(page.request, "projects.create", { name: "Library design", slug: SLUG });
  await page.goto(`/projects/${SLUG}`);
  await expect(page.getByTestId("nav-data").getByRole("link")).toHaveText([
    "Data",
    "Access rules",
    "Model",
    "History",
    "API docs",
    "Backup",
  ]);
  await page.getByTestId("nav-data").getByRole("link", { name: "Model" }).click();

  // No collections yet: one clear call to add the first.
  await expect(page.getByRole("heading", { level: 1, name: "Data model" })).toBeVisible();
  await expect(page.getByTestId("model-version")).toHaveText("Version 0");
  await expect(page.getByTestId("empty-state")).toContainText("No collections yet");
  await expect(page.getByTestId("review-changes")).toBeDisabled();
  await page.getByTestId("add-first-collection").click();

  // authors(name*)
  await expect(page.getByTestId("node-collection")).toBeVisible();
  await page.getByTestId("collection-name").fill("bad name");
  await expect(page.getByTestId("collection-editor")).toContainText("Use lowercase letters, digits and single underscores");
  await page.getByTestId("collection-name").fill("authors");
  await addField(page, "text", "name", { required: true });
  await expect(page.getByTestId("node-authors")).toContainText("name");

  // Access rules are checked as they are typed, against the draft.
  await page.getByTestId("rule-mode-list").selectOption("expression");
  await page.getByTestId("rule-text-list").fill('name != "" && nope > 1');
  await expect(page.getByTestId("rule-errors-list")).toContainText("nope");
  await page.getByTestId("rule-text-list").fill('name != ""');
  await expect(page.getByTestId("rule-valid-list")).toBeVisible();
  await page.getByTestId("rule-mode-view").selectOption("public");
  await expect(page.getByTestId("unsaved")).toBeVisible();

  // books(title* unique, price decimal)
  await page.getByTestId("add-collection").click();
  await page.getByTestId("collection-name").fill("books");
  await addField(page, "text", "title", { required: true });
  await page.getByTestId("new-field-type").selectOption("decimal");
  await page.getByTestId("add-field").click();
  await page.getByTestId("field-name").fill("price");
  await page.getByTestId("field-scale").fill("2");
  await page.getByTestId("field-min").fill("0");
  await page.getByRole("button", { name: "Back to the collection" }).click();
  await page.getByTestId("index-pick-title").click();
  await page.getByTestId("index-editor").getByRole("checkbox").click();
  await page.getByTestId("add-index").click();
  await expect(page.getByTestId("index-title")).toContainText("Unique");

  // A relation by dragging from books to authors; then on delete: cascade.
  await page.getByTestId("auto-layout").click();
  await expect(page.getByTestId("handle-out-books")).toBeInViewport();
  await drag(page, page.getByTestId("handle-out-books"), page.getByTestId("handle-in-authors"));
  await expectToast(page, "Added the relation books.authors → authors");
  await expect(page.getByTestId("field-relation-target")).toHaveValue("authors");
  await page.getByTestId("field-name").fill("author");
  await page.getByTestId("field-on-delete").selectOption("cascade");
  await expect(page.getByTestId("node-books")).toContainText("author");
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);

  // The same model as YAML, and as JSON that edits the diagram.
  await page.getByTestId("tab-yaml").click();
  await expect(page.getByTestId("source-yaml")).toHaveValue(
    /name: books[\s\S]*type: relation[\s\S]*collection: authors[\s\S]*onDelete: cascade/,
  );
  await expect(page.getByTestId("source-yaml")).toHaveValue(/list: name != ""\n\s+view: ""/);
  await page.getByTestId("tab-json").click();
  const json = JSON.parse(await page.getByTestId("source-json").inputValue());
  json.collections[1].fields.push({ name: "pages", type: "integer", min: 1 });
  await page.getByTestId("source-json").fill(JSON.stringify(json, null, 2));
  await expect(page.getByTestId("source-error")).toHaveCount(0);
  await page.getByTestId("tab-diagram").click();
  await expect(page.getByTestId("node-books")).toContainText("pages");

  // Review: ordered steps with their SQL, then apply.
  await page.getByTestId("review-changes").click();
  const plan = page.getByTestId("plan-dialog");
  await expect(plan.getByTestId("plan-steps")).toContainText(/create table/i);
  await plan.getByTestId("apply-message").fill("authors and books");
  await plan.getByTestId("plan-confirm").click();
  await expectToast(page, "Applied as version 1");
  await expect(page.getByTestId("model-version")).toHaveText("Version 1");
  await expect(page.getByTestId("unsaved")).toHaveCount(0);

  // The model is live: the console API returns both collections and the relation.
  const applied = await model(page);
  expect(applied.version).toBe(1);
  expect(applied.schema.collections.map((c) => c.name)).toEqual(["authors", "books"]);
  const books = applied.schema.collections[1]!;
  expect(books.fields.find((f) => f.name === "author")).toMatchObject({ type: "relation", collection: "authors", onDelete: "cascade" });
  expect(books.fields.find((f) => f.name === "price")).toMatchObject({ type: "decimal", scale: 2, min: "0" });
  expect(books.fields.find((f) => f.name === "pages")).toMatchObject({ type: "integer", min: 1 });
  expect(books.indexes).toEqual([{ fields: ["title"], unique: true }]);
  expect(applied.schema.collections[0]).toMatchObject({ rules: { list: 'name != ""', view: "", create: null } });

  // A second change: drop price. Its data is retained, and the review says so.
  await page.getByTestId("node-field-books-price").click();
  await page.getByTestId("remove-field").click();
  await page.getByTestId("review-changes").click();
  await expect(plan.getByTestId("plan-warning-data_retained")).toHaveAttribute("data-loss", "true");
  await plan.getByTestId("plan-confirm").click();
  await expectToast(page, "Applied as version 2");

  // The history lists both; a version shows its up and down SQL.
  await page.getByTestId("nav-data").getByRole("link", { name: "History" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Migration history" })).toBeVisible();
  await expect(page.getByTestId("version-1")).toContainText("authors and books");
  await expect(page.getByTestId("version-1")).toContainText("admin@example.com");
  await expect(page.getByTestId("kind-2")).toHaveText("apply");
  const detail = page.getByTestId("version-detail");
  await page.getByTestId("view-2").click();
  await expect(detail.getByTestId("version-changes")).toHaveText("−books.priceremoved");
  await page.keyboard.press("Escape");
  await page.getByTestId("view-1").click();
  await expect(detail.getByTestId("version-changes")).toContainText("+authors");
  await detail.getByTestId("tab-up").click();
  await expect(detail.getByTestId("up-steps")).toContainText(/create table/i);
  await detail.getByTestId("tab-down").click();
  await expect(detail.getByTestId("down-steps")).toContainText(/drop table|rename/i);
  await detail.getByTestId("detail-rollback").click();

  // Roll back to version 1: the plan first (price comes back), then confirm.
  await expect(plan.getByTestId("plan-warning-data_restored")).toBeVisible();
  await plan.getByTestId("plan-confirm").click();
  await expectToast(page, "Rolled back to version 1 (now version 3)");
  await expect(page.getByTestId("kind-3")).toHaveText("rollback");
  const rolled = await model(page);
  expect(rolled.version).toBe(3);
  expect(rolled.schema.collections[1]!.fields.map((f) => f.name)).toEqual(["title", "price", "author", "pages"]);

  // The designer follows.
  await page.getByRole("link", { name: "Open the designer" }).click();
  await expect(page.getByTestId("model-version")).toHaveText("Version 3");
  await expect(page.getByTestId("node-books")).toContainText("price");

  // Every change is in the project's audit log.
  await page.goto(`/projects/${SLUG}/audit`);
  await expect(page.getByTestId("audit-action").first()).toHaveText("Data model rolled back");
  await expect(page.getByTestId("audit-action").filter({ hasText: "Data model change applied" })).toHaveCount(2);
  expect(problems).toEqual([]);
});

test("the designer and the history speak Simplified Chinese", async ({ page, problems }) => {
  await page.goto(`/projects/${SLUG}/data/model`);
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("heading", { level: 1, name: "数据模型" })).toBeVisible();
  await expect(page.getByTestId("model-version")).toHaveText("版本 3");
  await expect(page.getByTestId("nav-data").getByRole("link")).toHaveText(["数据", "访问规则", "模型", "历史", "API 文档", "备份"]);
  await page.getByTestId("node-authors").click({ position: { x: 30, y: 12 } });
  await expect(page.getByTestId("collection-editor")).toContainText("访问规则");
  await page.getByTestId("nav-data").getByRole("link", { name: "历史" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "迁移历史" })).toBeVisible();
  await expect(page.getByTestId("kind-3")).toHaveText("回滚");
  // Back to English for the tests after this one.
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  expect(problems).toEqual([]);
});

test("a viewer sees the model and its history read-only", async ({ page, guest, problems }) => {
  const { link } = await trpc<{ link: string }>(page.request, "projects.invite", {
    project: SLUG,
    email: "vic@example.com",
    role: "viewer",
  });
  const viewer = await guest();
  await trpc(viewer.request, "projects.acceptInvitation", {
    token: new URL(link).searchParams.get("token"),
    signUp: { name: "Vic Viewer", password: "viewer password 1" },
  });
  await viewer.goto(`/projects/${SLUG}/data/model`);
  await expect(viewer.getByTestId("read-only")).toBeVisible();
  await expect(viewer.getByTestId("node-books")).toBeVisible();
  await expect(viewer.getByTestId("review-changes")).toHaveCount(0);
  await expect(viewer.getByTestId("add-collection")).toHaveCount(0);
  await viewer.getByTestId("node-books").click({ position: { x: 30, y: 12 } });
  await expect(viewer.getByTestId("collection-name")).toBeDisabled();
  await viewer.goto(`/projects/${SLUG}/data/history`);
  await expect(viewer.getByTestId("version-3")).toBeVisible();
  await expect(viewer.getByTestId("rollback-1")).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("a draft made on an old version is refused with a clear message, and the page offers to reload", async ({
  page,
  allowHttpErrors,
  problems,
}) => {
  allowHttpErrors(/\/trpc\/data\.schema\.preview/);
  await page.goto(`/projects/${SLUG}/data/model`);
  await expect(page.getByTestId("model-version")).toHaveText("Version 3");
  await page.getByTestId("add-collection").click();
  await page.getByTestId("collection-name").fill("shelves");

  // Someone else applies meanwhile.
  const { schema } = await model(page);
  await trpc(page.request, "data.schema.applyChange", {
    project: SLUG,
    baseVersion: 3,
    schema: { collections: [...schema.collections, { name: "loans", fields: [] }] },
  });

  await page.getByTestId("review-changes").click();
  await expect(page.getByTestId("plan-error")).toContainText("The model changed since version 3: it is now at version 4");
  await expect(page.getByTestId("plan-confirm")).toBeDisabled();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("stale")).toContainText("Someone applied version 4");
  await page.getByTestId("stale").getByRole("button").click();
  await expect(page.getByTestId("model-version")).toHaveText("Version 4");
  await expect(page.getByTestId("node-loans")).toBeVisible();
  await expect(page.getByTestId("node-shelves")).toHaveCount(0);
  expect(problems).toEqual([]);
});
