import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18291";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 }, baseURL: base });
const page = await ctx.newPage();
page.on("console", (m) => m.type() === "error" && console.log("console:", m.text()));
page.on("pageerror", (e) => console.log("pageerror:", e.message));
const post = (p, data) => page.request.post(`${base}/trpc/${p}`, { data, headers: { origin: base } }).then(async (r) => { if (!r.ok()) console.log(p, r.status(), await r.text()); });
await post("accounts.setup", { name: "Ada Admin", email: "admin@example.com", password: "correct horse battery" });
await post("projects.create", { name: "Coffee Shop", slug: "coffee-shop" });
await post("projects.create", { name: "Blog", slug: "blog" });
await post("instance.createAccount", { name: "Mia Member", email: "mia@example.com", password: "member password 1" });
await post("projects.invite", { project: "coffee-shop", email: "newbie@example.com", role: "developer" });
await post("projects.createRole", { project: "coffee-shop", name: "Support", description: "Helps app users", permissions: ["members:read", "users:read", "users:manage"] });
await post("projects.grant", { project: "coffee-shop", grantee: "blog", resourceKind: "user_pool", resourceName: "default", access: "read" });
const pages = ["/projects", "/projects/coffee-shop", "/projects/coffee-shop/members", "/projects/coffee-shop/roles", "/projects/coffee-shop/audit", "/projects/coffee-shop/sharing", "/projects/coffee-shop/settings", "/account", "/admin/settings", "/admin/accounts", "/admin/sso", "/admin/audit", "/"];
const only = process.argv[2];
for (const [locale, theme] of [["en", "light"], ["zh-CN", "dark"], ["en", "dark"], ["zh-CN", "light"]]) {
  await ctx.addCookies([{ name: "apprun_locale", value: locale, url: base }, { name: "apprun_theme", value: theme, url: base }]);
  for (const p of pages) {
    if (only && !p.includes(only)) continue;
    await page.goto(p);
    await page.waitForTimeout(900);
    await page.screenshot({ path: `/tmp/shots/${locale}-${theme}${p.replace(/\//g, "_") || "_home"}.png`, fullPage: true });
  }
}
// public pages
const guest = await browser.newContext({ viewport: { width: 1280, height: 820 }, baseURL: base });
const g = await guest.newPage();
for (const [locale, theme] of [["en", "light"], ["zh-CN", "dark"]]) {
  await guest.addCookies([{ name: "apprun_locale", value: locale, url: base }, { name: "apprun_theme", value: theme, url: base }]);
  await g.goto("/sign-in?error=sso_no_account"); await g.waitForTimeout(700);
  await g.screenshot({ path: `/tmp/shots/${locale}-${theme}-signin.png` });
}
await browser.close();
