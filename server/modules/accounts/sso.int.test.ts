import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleClient, failure, type ConsoleClient } from "../../testing/console-client";
import { DATABASE_KINDS } from "../../testing/databases";
import { browseThroughSso, startOidcProvider } from "../../testing/oidc-provider";
import { startTestApp, type TestApp } from "../../testing/app";
import { safeRedirect } from "./sso";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe.each(DATABASE_KINDS)("single sign-on through a real OpenID Provider on %s", (kind) => {
  let t: TestApp;
  let idp: Awaited<ReturnType<typeof startOidcProvider>>;
  let admin: ConsoleClient;
  let providerId: string;
  let projectId: string;

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    t = await startTestApp(kind, { config: { port, publicUrl } });
    idp = await startOidcProvider({
      clientId: "apprun-console",
      clientSecret: "idp-client-secret-value",
      redirectUris: [`${publicUrl}/api/v1/admin/sso/callback`],
      accounts: {
        alice: { email: "Alice@Corp.example", name: "Alice Corp" },
        bob: { email: "bob@other.example", name: "Bob Other" },
        carol: { email: "carol@corp.example", name: "Carol Corp" },
      },
    });
    admin = consoleClient(t.baseUrl);
    await admin.trpc.accounts.setup.mutate({ email: "admin@corp.example", name: "Admin", password: "correct horse battery" });
    projectId = (await admin.trpc.projects.create.mutate({ name: "Corp app", slug: "corp-app" })).id;
    const provider = await admin.trpc.instance.createSsoProvider.mutate({
      name: "Corp IdP",
      issuer: idp.issuer,
      clientId: "apprun-console",
      clientSecret: "idp-client-secret-value",
      allowedDomains: ["corp.example"],
      jitProvisioning: true,
      defaultProjectId: projectId,
      defaultRole: "developer",
    });
    providerId = provider.id;
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  it("lists the provider on the sign-in page and never returns its secret", async () => {
    expect((await consoleClient(t.baseUrl).trpc.accounts.state.query()).ssoProviders).toEqual([{ id: providerId, name: "Corp IdP" }]);
    const providers = await admin.trpc.instance.ssoProviders.query();
    expect(providers[0]).toMatchObject({
      issuer: idp.issuer,
      clientId: "apprun-console",
      allowedDomains: ["corp.example"],
      jitProvisioning: true,
    });
    expect(JSON.stringify(providers)).not.toContain("idp-client-secret-value");
    const row = await t.app.database.db
      .selectFrom("sso_providers")
      .select("client_secret")
      .where("id", "=", providerId)
      .executeTakeFirstOrThrow();
    expect(row.client_secret).toMatch(/^v1\./);
  });

  it("signs a new person in through the whole code + PKCE flow, provisioning the account into the default project", async () => {
    const { final, finalUrl, apprunCookies } = await browseThroughSso(
      `${t.baseUrl}/api/v1/admin/sso/${providerId}/start?redirect=/projects`,
      "alice",
    );
    expect(final.status).toBe(404); // no console in this test app: the redirect target itself is not served
    expect(finalUrl.pathname).toBe("/projects");
    const session = apprunCookies.get("apprun_session");
    expect(session).toBeTruthy();

    const browser = consoleClient(t.baseUrl);
    browser.jar.set("apprun_session", session!);
    const state = await browser.trpc.accounts.state.query();
    expect(state.account).toMatchObject({ email: "alice@corp.example", name: "Alice Corp", emailVerified: true, hasPassword: false });
    expect(await browser.trpc.projects.list.query()).toEqual([expect.objectContaining({ id: projectId, role: "developer" })]);
    expect((await browser.trpc.accounts.sessions.query())[0]).toMatchObject({ authMethod: "sso", current: true });
  });

  it("signs the same person in again as the same account (identity linked)", async () => {
    const before = (await admin.trpc.instance.accounts.query()).length;
    const { apprunCookies } = await browseThroughSso(`${t.baseUrl}/api/v1/admin/sso/${providerId}/start`, "alice");
    const browser = consoleClient(t.baseUrl);
    browser.jar.set("apprun_session", apprunCookies.get("apprun_session")!);
    expect((await browser.trpc.accounts.state.query()).account?.email).toBe("alice@corp.example");
    expect((await admin.trpc.instance.accounts.query()).length).toBe(before);
  });

  it("refuses a domain outside the allow-list and says why on the sign-in page", async () => {
    const { finalUrl, apprunCookies } = await browseThroughSso(`${t.baseUrl}/api/v1/admin/sso/${providerId}/start`, "bob");
    expect(finalUrl.pathname).toBe("/sign-in");
    expect(finalUrl.searchParams.get("error")).toBe("sso_domain_not_allowed");
    expect(apprunCookies.has("apprun_session")).toBe(false);
    expect((await admin.trpc.instance.accounts.query()).some((a) => a.email === "bob@other.example")).toBe(false);
  });

  it("without just-in-time provisioning, refuses unknown people but links existing accounts by email", async () => {
    await admin.trpc.instance.updateSsoProvider.mutate({
      id: providerId,
      provider: {
        name: "Corp IdP",
        issuer: idp.issuer,
        clientId: "apprun-console",
        allowedDomains: ["corp.example"],
        jitProvisioning: false,
      },
    });
    const refused = await browseThroughSso(`${t.baseUrl}/api/v1/admin/sso/${providerId}/start`, "carol");
    expect(refused.finalUrl.searchParams.get("error")).toBe("sso_no_account");

    await admin.trpc.instance.createAccount.mutate({ email: "carol@corp.example", name: "Carol", password: "correct horse battery" });
    const linked = await browseThroughSso(`${t.baseUrl}/api/v1/admin/sso/${providerId}/start`, "carol");
    const browser = consoleClient(t.baseUrl);
    browser.jar.set("apprun_session", linked.apprunCookies.get("apprun_session")!);
    expect((await browser.trpc.accounts.state.query()).account).toMatchObject({ email: "carol@corp.example", hasPassword: true });
    // The secret was left empty on update and kept: the flow above worked.
  });

  it("rejects a callback with an unknown or replayed state", async () => {
    const forged = await fetch(`${t.baseUrl}/api/v1/admin/sso/callback?code=abc&state=forged`, { redirect: "manual" });
    expect(forged.status).toBe(302);
    expect(new URL(forged.headers.get("location")!, t.baseUrl).searchParams.get("error")).toBe("token_invalid");
    expect(forged.headers.getSetCookie()).toEqual([]);
  });

  it("answers unknown providers on the start route by returning to the sign-in page", async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/admin/sso/sso_nope/start`, { redirect: "manual" });
    expect(new URL(res.headers.get("location")!, t.baseUrl).searchParams.get("error")).toBe("sso_provider_not_found");
  });

  it("refuses plain-http issuers other than loopback", async () => {
    expect(
      await failure(
        admin.trpc.instance.createSsoProvider.mutate({ name: "X", issuer: "http://idp.example.com", clientId: "x", clientSecret: "y" }),
      ),
    ).toMatchObject({ code: "invalid_input", status: 400 });
  });
});

describe("safeRedirect", () => {
  it.each([
    ["/projects", "/projects"],
    ["/a?b=c", "/a?b=c"],
    ["https://evil.example/", "/"],
    ["//evil.example", "/"],
    ["/\\evil.example", "/"],
    ["", "/"],
    [undefined, "/"],
  ])("%s → %s", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });
});
