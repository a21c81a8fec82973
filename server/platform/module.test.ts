import { describe, expect, it } from "vitest";
import { modules } from "../modules/index";
import { createPermissionCatalog, sortModules } from "./module";

const m = (name: string, dependsOn: string[] = []) => ({ name, dependsOn });

describe("sortModules", () => {
  it("puts every module after the modules it depends on, keeping the given order otherwise", () => {
    const sorted = sortModules([m("realtime", ["data", "auth"]), m("auth", ["projects"]), m("data", ["projects"]), m("projects")]);
    expect(sorted.map((x) => x.name)).toEqual(["projects", "data", "auth", "realtime"]);
  });

  it("refuses a cycle, naming the modules in it", () => {
    expect(() => sortModules([m("a", ["b"]), m("b", ["c"]), m("c", ["a"]), m("d")])).toThrow(/cycle: a → b → c → a/);
  });

  it("refuses a dependency that is not in the list, and a name listed twice", () => {
    expect(() => sortModules([m("jobs", ["functions"])])).toThrow(/"jobs" depends on "functions", which is not in the module list/);
    expect(() => sortModules([m("a"), m("a")])).toThrow(/"a" is listed twice/);
  });

  it("orders apprun's own modules without error", () => {
    const names = sortModules(modules).map((x) => x.name);
    for (const mod of modules)
      for (const dep of mod.dependsOn) expect(names.indexOf(dep), `${mod.name} after ${dep}`).toBeLessThan(names.indexOf(mod.name));
  });
});

describe("the permission catalog", () => {
  it("collects every module's permissions once, in module order, with what each built-in role holds", () => {
    const catalog = createPermissionCatalog(modules);
    expect(new Set(catalog.names).size).toBe(catalog.names.length);
    expect(catalog.names).toEqual(expect.arrayContaining(["project:read", "data:write", "events:manage", "keys:read"]));
    expect([...catalog.builtIn.owner]).toEqual(catalog.names);
    expect(catalog.builtIn.viewer.has("data:read")).toBe(true);
    expect(catalog.builtIn.viewer.has("data:write")).toBe(false);
    expect(catalog.builtIn.admin.has("project:delete")).toBe(false);
    expect(catalog.has("nope:read")).toBe(false);
  });

  it("refuses a permission declared twice or not in module:action form", () => {
    const withPermissions = (name: string, permissions: Array<{ name: string; roles: [] }>) => ({
      ...m(name),
      permissions,
      create: () => null,
    });
    expect(() =>
      createPermissionCatalog([
        withPermissions("a", [{ name: "x:read", roles: [] }]),
        withPermissions("b", [{ name: "x:read", roles: [] }]),
      ]),
    ).toThrow(/declared twice/);
    expect(() => createPermissionCatalog([withPermissions("a", [{ name: "Read", roles: [] }])])).toThrow(/malformed permission/);
  });
});
