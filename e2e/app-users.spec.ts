import type { Page } from "@playwright/test";
import { linkIn, startSmtpListener } from "../server/testing/smtp";
import { BASE_URL, expect, expectToast, test, trpc } from "./fixtures";

test.describe.configure({ mode: "serial" });

const SLUG = "bookshop";
const AUTH = `${BASE_URL}/api/v1/projects/${SLUG}/auth`;
const PASSWORD = "a long passphrase";
const READER = { email: "rita@example.com", name: "Rita Reader" };
const WRITER = { email: "walt@example.com", name: "Walt Writer" };

/** An app calling apprun's public REST API, as the test's own process (not the browser). */
async function rest(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function signIn(email: string, password = PASSWORD) {
  return rest("POST", `${AUTH}/sign-in`, { email, password });
}

/** The claims of a JWT, read without verifying (the server verifies). */
function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

function kid(token: string): string {
  return JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")).kid;
}

async function toChinese(page: Page) {
  await page.getByTestId("language-switch").click();
  await page.getByRole("menuitemradio", { name: "简体中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
}

test("app users end to end: REST sign-up, list and search, roles, sessions revoked, disabled, password reset, deleted", async ({
  page,
  allowHttpErrors,
  problems,
}) => {
  allowHttpErrors(/\/trpc\/auth\.roles\.create/);
  await trpc(page.request, "projects.create", { name: "Bookshop", slug: SLUG });
  await page.goto(`/projects/${SLUG}`);
  await expect(page.getByTestId("nav-auth").getByRole("link")).toHaveText(["Users", "App roles", "Sign-in settings", "API keys"]);

  // Nobody yet: the page explains how apps sign users up, with this project's address.
  await page.getByTestId("nav-auth").getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await expect(page.getByTestId("empty-state")).toContainText("No users yet");
  await expect(page.getByTestId("auth-rest-base")).toHaveText(AUTH);
  await expect(page.getByTestId("sign-up-curl")).toContainText(`curl -X POST ${AUTH}/sign-up`);

  // An app signs two users up through the REST API.
  const reader = await rest("POST", `${AUTH}/sign-up`, { ...READER, password: PASSWORD });
  expect(reader.status).toBe(201);
  expect((await rest("POST", `${AUTH}/sign-up`, { ...WRITER, password: PASSWORD })).status).toBe(201);
  await page.reload();
  const readerRow = page.getByTestId(`app-user-${READER.email}`);
  await expect(readerRow).toContainText(READER.name);
  await expect(readerRow).toContainText("Unverified");
  await expect(readerRow).toContainText("Active");
  await expect(page.getByTestId(`app-user-${WRITER.email}`)).toBeVisible();

  // Search by name or email, kept in the address.
  const search = page.getByRole("searchbox", { name: "Search users" });
  await search.fill("RITA");
  await expect(page.getByTestId(`app-user-${WRITER.email}`)).toHaveCount(0);
  await expect(readerRow).toBeVisible();
  await expect(page).toHaveURL(/\?q=RITA$/);
  await search.fill("nobody-like-this");
  await expect(page.getByTestId("empty-state")).toContainText("No user matches “nobody-like-this”");
  await search.fill("");
  await expect(page.getByTestId(`app-user-${WRITER.email}`)).toBeVisible();

  // App roles: created (the client checks the server's name rule, the server refuses a duplicate).
  await page.getByTestId("nav-auth").getByRole("link", { name: "App roles" }).click();
  await expect(page.getByTestId("empty-state")).toContainText("No app roles yet");
  await page.getByTestId("create-app-role").click();
  let dialog = page.getByRole("dialog", { name: "Create an app role" });
  await dialog.getByLabel("Name").fill("1st-editor");
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expect(dialog.getByText("A letter, then letters, digits, _ . : or -")).toBeVisible();
  await dialog.getByLabel("Name").fill("editor");
  await expect(dialog.getByText('"editor" in auth.roles')).toBeVisible();
  await dialog.getByLabel("Description").fill("Edits the catalogue");
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expectToast(page, "App role editor created");
  await page.getByTestId("create-app-role").click();
  dialog = page.getByRole("dialog", { name: "Create an app role" });
  await dialog.getByLabel("Name").fill("editor");
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expect(dialog.getByText("An app role named editor already exists")).toBeVisible();
  await dialog.getByLabel("Name").fill("reviewr");
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expectToast(page, "App role reviewr created");
  // Renamed and described.
  await page.getByRole("button", { name: "Actions for app role reviewr" }).click();
  await page.getByRole("menuitem", { name: "Edit" }).click();
  dialog = page.getByRole("dialog", { name: "Edit app role reviewr" });
  await dialog.getByLabel("Name").fill("reviewer");
  await dialog.getByLabel("Description").fill("Approves reviews");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expectToast(page, "App role reviewer saved");
  await expect(page.getByTestId("app-role-reviewer")).toContainText("Approves reviews");

  // The reader gets both roles; they reach the token at the next refresh.
  await page.getByTestId("nav-auth").getByRole("link", { name: "Users" }).click();
  await page.getByTestId(`app-user-${READER.email}`).getByRole("link", { name: READER.name }).click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(READER.name) })).toBeVisible();
  const roles = page.getByTestId("user-roles");
  await roles.getByRole("checkbox", { name: "editor" }).click();
  await roles.getByRole("checkbox", { name: "reviewer" }).click();
  await roles.getByRole("button", { name: "Save roles" }).click();
  await expectToast(page, `Roles of ${READER.email} saved`);
  await expect(roles.getByRole("button", { name: "Save roles" })).toBeDisabled();
  const refreshed = await rest("POST", `${AUTH}/refresh`, { refreshToken: reader.body.refreshToken });
  expect(refreshed.status).toBe(200);
  expect(claims(refreshed.body.accessToken).roles).toEqual(["editor", "reviewer"]);
  await page.getByRole("link", { name: "All users" }).click();
  await expect(page.getByTestId(`app-user-${READER.email}`)).toContainText("editor");

  // Sessions: the sign-up's session is listed; ending them all makes the refresh token useless.
  await page.getByTestId(`app-user-${READER.email}`).click();
  await expect(page.getByTestId("user-sessions")).toContainText("Node.js");
  await page.getByTestId("revoke-sessions").click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("at most 15 minutes");
  await confirm.getByRole("button", { name: "Sign out everywhere" }).click();
  await expectToast(page, `${READER.email} is signed out everywhere (sessions ended: 1)`);
  await expect(page.getByTestId("no-sessions")).toBeVisible();
  const afterRevoke = await rest("POST", `${AUTH}/refresh`, { refreshToken: refreshed.body.refreshToken });
  expect(afterRevoke.status).toBe(401);
  expect(afterRevoke.body.error.code).toBe("refresh_token_invalid");

  // Disabled: signing in is refused until the user is enabled again.
  expect((await signIn(READER.email)).status).toBe(200);
  await page.getByTestId("disable-user").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Disable" }).click();
  await expectToast(page, `${READER.email} is disabled and signed out`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Disabled");
  await expect(page.getByTestId("send-reset")).toBeDisabled();
  const refused = await signIn(READER.email);
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe("app_user_disabled");
  await page.getByTestId("enable-user").click();
  await expectToast(page, `${READER.email} is enabled`);
  expect((await signIn(READER.email)).status).toBe(200);

  // A password reset mailed to the user, to the app's site URL; the link sets a new password.
  const smtp = await startSmtpListener();
  try {
    await trpc(page.request, "instance.updateSmtp", {
      host: "127.0.0.1",
      port: smtp.port,
      secure: false,
      fromAddress: "apprun@example.com",
      fromName: "apprun",
    });
    await trpc(page.request, "auth.settings.update", { project: SLUG, siteUrl: "https://books.example.com/account" });
    await page.getByTestId("send-reset").click();
    await expectToast(page, `Password reset mail sent to ${READER.email}`);
    const link = linkIn(await smtp.waitFor(READER.email));
    expect(link.origin + link.pathname).toBe("https://books.example.com/account");
    expect(
      (await rest("POST", `${AUTH}/password/reset`, { token: link.searchParams.get("token"), password: "a brand new passphrase" })).status,
    ).toBe(200);
    expect((await signIn(READER.email, "a brand new passphrase")).status).toBe(200);
  } finally {
    await trpc(page.request, "instance.updateSmtp", null);
    await smtp.close();
  }

  // Deleted, after a confirmation: gone from the list, and from sign-in.
  await page.getByRole("link", { name: "All users" }).click();
  await page.getByTestId(`app-user-${WRITER.email}`).click();
  await page.getByRole("button", { name: "More actions" }).click();
  await page.getByRole("menuitem", { name: "Delete user" }).click();
  await expect(page.getByRole("alertdialog")).toContainText(`Delete ${WRITER.email}?`);
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete user" }).click();
  await expectToast(page, `${WRITER.email} deleted`);
  await expect(page).toHaveURL(new RegExp(`/projects/${SLUG}/users$`));
  await expect(page.getByTestId(`app-user-${WRITER.email}`)).toHaveCount(0);
  expect((await signIn(WRITER.email)).status).toBe(401);

  // Every change is in the project's audit log, by name.
  await page.goto(`/projects/${SLUG}/audit`);
  const actions = page.getByTestId("audit-action");
  await expect(actions.first()).toHaveText("App user deleted");
  for (const action of [
    "App user disabled",
    "App user enabled",
    "App user signed out everywhere",
    "App user roles changed",
    "App role created",
    "Password reset mailed to app user",
  ])
    await expect(actions.filter({ hasText: action }).first()).toBeVisible();
  expect(problems).toEqual([]);
});

test("API keys: permissions chosen from the creator's, the secret shown once, used against the management API, revoked", async ({
  page,
  problems,
}) => {
  await page.goto(`/projects/${SLUG}/api-keys`);
  await expect(page.getByTestId("empty-state")).toContainText("No API keys yet");
  await page.getByTestId("create-api-key").first().click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog.getByText("Required")).toBeVisible();
  await expect(dialog.getByText("Choose at least one permission")).toBeVisible();
  await dialog.getByRole("textbox", { name: "Name" }).fill("exporter");
  await dialog.getByRole("checkbox", { name: "See app users" }).click();
  await dialog.getByRole("combobox", { name: "Expires" }).click();
  await page.getByRole("option", { name: "In 30 days" }).click();
  await dialog.getByRole("button", { name: "Create key" }).click();

  const shown = page.getByRole("dialog", { name: "Copy your new API key" });
  await expect(shown.getByTestId("api-key-once")).toContainText("This is the only time the key is shown");
  const secret = await shown.getByTestId("api-key-secret").inputValue();
  expect(secret).toMatch(/^ar_[0-9a-z]{12}_[A-Za-z0-9_-]{43}$/);
  await expect(shown).toContainText(`${BASE_URL}/api/v1/admin/projects/${SLUG}/users`);
  await shown.getByTestId("api-key-done").click();
  await expect(shown).toHaveCount(0);

  // Gone for good: the list shows its prefix only, and a new dialog starts empty.
  const prefix = secret.split("_")[1]!;
  const row = page.getByTestId("api-key-exporter");
  await expect(row).toContainText(`ar_${prefix}_…`);
  await expect(row).toContainText("users:read");
  await expect(row).toContainText("Not used yet");
  await expect(page.locator("body")).not.toContainText(secret.slice(16));
  await page.getByTestId("create-api-key").click();
  await expect(page.getByTestId("api-key-secret")).toHaveCount(0);
  await expect(page.getByRole("dialog").getByRole("textbox", { name: "Name" })).toHaveValue("");
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

  // The key works on the management API, within its permissions.
  const listed = await rest("GET", `${BASE_URL}/api/v1/admin/projects/${SLUG}/users`, undefined, secret);
  expect(listed.status).toBe(200);
  expect(listed.body.users.map((u: { email: string }) => u.email)).toEqual([READER.email]);
  const beyond = await rest("POST", `${BASE_URL}/api/v1/admin/projects/${SLUG}/users/${listed.body.users[0].id}/disable`, {}, secret);
  expect(beyond.status).toBe(403);
  await page.reload();
  await expect(row).not.toContainText("Not used yet");

  // Revoked, after a confirmation: refused at once.
  await page.getByRole("button", { name: "Revoke exporter" }).click();
  await expect(page.getByRole("alertdialog")).toContainText(`ar_${prefix}_…`);
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expectToast(page, "API key exporter revoked");
  await expect(row).toContainText("Revoked");
  await expect(page.getByRole("button", { name: "Revoke exporter" })).toHaveCount(0);
  const revoked = await rest("GET", `${BASE_URL}/api/v1/admin/projects/${SLUG}/users`, undefined, secret);
  expect(revoked.status).toBe(401);
  expect(revoked.body.error.code).toBe("api_key_revoked");
  expect(problems).toEqual([]);
});

test("sign-in settings: validated and saved; a provider created and edited keeps its secret; key rotation keeps old tokens valid", async ({
  page,
  problems,
}) => {
  const project = await trpc<{ id: string }>(page.request, "projects.get", { project: SLUG }, "query");
  const issuer = `${BASE_URL}/api/v1/projects/${project.id}/auth`;
  await page.goto(`/projects/${SLUG}`);
  await page.getByTestId("nav-auth").getByRole("link", { name: "Sign-in settings" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sign-in settings" })).toBeVisible();
  await expect(page.getByTestId("auth-rest-base")).toHaveText(AUTH);
  await expect(page.getByTestId("auth-jwks-url")).toHaveText(`${issuer}/jwks`);
  await expect(page.getByRole("textbox", { name: "Site URL" })).toHaveValue("https://books.example.com/account");

  // Checked in the browser with the server's rules, then saved: only what changed is sent.
  const save = page.getByTestId("save-auth-settings");
  await expect(save).toBeDisabled();
  await page.getByRole("textbox", { name: "Access token lifetime" }).fill("0");
  await page.getByRole("textbox", { name: "Site URL" }).fill("not a url");
  await save.click();
  await expect(page.getByText("Enter a valid URL")).toBeVisible();
  await page.getByRole("textbox", { name: "Site URL" }).fill("https://books.example.com/account");
  await save.click();
  await expect(page.getByText("Between 1 minute and 1 day")).toBeVisible();
  await page.getByRole("textbox", { name: "Access token lifetime" }).fill("30");
  await page.getByRole("textbox", { name: "Other allowed return URLs" }).fill("https://books.example.com/oauth\nhttp://localhost:3000");
  await page.getByRole("switch", { name: "Magic link" }).click();
  const sent = page.waitForRequest((r) => r.url().includes("/trpc/auth.settings.update"));
  await save.click();
  await expectToast(page, "Sign-in settings saved");
  expect(JSON.parse((await sent).postData()!)["0"]).toEqual({
    project: SLUG,
    magicLink: false,
    accessTokenTtlSeconds: 1800,
    redirectUrls: ["https://books.example.com/oauth", "http://localhost:3000"],
  });
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Access token lifetime" })).toHaveValue("30");
  await expect(page.getByRole("switch", { name: "Magic link" })).toHaveAttribute("aria-checked", "false");
  const announced = await rest("GET", `${AUTH}/settings`);
  expect(announced.body.methods).toEqual({ password: true, emailOtp: true, magicLink: false });

  // Providers: the callback URL to register; a GitHub preset created, then edited without its secret.
  await page.getByTestId("auth-tabs").getByRole("link", { name: "Providers" }).click();
  await expect(page.getByTestId("oauth-callback")).toHaveText(`${issuer}/oauth/callback`);
  await page.getByTestId("provider-presets").getByRole("button", { name: "GitHub" }).click();
  let dialog = page.getByRole("dialog", { name: "Add GitHub" });
  await expect(dialog.getByTestId("provider-dialog-callback")).toHaveText(`${issuer}/oauth/callback`);
  await expect(dialog).toContainText(`Apps start sign-in at ${AUTH}/oauth/github/start`);
  await dialog.getByRole("button", { name: "Add provider" }).click();
  await expect(dialog.getByText("Required")).toHaveCount(1);
  await dialog.getByLabel("Client ID").fill("gh-client");
  await dialog.getByRole("button", { name: "Add provider" }).click();
  await expect(dialog.getByText("Required")).toHaveCount(1);
  await dialog.getByLabel("Client secret").fill("gh-secret-1");
  await dialog.getByRole("button", { name: "Add provider" }).click();
  await expectToast(page, "Provider GitHub added");
  await expect(page.getByTestId("provider-github")).toContainText("Enabled");

  // Microsoft needs a directory GUID: "common" is refused in the browser by the server's schema.
  await page.getByTestId("add-provider").click();
  await page.getByRole("menuitem", { name: "Microsoft" }).click();
  dialog = page.getByRole("dialog", { name: "Add Microsoft" });
  await dialog.getByLabel("Directory (tenant) ID").fill("common");
  await dialog.getByLabel("Client ID").fill("ms-client");
  await dialog.getByLabel("Client secret").fill("ms-secret");
  await dialog.getByRole("button", { name: "Add provider" }).click();
  await expect(dialog.getByText("A GUID such as 00000000-0000-0000-0000-000000000000")).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("button", { name: "Actions for GitHub" }).click();
  await page.getByRole("menuitem", { name: "Edit" }).click();
  dialog = page.getByRole("dialog", { name: "Edit GitHub" });
  await expect(dialog.getByLabel("Client secret")).toHaveValue("");
  await expect(dialog.getByText("Leave empty to keep the saved secret")).toBeVisible();
  await expect(dialog.getByLabel("Client ID")).toHaveValue("gh-client");
  await dialog.getByLabel("Display name").fill("GitHub Enterprise");
  await dialog.getByLabel("GitHub Enterprise Server URL").fill("https://github.books.example.com");
  const update = page.waitForRequest((r) => r.url().includes("/trpc/auth.providers.update"));
  await dialog.getByRole("button", { name: "Save" }).click();
  await expectToast(page, "Provider GitHub Enterprise saved");
  expect((await update).postData()).not.toContain("clientSecret");
  const [changed] = await trpc<Array<{ data: { secretChanged: boolean } }>>(
    page.request,
    "projects.audit",
    { project: SLUG, action: "auth.provider.update" },
    "query",
  );
  expect(changed!.data.secretChanged).toBe(false);
  expect(JSON.stringify(await trpc(page.request, "auth.providers.list", { project: SLUG }, "query"))).not.toContain("gh-secret-1");
  // The start URL apps open now leads to the enterprise server, with the client id kept.
  const start = await fetch(`${AUTH}/oauth/github/start`, { redirect: "manual" });
  expect(start.headers.get("location")).toMatch(/^https:\/\/github\.books\.example\.com\/login\/oauth\/authorize\?.*client_id=gh-client/);

  await page.getByRole("button", { name: "Actions for GitHub Enterprise" }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Users keep their accounts");
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expectToast(page, "Provider GitHub Enterprise deleted");
  await expect(page.getByTestId("provider-presets")).toBeVisible();

  // Signing keys: rotating keeps a token signed before valid until it expires.
  const before = await signIn(READER.email, "a brand new passphrase");
  expect(before.status).toBe(200);
  const oldKid = kid(before.body.accessToken);
  await page.getByTestId("auth-tabs").getByRole("link", { name: "Signing keys" }).click();
  await expect(page.getByTestId("jwks-url")).toHaveText(`${issuer}/jwks`);
  await expect(page.getByTestId(`signing-key-${oldKid}`)).toContainText("Active");
  await page.getByTestId("rotate-key").click();
  const confirm = page.getByRole("alertdialog", { name: "Rotate the signing key?" });
  await expect(confirm).toContainText("stay valid until they expire (at most 30 minutes)");
  await confirm.getByRole("button", { name: "Rotate key" }).click();
  await expectToast(page, /Signing key rotated/);
  await expect(page.getByTestId(`signing-key-${oldKid}`)).toContainText("Retired");
  await expect(page.getByTestId(`signing-key-${oldKid}`)).toContainText("verifies tokens until");
  await expect(page.getByTestId("signing-keys-table").getByText("Active")).toHaveCount(1);

  const ping = await rest("GET", `${BASE_URL}/api/v1/ping`, undefined, before.body.accessToken);
  expect(ping.status).toBe(200);
  expect(ping.body.auth).toMatchObject({ kind: "user", project: project.id });
  const after = await signIn(READER.email, "a brand new passphrase");
  expect(kid(after.body.accessToken)).not.toBe(oldKid);
  expect((await rest("GET", `${AUTH}/jwks`)).body.keys.map((k: { kid: string }) => k.kid)).toContain(oldKid);
  expect(problems).toEqual([]);
});

test("a viewer sees users, app roles, sign-in settings and API keys read-only, and not the signing keys", async ({
  page,
  guest,
  allowHttpErrors,
  problems,
}) => {
  await trpc(page.request, "instance.updateSmtp", null);
  await trpc(page.request, "auth.apiKeys.create", { project: SLUG, name: "reporting", permissions: ["users:read"] });
  const { link } = await trpc<{ link: string }>(page.request, "projects.invite", {
    project: SLUG,
    email: "vera@example.com",
    role: "viewer",
  });
  const viewer = await guest();
  await trpc(viewer.request, "projects.acceptInvitation", {
    token: new URL(link).searchParams.get("token"),
    signUp: { name: "Vera Viewer", password: "viewer password 1" },
  });

  await viewer.goto(`/projects/${SLUG}`);
  await expect(viewer.getByTestId("nav-auth").getByRole("link")).toHaveText(["Users", "App roles", "Sign-in settings", "API keys"]);
  await viewer.getByTestId("nav-auth").getByRole("link", { name: "Users" }).click();
  await viewer.getByTestId(`app-user-${READER.email}`).click();
  await expect(viewer.getByRole("heading", { level: 1, name: new RegExp(READER.name) })).toBeVisible();
  await expect(viewer.getByTestId("user-roles").getByRole("checkbox", { name: "editor" })).toBeDisabled();
  for (const id of ["disable-user", "send-reset", "revoke-sessions", "save-roles"]) await expect(viewer.getByTestId(id)).toHaveCount(0);

  await viewer.getByTestId("nav-auth").getByRole("link", { name: "App roles" }).click();
  await expect(viewer.getByTestId("app-role-editor")).toBeVisible();
  await expect(viewer.getByTestId("create-app-role")).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Actions for app role editor" })).toHaveCount(0);

  await viewer.getByTestId("nav-auth").getByRole("link", { name: "Sign-in settings" }).click();
  await expect(viewer.getByRole("switch", { name: "Magic link" })).toBeDisabled();
  await expect(viewer.getByTestId("save-auth-settings")).toHaveCount(0);
  await expect(viewer.getByTestId("auth-tabs").getByRole("link")).toHaveText(["General", "Providers"]);
  await viewer.goto(`/projects/${SLUG}/auth/signing-keys`);
  await expect(viewer.getByTestId("no-access")).toContainText("It needs the permission “Configure app sign-in”");

  await viewer.getByTestId("nav-auth").getByRole("link", { name: "API keys" }).click();
  await expect(viewer.getByTestId("api-key-reporting")).toContainText("Active");
  await expect(viewer.getByTestId("create-api-key")).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Revoke reporting" })).toHaveCount(0);

  // The server agrees: the viewer's browser cannot change anything either.
  allowHttpErrors(/\/trpc\/auth\.users\.setDisabled/);
  const status = await viewer.evaluate(
    async () =>
      (
        await fetch("/trpc/auth.users.setDisabled", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ project: "bookshop", userId: "usr_x", disabled: true }),
        })
      ).status,
  );
  expect(status).toBe(403);
  expect(problems).toEqual([]);
});

test("users, app roles, sign-in settings and API keys in Simplified Chinese, with the server's messages", async ({
  page,
  allowHttpErrors,
  problems,
}) => {
  allowHttpErrors(/\/trpc\/auth\.roles\.create/);
  await page.goto(`/projects/${SLUG}/users`);
  await toChinese(page);
  await expect(page.getByRole("heading", { level: 1, name: "用户" })).toBeVisible();
  await expect(page.getByTestId("nav-auth")).toContainText("身份认证");
  await expect(page.getByTestId(`app-user-${READER.email}`)).toContainText("正常");
  await expect(page.getByRole("searchbox", { name: "搜索用户" })).toBeVisible();

  await page.getByTestId("nav-auth").getByRole("link", { name: "应用角色" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "应用角色" })).toBeVisible();
  await page.getByTestId("create-app-role").click();
  const dialog = page.getByRole("dialog", { name: "创建应用角色" });
  await dialog.getByLabel("名称").fill("editor");
  await dialog.getByRole("button", { name: "创建角色" }).click();
  await expect(dialog.getByText("已存在名为 editor 的应用角色")).toBeVisible();
  await dialog.getByRole("button", { name: "取消" }).click();

  await page.getByTestId("nav-auth").getByRole("link", { name: "登录设置" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "登录设置" })).toBeVisible();
  await page.getByRole("textbox", { name: "访问令牌有效期" }).fill("2");
  await page.getByRole("combobox", { name: "访问令牌有效期的单位" }).click();
  await page.getByRole("option", { name: "小时" }).click();
  await page.getByRole("textbox", { name: "访问令牌有效期" }).fill("25");
  await page.getByTestId("save-auth-settings").click();
  await expect(page.getByText("须在 1 分钟到 1 天之间")).toBeVisible();
  await page.getByRole("button", { name: "放弃更改" }).click();
  await expect(page.getByRole("textbox", { name: "访问令牌有效期" })).toHaveValue("30");

  await page.getByTestId("nav-auth").getByRole("link", { name: "API 密钥" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "API 密钥" })).toBeVisible();
  await expect(page.getByTestId("api-key-exporter")).toContainText("已吊销");
  await page.getByTestId("create-api-key").click();
  await page.getByRole("dialog", { name: "创建 API 密钥" }).getByRole("button", { name: "创建密钥" }).click();
  await expect(page.getByText("请至少选择一项权限")).toBeVisible();
  expect(problems).toEqual([]);
});
