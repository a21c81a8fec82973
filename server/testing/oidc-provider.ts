import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface IdpAccount {
  email: string;
  name: string;
  emailVerified?: boolean;
}

/**
 * A real OpenID Provider (panva's certified oidc-provider) on an ephemeral loopback port, with
 * one confidential client. Its development login form accepts any login name as the subject; the
 * claims come from `accounts[login]`.
 */
export async function startOidcProvider(options: {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  accounts: Record<string, IdpAccount>;
}) {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    async findAccount(_ctx, sub) {
      const account = options.accounts[sub];
      return {
        accountId: sub,
        async claims() {
          return { sub, ...(account ? { email: account.email, email_verified: account.emailVerified ?? true, name: account.name } : {}) };
        },
      };
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ["apprun-test-idp-cookie-key"] },
    // Tests run the client over plain http on loopback.
    clientBasedCORS: () => true,
  });
  provider.proxy = false;
  server.on("request", provider.callback());
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Plays the browser through a redirect chain that crosses apprun and the provider: follows
 * redirects, keeps each host's cookies, and submits the provider's login and consent forms.
 * Returns the final response (the one that is not a redirect and not a provider form) and the
 * cookies apprun set on the way.
 */
export async function browseThroughSso(
  startUrl: string,
  login: string,
): Promise<{ final: Response; finalUrl: URL; apprunCookies: Map<string, string> }> {
  const jars = new Map<string, Map<string, string>>();
  const jarFor = (url: URL) => {
    let jar = jars.get(url.host);
    if (!jar) jars.set(url.host, (jar = new Map()));
    return jar;
  };
  let url = new URL(startUrl);
  let init: RequestInit = {};
  for (let hop = 0; hop < 30; hop++) {
    const jar = jarFor(url);
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: {
        ...(init.headers as Record<string, string>),
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
      },
    });
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || /max-age=0/i.test(header) || /expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      init = {};
      continue;
    }
    const body = res.headers.get("content-type")?.includes("text/html") ? await res.clone().text() : "";
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(body);
    if (form && /name="prompt" value="(login|consent)"/.test(body)) {
      const prompt = /name="prompt" value="(login|consent)"/.exec(body)![1]!;
      const fields = new URLSearchParams(prompt === "login" ? { prompt, login, password: "any-password" } : { prompt });
      url = new URL(form[1]!.replace(/&amp;/g, "&"), url);
      init = { method: "POST", body: fields.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } };
      continue;
    }
    const apprunCookies = jars.get(new URL(startUrl).host) ?? new Map();
    return { final: res, finalUrl: url, apprunCookies };
  }
  throw new Error("too many redirects");
}
