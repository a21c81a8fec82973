import { base32Decode, hotp, totpStep } from "../server/platform/crypto/totp";
import { expect, expectToast, test, trpc } from "./fixtures";

const USER = { email: "tess@example.com", name: "Tess Totp", password: "tess password 42" };

/**
 * A code the server accepts now and has not seen: each use must be a later time step than the
 * last (no replay), within one step of the clock. Starting a step behind leaves room for three
 * uses without waiting for the clock.
 */
function totpCodes(secret: Buffer) {
  let last = -Infinity;
  return async () => {
    for (;;) {
      const now = totpStep(Date.now());
      const step = Math.max(now - 1, last + 1);
      if (step <= now + 1) {
        last = step;
        return hotp(secret, step);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
}

test("TOTP: enrol on the account page, then sign in with a code from the shown secret", async ({ page, guest, problems }) => {
  await trpc(page.request, "instance.createAccount", { ...USER, instanceAdmin: false });

  const user = await guest();
  await user.goto("/sign-in");
  await user.getByLabel("Email").fill(USER.email);
  await user.getByLabel("Password").fill(USER.password);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user).toHaveURL(/\/$/);

  await user.getByTestId("account-menu").click();
  await user.getByRole("menuitem", { name: "Account" }).click();
  await expect(user.getByRole("heading", { level: 1, name: "Account" })).toBeVisible();
  await expect(user.getByTestId("sessions")).toContainText("This session");
  await user.getByTestId("enable-totp").click();
  await expect(user.getByTestId("totp-qr")).toBeVisible();
  const secret = base32Decode((await user.getByTestId("totp-secret").textContent())!);
  await user.getByLabel("Code from the app").fill("12");
  await user.getByRole("button", { name: "Turn on" }).click();
  await expect(user.getByText("Enter the 6 digits")).toBeVisible();
  const nextCode = totpCodes(secret);
  await user.getByLabel("Code from the app").fill(await nextCode());
  await user.getByRole("button", { name: "Turn on" }).click();
  const codes = user.getByTestId("recovery-codes").getByRole("listitem");
  await expect(codes).toHaveCount(10);
  await user.getByTestId("totp-done").click();
  await expectToast(user, "Two-factor authentication is on");
  await expect(user.getByTestId("two-factor")).toContainText("10 recovery codes left");

  // Sign out, then sign in: password, then a fresh code (a used one cannot be replayed).
  await user.getByTestId("account-menu").click();
  await user.getByTestId("sign-out").click();
  await expect(user).toHaveURL(/\/sign-in$/);
  await user.getByLabel("Email").fill(USER.email);
  await user.getByLabel("Password").fill(USER.password);
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  await user.getByLabel("Authentication code").fill(await nextCode());
  await user.getByRole("button", { name: "Verify" }).click();
  await expect(user).toHaveURL(/\/$/);
  await expect(user.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();

  // Turning it off takes the password and a fresh code.
  await user.goto("/account");
  await user.getByTestId("two-factor").getByRole("button", { name: "Turn off" }).click();
  const dialog = user.getByRole("dialog", { name: "Turn off two-factor authentication?" });
  await dialog.getByLabel("Password").fill(USER.password);
  await dialog.getByLabel("Authentication code").fill(await nextCode());
  await dialog.getByRole("button", { name: "Turn off" }).click();
  await expectToast(user, "Two-factor authentication is off");
  await expect(user.getByTestId("two-factor")).toContainText("Off");
  expect(problems).toEqual([]);
});

test("account: profile name, another session signed out from the list, then everywhere else", async ({ page, guest, problems }) => {
  const who = { email: "sid@example.com", name: "Sid Sessions", password: "sid password 42" };
  await trpc(page.request, "instance.createAccount", { ...who, instanceAdmin: false });
  const laptop = await guest();
  const phone = await guest();
  const tablet = await guest();
  for (const p of [laptop, phone, tablet]) await trpc(p.request, "accounts.signIn", { email: who.email, password: who.password });

  await laptop.goto("/account");
  await laptop.getByLabel("Name").fill("Sid S.");
  await laptop.getByRole("button", { name: "Save" }).first().click();
  await expectToast(laptop, "Profile saved");
  await laptop.getByTestId("account-menu").click();
  await expect(laptop.getByRole("menu")).toContainText("Sid S.");
  await laptop.keyboard.press("Escape");

  const sessions = laptop.getByTestId("sessions").getByRole("listitem");
  await expect(sessions).toHaveCount(3);
  await sessions.filter({ hasNotText: "This session" }).first().getByRole("button", { name: "Sign out" }).click();
  await expectToast(laptop, "Session signed out");
  await expect(sessions).toHaveCount(2);
  await laptop.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expectToast(laptop, "1 other sessions signed out");
  await expect(sessions).toHaveCount(1);
  for (const p of [phone, tablet]) {
    await p.goto("/account");
    await expect(p).toHaveURL(/\/sign-in\?next=%2Faccount$/);
  }
  expect(problems).toEqual([]);
});

test("an instance that requires 2FA shows the enrolment screen only", async ({ page, guest, problems }) => {
  // The policy applies to every account without 2FA, the shared admin's too: a second admin with
  // 2FA turns it on, so the other tests' admin session is never asked to enrol.
  const ops = { email: "ops@example.com", name: "Otto Ops", password: "otto password 42" };
  const who = { email: "pat@example.com", name: "Pat Policy", password: "pat password 42" };
  await trpc(page.request, "instance.createAccount", { ...ops, instanceAdmin: true });
  await trpc(page.request, "instance.createAccount", { ...who, instanceAdmin: false });
  const admin = await guest();
  await trpc(admin.request, "accounts.signIn", { email: ops.email, password: ops.password });
  const { secret: opsSecret } = await trpc<{ secret: string }>(admin.request, "accounts.totp.begin");
  await trpc(admin.request, "accounts.totp.confirm", { code: hotp(base32Decode(opsSecret), totpStep(Date.now())) });
  const user = await guest();
  await trpc(user.request, "accounts.signIn", { email: who.email, password: who.password });

  await admin.goto("/admin/settings");
  await admin.getByLabel("Require two-factor authentication").click();
  await admin.getByRole("button", { name: "Save" }).last().click();
  await expectToast(admin, "Policy saved");
  try {
    await user.goto("/projects");
    await expect(user).toHaveURL(/\/two-factor\/enroll$/);
    await expect(user.getByRole("heading", { name: "Set up two-factor authentication" })).toBeVisible();
    const secret = base32Decode((await user.getByTestId("totp-secret").textContent())!);
    await user.getByLabel("Code from the app").fill(hotp(secret, totpStep(Date.now())));
    await user.getByRole("button", { name: "Turn on" }).click();
    await expect(user.getByTestId("recovery-codes").getByRole("listitem")).toHaveCount(10);
    await user.getByTestId("totp-done").click();
    await expect(user).toHaveURL(/\/$/);
    await expect(user.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  } finally {
    await trpc(admin.request, "instance.updateSecurity", { require2fa: false, requireEmailVerification: false });
  }
  expect(problems).toEqual([]);
});
