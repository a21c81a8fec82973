import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { ADMIN, BASE_URL, expect, expectToast, signIn, test } from "./fixtures";

/**
 * A real OpenID Provider (panva's oidc-provider) on a random port. Its development login form
 * accepts any login and password; the login becomes the subject and the email claim.
 */
async function startIdp() {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "apprun-console",
        client_secret: "idp-client-secret-0123456789",
        redirect_uris: [`${BASE_URL}/api/v1/admin/sso/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Claims in the ID token itself: apprun reads the ID token, not the userinfo endpoint.
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: sub, email_verified: true, name: `SSO ${sub}` }),
    }),
    cookies: { keys: ["e2e-idp-cookie-key"] },
  });
  server.on("request", provider.callback());
  return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let idp: Awaited<ReturnType<typeof startIdp>>;
test.beforeAll(async () => {
  idp = await startIdp();
});
test.afterAll(async () => {
  await idp?.close();
});

/** The test IdP's own login page asks for a web font; nothing here may reach the internet. */
async function withoutIdpFonts(page: import("@playwright/test").Page) {
  await page
    .context()
    .route(/^https:\/\/fonts\.googleapis\.com\//, (route) => route.fulfill({ status: 200, contentType: "text/css", body: "" }));
  return page;
}

async function loginAtIdp(page: import("@playwright/test").Page, login: string) {
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.locator('button[type="submit"]').click();
  // The consent step of the development interactions.
  await page.locator('button[type="submit"]').click();
}

test("single sign-on through a real OpenID provider, configured in the admin UI", async ({ guest, allowHttpErrors, problems }) => {
  allowHttpErrors(/^http:\/\/localhost:\d+\//);
  // Its own session: signing out must not end the session the other tests share.
  const page = await withoutIdpFonts(await guest());
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto("/admin/sso");
  await expect(page.getByTestId("sso-callback")).toHaveText(`${BASE_URL}/api/v1/admin/sso/callback`);
  await expect(page.getByTestId("empty-state")).toContainText("No providers");
  await page.getByTestId("add-sso").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name", { exact: true }).fill("Company SSO");
  await dialog.getByLabel("Issuer URL").fill(idp.issuer);
  await dialog.getByLabel("Client ID").fill("apprun-console");
  await dialog.getByLabel("Client secret").fill("idp-client-secret-0123456789");
  await dialog.getByRole("button", { name: "Add provider" }).click();
  await expectToast(page, "Provider Company SSO added");
  await expect(page.getByTestId("sso-table")).toContainText(idp.issuer);

  // Editing never shows the secret; leaving it empty keeps it.
  await page.getByRole("button", { name: "Actions for Company SSO" }).click();
  await page.getByRole("menuitem", { name: "Edit" }).click();
  await expect(page.getByRole("dialog").getByLabel("Client secret")).toHaveValue("");
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await expectToast(page, "Provider Company SSO saved");

  await page.getByTestId("account-menu").click();
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByRole("link", { name: "Continue with Company SSO" }).click();
  await loginAtIdp(page, ADMIN.email);
  await expect(page).toHaveURL(`${BASE_URL}/`);
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await page.goto("/account");
  await expect(page.getByTestId("sessions")).toContainText("single sign-on");

  // An identity with no account (and no automatic provisioning) comes back with a clear message.
  const stranger = await withoutIdpFonts(await guest());
  await stranger.goto("/sign-in?next=%2Fprojects");
  await stranger.getByRole("link", { name: "Continue with Company SSO" }).click();
  await loginAtIdp(stranger, "stranger@example.com");
  await expect(stranger).toHaveURL(/\/sign-in\?error=sso_no_account$/);
  await expect(stranger.getByTestId("form-error")).toContainText("No console account matches this identity");
  expect(problems).toEqual([]);
});
