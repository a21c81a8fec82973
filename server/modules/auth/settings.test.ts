import { describe, expect, it } from "vitest";
import { AppError } from "../../platform/errors/app-error";
import type { AuthContext } from "./context";
import { DEFAULT_AUTH_SETTINGS, authSettingsSchema, updateSettingsInput } from "./schema";
import { createAuthSettings } from "./settings";

describe("redirect targets of mailed links and OAuth sign-ins", () => {
  const { redirectTarget } = createAuthSettings({} as AuthContext);
  const settings = authSettingsSchema.parse({
    ...DEFAULT_AUTH_SETTINGS,
    siteUrl: "https://app.example.com/auth",
    redirectUrls: ["http://localhost:3000/"],
  });

  it("defaults to the site URL", () => {
    expect(redirectTarget(settings, undefined)).toBe("https://app.example.com/auth");
  });

  it.each(["https://app.example.com/auth", "https://app.example.com/auth/callback?next=/x", "http://localhost:3000/anything"])(
    "allows %s",
    (url) => {
      expect(redirectTarget(settings, url)).toBe(new URL(url).href);
    },
  );

  it.each([
    "https://evil.example/auth",
    "https://app.example.com/other",
    "https://app.example.com.evil.example/auth",
    "http://app.example.com/auth",
    "http://localhost:3001/",
  ])("refuses %s with redirect_url_not_allowed", (url) => {
    expect(() => redirectTarget(settings, url)).toThrow(AppError);
    try {
      redirectTarget(settings, url);
    } catch (err) {
      expect((err as AppError).code).toBe("redirect_url_not_allowed");
    }
  });

  it("needs a site URL when none is given", () => {
    const bare = authSettingsSchema.parse(DEFAULT_AUTH_SETTINGS);
    expect(() => redirectTarget(bare, undefined)).toThrow(/redirect_url_required/);
  });
});

describe("settings input", () => {
  it("changes only the fields given (no defaults fill the rest)", () => {
    expect(updateSettingsInput.parse({ project: "shop", signUpEnabled: false })).toEqual({ project: "shop", signUpEnabled: false });
  });

  it.each([
    [{ accessTokenTtlSeconds: 30 }, "accessTokenTtlSeconds"],
    [{ accessTokenTtlSeconds: 86_401 }, "accessTokenTtlSeconds"],
    [{ refreshTokenTtlSeconds: 60 }, "refreshTokenTtlSeconds"],
    [{ siteUrl: "javascript:alert(1)" }, "siteUrl"],
    [{ redirectUrls: Array(21).fill("https://a.example/") }, "redirectUrls"],
  ])("refuses %j", (input, field) => {
    const result = updateSettingsInput.safeParse({ project: "shop", ...input });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path[0]).toBe(field);
  });
});
