import { describe, expect, it } from "vitest";
import { modules } from "../modules/index";
import { appRouter } from "./router";
import { router } from "./trpc";

describe("the console API's type", () => {
  it("has exactly the procedures of the routers the modules declare", () => {
    const served = router(Object.assign({}, ...modules.map((m) => m.routers ?? {})));
    const paths = (r: { _def: { procedures: object } }) => Object.keys(r._def.procedures).sort();
    expect(paths(appRouter)).toEqual(paths(served));
    expect(paths(served).length).toBeGreaterThan(50);
  });
});
