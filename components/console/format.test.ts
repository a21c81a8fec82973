import { describe, expect, it } from "vitest";
import { describeUserAgent, formatRelative, initials, safeNext, slugFromName } from "./format";

describe("console formatting helpers", () => {
  it("suggests slugs the server accepts", () => {
    const slug = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
    expect(slugFromName("My Shop")).toBe("my-shop");
    expect(slugFromName("  Café  Déjà vu!! ")).toBe("cafe-deja-vu");
    expect(slugFromName("2024 Sales -- EU")).toBe("sales-eu");
    expect(slugFromName("商城")).toBe("");
    for (const name of ["My Shop", "A--b", "x".repeat(80), "Über 9000"]) {
      const s = slugFromName(name);
      if (s.length >= 3) expect(s).toMatch(slug);
      expect(s.length).toBeLessThanOrEqual(40);
    }
  });

  it("keeps redirects inside the console", () => {
    expect(safeNext("/projects/shop")).toBe("/projects/shop");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext("/\\evil")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });

  it("formats relative times and initials", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(formatRelative("2026-01-01T11:57:00Z", "en", now)).toBe("3 minutes ago");
    expect(formatRelative("2026-01-01T11:59:59Z", "en", now)).toBe("now");
    expect(initials("Ada Lovelace")).toBe("AL");
    expect(initials("王小明")).toBe("王");
  });

  it("names browsers from user agents", () => {
    expect(describeUserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36")).toEqual({
      browser: "Chrome",
      os: "Linux",
    });
    expect(describeUserAgent(null)).toBeNull();
  });
});
