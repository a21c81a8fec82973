import { linkIn, startSmtpListener, type SmtpListener } from "../server/testing/smtp";
import { ADMIN, BASE_URL, expect, expectToast, test } from "./fixtures";

let smtp: SmtpListener;
test.beforeAll(async () => {
  smtp = await startSmtpListener();
});
test.afterAll(async () => {
  await smtp.close();
});

const MEMBER = { email: "mia@example.com", name: "Mia Member", password: "member password 1" };

test("invitation journey: project, SMTP, invite by mail, accept, role change, removal", async ({
  page,
  guest,
  allowHttpErrors,
  problems,
}) => {
  // The admin creates a project in the UI; the slug follows the name.
  await page.goto("/projects");
  await page.getByTestId("create-project").click();
  const dialog = page.getByRole("dialog", { name: "Create a project" });
  await dialog.getByLabel("Project name").fill("Coffee Shop");
  await expect(dialog.getByLabel("Slug")).toHaveValue("coffee-shop");
  await dialog.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(/\/projects\/coffee-shop$/);
  await expect(page.getByRole("heading", { level: 1, name: "Coffee Shop" })).toBeVisible();
  await expect(page.getByTestId("project-switcher")).toHaveText("Coffee Shop");
  await expect(page.getByTestId("nav-project").getByRole("link")).toHaveText([
    "Overview",
    "Members",
    "Roles",
    "Sharing",
    "Audit log",
    "Settings",
  ]);

  // SMTP through the instance settings, pointed at a real SMTP listener; the test mail arrives.
  await page.goto("/admin/settings");
  await expect(page.getByTestId("public-url")).toHaveText(BASE_URL);
  const smtpCard = page.getByTestId("smtp-card");
  await smtpCard.getByLabel("Server").fill("127.0.0.1");
  await smtpCard.getByRole("textbox", { name: "Port" }).fill(String(smtp.port));
  await smtpCard.getByLabel("From address").fill("apprun@example.com");
  await smtpCard.getByRole("button", { name: "Save" }).click();
  await expectToast(page, "Mail settings saved");
  await smtpCard.getByTestId("smtp-test").click();
  await expectToast(page, `Test mail sent to ${ADMIN.email}`);
  expect((await smtp.waitFor(ADMIN.email)).subject).toBe("apprun SMTP test");

  // The admin invites a member as project admin; the mail carries the link.
  await page.goto("/projects/coffee-shop/members");
  await expect(page.getByTestId(`member-${ADMIN.email}`)).toContainText("Owner");
  await expect(page.getByTestId("invitations")).toContainText("No open invitations");
  await page.getByTestId("invite-member").click();
  const invite = page.getByRole("dialog", { name: "Invite a member" });
  await invite.getByLabel("Email").fill(MEMBER.email);
  await invite.getByRole("combobox", { name: "Role" }).click();
  await page.getByRole("option", { name: "Admin" }).click();
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expectToast(page, `Invitation sent to ${MEMBER.email}`);
  await expect(page.getByTestId("invitations")).toContainText(MEMBER.email);
  const mail = await smtp.waitFor(MEMBER.email);
  expect(mail.subject).toBe("Ada Admin invited you to Coffee Shop on apprun");
  const link = linkIn(mail);
  expect(link.origin).toBe(BASE_URL);

  // The member opens the mailed link in another browser, creates the account, lands in the project.
  const member = await guest();
  await member.goto(link.pathname + link.search);
  await expect(member.getByTestId("invitation-details")).toContainText("Coffee Shop");
  await expect(member.getByTestId("invitation-details")).toContainText(MEMBER.email);
  await member.getByLabel("Name").fill(MEMBER.name);
  await member.getByLabel("Password").fill(MEMBER.password);
  await member.getByRole("button", { name: "Create account and join" }).click();
  await expect(member).toHaveURL(/\/projects\/coffee-shop$/);
  await expect(member.getByRole("heading", { level: 1, name: "Coffee Shop" })).toBeVisible();
  await member.goto("/projects/coffee-shop/members");
  await expect(member.getByTestId("invite-member")).toBeVisible();
  // Not an instance admin: no administration in the navigation.
  await expect(member.getByTestId("nav-admin")).toHaveCount(0);

  // The admin makes the member a viewer.
  await page.reload();
  await expect(page.getByTestId("invitations")).toContainText("No open invitations");
  const row = page.getByTestId(`member-${MEMBER.email}`);
  await row.getByRole("combobox", { name: `Role of ${MEMBER.name}` }).click();
  await page.getByRole("option", { name: "Viewer" }).click();
  await expectToast(page, `${MEMBER.name} is now Viewer`);

  // The member can no longer invite: the button is gone and the server refuses.
  allowHttpErrors(/\/trpc\/projects\.invite/);
  await member.reload();
  await expect(member.getByTestId(`member-${MEMBER.email}`)).toContainText("Viewer");
  await expect(member.getByTestId("invite-member")).toHaveCount(0);
  const refused = await member.evaluate(async () => {
    const res = await fetch("/trpc/projects.invite", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ project: "coffee-shop", email: "x@example.com", role: "viewer" }),
    });
    return { status: res.status, body: await res.json() };
  });
  expect(refused.status).toBe(403);
  expect(refused.body.error.data.code).toBe("forbidden");
  // Viewers read everything, change nothing: no settings page in their navigation.
  await expect(member.getByTestId("nav-project").getByRole("link")).toHaveText(["Overview", "Members", "Roles", "Sharing", "Audit log"]);

  // The admin removes the member, who loses access at once.
  await row.getByRole("button", { name: `Actions for ${MEMBER.name}` }).click();
  await page.getByRole("menuitem", { name: "Remove from project" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove from project" }).click();
  await expectToast(page, `${MEMBER.name} was removed`);
  await expect(page.getByTestId(`member-${MEMBER.email}`)).toHaveCount(0);

  allowHttpErrors(/\/trpc\/projects\.(get|members|invitations|roles)/);
  await member.goto("/projects/coffee-shop");
  await expect(member.getByTestId("project-not-found")).toContainText("Project not found");
  await member.goto("/projects");
  await expect(member.getByTestId("empty-state")).toContainText("No projects yet");

  // Every step is in the project's audit log.
  await page.goto("/projects/coffee-shop/audit");
  const actions = page.getByTestId("audit-action");
  await expect(actions.first()).toHaveText("Member removed");
  for (const action of ["Role changed", "Member joined", "Member invited", "Project created"])
    await expect(actions.filter({ hasText: action })).toHaveCount(1);
  await page.getByTestId("audit-filter").click();
  await page.getByRole("option", { name: "Member joined" }).click();
  await expect(actions).toHaveText(["Member joined"]);
  expect(problems).toEqual([]);
});
