import { describe, expect, it } from "vitest";
import { modules } from "../../server/modules/index";
import { createPermissionCatalog, type BuiltInRole } from "../../server/platform/module";
import { navSections as sectionsOf } from "./nav";

// The entries and role permissions the modules declare, as a running instance serves them.
const BUILT_IN_PERMISSIONS = createPermissionCatalog(modules).builtIn;
const entries = modules.flatMap((m) => m.nav ?? []);
const navSections = (input: Omit<Parameters<typeof sectionsOf>[0], "entries">) => sectionsOf({ ...input, entries });

const hrefs = (role: BuiltInRole) =>
  navSections({ instanceAdmin: false, project: { slug: "shop", name: "Shop", permissions: [...BUILT_IN_PERMISSIONS[role]] } })
    .find((s) => s.id === "auth")
    ?.items.map((i) => i.href) ?? [];

describe("the project navigation's authentication section", () => {
  it("shows app users, app roles, sign-in settings and API keys to those who may read them", () => {
    expect(hrefs("admin")).toEqual(["/projects/shop/users", "/projects/shop/app-roles", "/projects/shop/auth", "/projects/shop/api-keys"]);
    expect(hrefs("viewer")).toEqual(hrefs("admin"));
  });

  it("leaves out what a custom role cannot read, and the whole section when nothing is left", () => {
    const only = (permissions: string[]) =>
      navSections({ instanceAdmin: false, project: { slug: "shop", name: "Shop", permissions } })
        .find((s) => s.id === "auth")
        ?.items.map((i) => i.label);
    expect(only(["project:read", "keys:read"])).toEqual(["nav.authSettings", "nav.apiKeys"]);
    expect(only([])).toBeUndefined();
  });
});

describe("the project navigation's data section", () => {
  const data = (permissions: readonly string[]) =>
    navSections({ instanceAdmin: false, project: { slug: "shop", name: "Shop", permissions } })
      .find((s) => s.id === "data")
      ?.items.map((i) => i.href);
  it("shows the data browser, the rules, the model designer, the history and the API docs to every member who may read data; backup to who also manages the model", () => {
    const read = [
      "/projects/shop/data/browser",
      "/projects/shop/data/rules",
      "/projects/shop/data/model",
      "/projects/shop/data/history",
      "/projects/shop/data/api",
    ];
    expect(data([...BUILT_IN_PERMISSIONS.viewer])).toEqual(read);
    expect(data([...BUILT_IN_PERMISSIONS.owner])).toEqual([...read, "/projects/shop/data/backup"]);
    expect(data(["project:read"])).toBeUndefined();
  });
});

describe("the project navigation's event center entry", () => {
  const events = (permissions: string[]) =>
    navSections({ instanceAdmin: false, project: { slug: "shop", name: "Shop", permissions } })
      .find((s) => s.id === "events")
      ?.items.map((i) => i.href);
  it("is there for those who may read events", () => {
    expect(events([...BUILT_IN_PERMISSIONS.viewer])).toEqual(["/projects/shop/events"]);
    expect(events(["project:read"])).toBeUndefined();
  });
});

describe("the project navigation's realtime entry", () => {
  const realtime = (permissions: readonly string[]) =>
    navSections({ instanceAdmin: false, project: { slug: "shop", name: "Shop", permissions } })
      .find((s) => s.id === "realtime")
      ?.items.map((i) => i.href);
  it("is shown with events:read, the permission the realtime router reads with", () => {
    expect(realtime([...BUILT_IN_PERMISSIONS.viewer])).toEqual(["/projects/shop/realtime"]);
    expect(realtime(["events:read"])).toEqual(["/projects/shop/realtime"]);
    expect(realtime(["project:read", "data:read"])).toBeUndefined();
  });
});
