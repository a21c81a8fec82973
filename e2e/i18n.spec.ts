import { expect, test } from "./fixtures";

async function toChinese(page: import("@playwright/test").Page) {
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
}

test("sign-in, errors from the server and SSO failures speak Simplified Chinese", async ({ guest, allowHttpErrors, problems }) => {
  allowHttpErrors(/\/trpc\/accounts\.signIn/);
  const page = await guest();
  await page.goto("/sign-in?error=sso_domain_not_allowed");
  await expect(page.getByTestId("form-error")).toHaveText("Accounts from your email domain may not sign in with this provider.");
  await toChinese(page);
  await expect(page.getByRole("heading", { name: "登录" })).toBeVisible();
  await expect(page.getByTestId("form-error")).toHaveText("您的邮箱域名不允许通过此提供方登录。");
  await page.getByLabel("邮箱").fill("nobody");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.getByText("请输入有效的邮箱地址")).toBeVisible();
  await page.getByLabel("邮箱").fill("nobody@example.com");
  await page.getByLabel("密码").fill("wrong password");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("邮箱或密码错误");
  expect(problems).toEqual([]);
});

test("projects, members, roles and instance settings in Simplified Chinese", async ({ page, problems }) => {
  await page.goto("/projects");
  await toChinese(page);
  await expect(page.getByRole("heading", { level: 1, name: "项目" })).toBeVisible();
  await page.getByRole("button", { name: "新建项目" }).first().click();
  const dialog = page.getByRole("dialog", { name: "创建项目" });
  await dialog.getByLabel("项目名称").fill("商城");
  await dialog.getByLabel("标识").fill("Bad Slug");
  await dialog.getByRole("button", { name: "创建项目" }).click();
  await expect(dialog.getByText("3–40 个小写字母、数字或单个连字符，以字母开头")).toBeVisible();
  await dialog.getByLabel("标识").fill("mall");
  await dialog.getByRole("button", { name: "创建项目" }).click();
  await expect(page).toHaveURL(/\/projects\/mall$/);
  await expect(page.getByRole("heading", { level: 1, name: "商城" })).toBeVisible();

  await page.getByTestId("nav-project").getByRole("link", { name: "成员" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "成员" })).toBeVisible();
  await expect(page.getByTestId("member-admin@example.com")).toContainText("所有者");
  await page.getByTestId("nav-project").getByRole("link", { name: "角色" }).click();
  await expect(page.getByTestId("roles-matrix")).toContainText("邀请、修改角色、移除成员");
  await page.goto("/admin/settings");
  await expect(page.getByRole("heading", { level: 1, name: "实例设置" })).toBeVisible();
  await expect(page.getByText("要求双因素认证")).toBeVisible();

  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "English" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Instance settings" })).toBeVisible();
  expect(problems).toEqual([]);
});
