import { dismissToasts, expect, expectToast, test, trpc } from "./fixtures";

test.describe.configure({ mode: "serial" });

test("roles matrix: built-ins read-only, a custom role created, ticked, renamed, deleted", async ({ page, allowHttpErrors, problems }) => {
  allowHttpErrors(/\/trpc\/projects\.createRole/);
  await trpc(page.request, "projects.create", { name: "Roles Lab", slug: "roles-lab" });
  await page.goto("/projects/roles-lab/roles");
  const matrix = page.getByTestId("roles-matrix");
  await expect(matrix.getByRole("checkbox", { name: "Viewer: See the project" })).toBeChecked();
  await expect(matrix.getByRole("checkbox", { name: "Viewer: See the project" })).toBeDisabled();
  await expect(page.getByText("No custom roles yet")).toBeVisible();

  await page.getByTestId("create-role").click();
  const dialog = page.getByRole("dialog", { name: "Create a custom role" });
  await dialog.getByLabel("Role name").fill("x");
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expect(dialog.getByText("At least 2 characters")).toBeVisible();
  await dialog.getByLabel("Role name").fill("Admin");
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expect(dialog.getByText("Admin is a built-in role name")).toBeVisible();
  await dialog.getByLabel("Role name").fill("Support");
  await dialog.getByLabel("Start from").click();
  await page.getByRole("option", { name: "Viewer" }).click();
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expectToast(page, "Role Support created");
  const manage = matrix.getByRole("checkbox", { name: "Support: Manage app users" });
  await expect(matrix.getByRole("checkbox", { name: "Support: See the project" })).toBeChecked();
  await expect(manage).not.toBeChecked();
  await manage.click();
  await expectToast(page, "Role saved");
  await page.reload();
  await expect(matrix.getByRole("checkbox", { name: "Support: Manage app users" })).toBeChecked();

  await page.getByRole("button", { name: "Actions for role Support" }).click();
  await page.getByRole("menuitem", { name: "Rename" }).click();
  await page.getByRole("dialog").getByLabel("Role name").fill("Helpdesk");
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await expect(matrix.getByRole("columnheader", { name: /Helpdesk/ })).toBeVisible();
  await page.getByRole("button", { name: "Actions for role Helpdesk" }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expectToast(page, "Role Helpdesk deleted");
  await expect(matrix.getByRole("columnheader", { name: /Helpdesk/ })).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("sharing: a user pool granted to another project, seen by both sides, revoked", async ({ page, problems }) => {
  await trpc(page.request, "projects.create", { name: "Partner", slug: "partner" });
  await page.goto("/projects/roles-lab/sharing");
  await expect(page.getByText("Nothing shared yet")).toBeVisible();
  await page.getByTestId("grant-access").first().click();
  const dialog = page.getByRole("dialog", { name: "Share a resource" });
  await dialog.getByRole("combobox", { name: "Project" }).click();
  await page.getByRole("option", { name: /Partner/ }).click();
  await dialog.getByRole("combobox", { name: "Access" }).click();
  await page.getByRole("option", { name: "Read and write" }).click();
  await dialog.getByRole("button", { name: "Share" }).click();
  await expectToast(page, "Shared with partner");
  await expect(page.getByRole("row", { name: /partner.*User pool.*default.*Read and write/ })).toBeVisible();

  await page.goto("/projects/partner/sharing");
  await expect(page.getByRole("row", { name: /roles-lab.*User pool.*default/ })).toBeVisible();
  await page.goto("/projects/roles-lab/sharing");
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expectToast(page, "Grant revoked");
  await expect(page.getByText("Nothing shared yet")).toBeVisible();
  expect(problems).toEqual([]);
});

test("project settings: rename, new slug, archive and unarchive, delete with the typed slug", async ({ page, problems }) => {
  await page.goto("/projects/roles-lab/settings");
  await page.getByLabel("Project name").fill("Roles Laboratory");
  await page.getByLabel("Slug").fill("roles-laboratory");
  await page.getByRole("button", { name: "Save" }).click();
  await expectToast(page, "Settings saved");
  await expect(page).toHaveURL(/\/projects\/roles-laboratory\/settings$/);
  await expect(page.getByTestId("project-switcher")).toHaveText("Roles Laboratory");

  await page.getByTestId("archive-toggle").click();
  await expectToast(page, "Project archived");
  await expect(page.getByTestId("archived-banner")).toBeVisible();
  await expect(page.getByLabel("Project name")).toBeDisabled();
  await page.getByTestId("archive-toggle").click();
  await expectToast(page, "Project unarchived");
  await expect(page.getByTestId("archived-banner")).toHaveCount(0);

  await page.getByTestId("delete-project").click();
  const confirm = page.getByRole("alertdialog");
  const del = confirm.getByRole("button", { name: "Delete project" });
  await expect(del).toBeDisabled();
  await confirm.getByLabel("Type roles-laboratory to confirm").fill("roles-lab");
  await expect(del).toBeDisabled();
  await confirm.getByLabel("Type roles-laboratory to confirm").fill("roles-laboratory");
  await del.click();
  await expectToast(page, "Project Roles Laboratory deleted");
  await expect(page).toHaveURL(/\/projects$/);
  await expect(page.getByTestId("project-list")).not.toContainText("Roles Laboratory");
  expect(problems).toEqual([]);
});

test("accounts: an admin creates one, disables it (it can no longer sign in) and enables it again", async ({
  page,
  guest,
  allowHttpErrors,
  problems,
}) => {
  allowHttpErrors(/\/trpc\/instance\.createAccount/);
  await page.goto("/admin/accounts");
  await page.getByTestId("create-account").click();
  const dialog = page.getByRole("dialog", { name: "Create an account" });
  await dialog.getByLabel("Name").fill("Dora Disabled");
  await dialog.getByLabel("Email").fill("admin@example.com");
  await dialog.getByLabel("Initial password").fill("dora password 42");
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.getByText("An account with admin@example.com already exists")).toBeVisible();
  await dialog.getByLabel("Email").fill("dora@example.com");
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expectToast(page, "Account dora@example.com created");
  const row = page.getByTestId("account-dora@example.com");
  await row.getByRole("button", { name: "Disable" }).click();
  await expectToast(page, "dora@example.com is disabled and signed out");
  await expect(row).toContainText("Disabled");

  allowHttpErrors(/\/trpc\/accounts\.signIn/);
  const dora = await guest();
  await dora.goto("/sign-in");
  await dora.getByLabel("Email").fill("dora@example.com");
  await dora.getByLabel("Password").fill("dora password 42");
  await dora.getByRole("button", { name: "Sign in" }).click();
  await expect(dora.getByTestId("form-error")).toHaveText("This account is disabled");

  // The row may sit low enough for the "disabled" toast to cover its button.
  await dismissToasts(page);
  await row.getByRole("button", { name: "Enable" }).click();
  await expectToast(page, "dora@example.com is enabled");
  await dora.getByRole("button", { name: "Sign in" }).click();
  await expect(dora).toHaveURL(/\/$/);
  // Not an instance admin: the admin pages say so instead of failing.
  await dora.goto("/admin/settings");
  await expect(dora.getByText("Instance administrators only")).toBeVisible();
  expect(problems).toEqual([]);
});

test("without mail, an invitation shows its link to pass on by hand", async ({ page, problems }) => {
  await trpc(page.request, "instance.updateSmtp", null);
  await trpc(page.request, "projects.create", { name: "Offline", slug: "offline" });
  await page.goto("/projects/offline/members");
  await page.getByTestId("invite-member").click();
  const dialog = page.getByRole("dialog", { name: "Invite a member" });
  await dialog.getByLabel("Email").fill("offline@example.com");
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(dialog.getByTestId("invitation-link")).toContainText("Mail is not configured");
  const link = await dialog.getByRole("textbox", { name: "Invitation link" }).inputValue();
  expect(link).toMatch(/\/invitations\/accept\?token=/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("invitations")).toContainText("offline@example.com");
  await page.getByRole("button", { name: "Revoke the invitation for offline@example.com" }).click();
  await expectToast(page, "Invitation revoked");
  await expect(page.getByTestId("invitations")).toContainText("No open invitations");
  expect(problems).toEqual([]);
});

test("the audit log pages 50 entries at a time", async ({ page, problems }) => {
  await trpc(page.request, "projects.create", { name: "Busy", slug: "busy" });
  // Each create and delete writes an entry: with the project's creation, 61 in all.
  for (let i = 0; i < 30; i++) {
    const role = await trpc<{ id: string }>(page.request, "projects.createRole", { project: "busy", name: `Role ${i}`, permissions: [] });
    await trpc(page.request, "projects.deleteRole", { project: "busy", roleId: role.id });
  }
  await page.goto("/projects/busy/audit");
  const rows = page.getByTestId("audit-action");
  await expect(rows).toHaveCount(50);
  await page.getByTestId("load-more").click();
  await expect(rows).toHaveCount(61);
  await expect(page.getByTestId("load-more")).toHaveCount(0);
  await expect(rows.last()).toHaveText("Project created");
  expect(problems).toEqual([]);
});
