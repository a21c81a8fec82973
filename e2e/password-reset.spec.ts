import { linkIn, startSmtpListener, type SmtpListener } from "../server/testing/smtp";
import { expect, test, trpc } from "./fixtures";

let smtp: SmtpListener;
test.beforeAll(async () => {
  smtp = await startSmtpListener();
});
test.afterAll(async () => {
  await smtp.close();
});

test("open sign-up with a mailed confirmation, then a password reset through the mailed link", async ({ page, guest, problems }) => {
  await trpc(page.request, "instance.updateSmtp", {
    host: "127.0.0.1",
    port: smtp.port,
    secure: false,
    fromAddress: "apprun@example.com",
    fromName: "apprun",
  });
  await trpc(page.request, "instance.updateSignup", { mode: "open" });
  try {
    const visitor = await guest();
    await visitor.goto("/sign-in");
    await visitor.getByRole("link", { name: "Sign up" }).click();
    await expect(visitor.getByRole("heading", { name: "Create your account" })).toBeVisible();
    await visitor.getByLabel("Name").fill("Sam Signup");
    await visitor.getByLabel("Email").fill("sam@example.com");
    await visitor.getByLabel("Password").fill("sam password 42");
    await visitor.getByRole("button", { name: "Create account" }).click();
    await expect(visitor).toHaveURL(/\/projects$/);
    await expect(visitor.getByTestId("empty-state")).toBeVisible();

    // The confirmation link from the mail confirms the address.
    const confirmation = linkIn(await smtp.waitFor("sam@example.com"));
    await visitor.goto(confirmation.pathname + confirmation.search);
    await expect(visitor.getByRole("heading", { name: "Email confirmed" })).toBeVisible();
    await visitor.goto("/account");
    await expect(visitor.getByText("Confirmed", { exact: true })).toBeVisible();

    // Forgotten password: the mailed link sets a new one and ends every session.
    const other = await guest();
    await other.goto("/sign-in");
    await other.getByRole("link", { name: "Forgot password?" }).click();
    await expect(other.getByRole("heading", { name: "Reset your password" })).toBeVisible();
    await other.getByLabel("Email").fill("sam@example.com");
    await other.getByRole("button", { name: "Send reset link" }).click();
    await expect(other.getByTestId("form-success")).toContainText("sam@example.com");
    const reset = linkIn(await smtp.waitFor("sam@example.com"));
    await other.goto(reset.pathname + reset.search);
    await other.getByLabel("New password", { exact: true }).fill("a brand new password");
    await other.getByLabel("Confirm the new password").fill("a different password");
    await other.getByRole("button", { name: "Set new password" }).click();
    await expect(other.getByText("The two passwords differ")).toBeVisible();
    await other.getByLabel("Confirm the new password").fill("a brand new password");
    await other.getByRole("button", { name: "Set new password" }).click();
    await expect(other.getByRole("heading", { name: "Password changed" })).toBeVisible();
    await other.getByRole("link", { name: "Sign in" }).click();
    await expect(other.getByRole("heading", { name: "Sign in" })).toBeVisible();
    await other.getByLabel("Email").fill("sam@example.com");
    await other.getByLabel("Password").fill("a brand new password");
    await other.getByRole("button", { name: "Sign in" }).click();
    await expect(other).toHaveURL(/\/$/);

    // The first browser's session ended with the reset: it is sent to sign-in.
    await visitor.goto("/projects");
    await expect(visitor).toHaveURL(/\/sign-in\?next=%2Fprojects$/);
  } finally {
    await trpc(page.request, "instance.updateSignup", { mode: "invite_only" });
  }
  expect(problems).toEqual([]);
});
