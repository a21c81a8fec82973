import { describe, expect, it } from "vitest";
import { catalogs, formatDuration, translate } from "./catalog";

function keysOf(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" && v !== null ? keysOf(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("console message catalogs", () => {
  it("have the same keys in English and Simplified Chinese, none empty", () => {
    const en = keysOf(catalogs.en).sort();
    expect(keysOf(catalogs["zh-CN"]).sort()).toEqual(en);
    for (const key of en) {
      const [section, name] = key.split(".") as [keyof typeof catalogs.en, string];
      expect((catalogs["zh-CN"][section] as Record<string, string>)[name], key).not.toBe("");
    }
  });

  it("use the same placeholders in both languages", () => {
    for (const key of keysOf(catalogs.en)) {
      const [section, name] = key.split(".") as [keyof typeof catalogs.en, string];
      const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(placeholders((catalogs["zh-CN"][section] as Record<string, string>)[name]!), key).toEqual(
        placeholders((catalogs.en[section] as Record<string, string>)[name]!),
      );
    }
  });

  it("translate fills placeholders", () => {
    expect(translate("en", "error.body", { digest: "42" })).toContain("42");
    expect(translate("zh-CN", "overview.title")).toBe("概览");
  });

  it("formats durations in the largest whole unit", () => {
    expect(formatDuration(5, "en")).toBe("5 seconds");
    expect(formatDuration(3 * 3600 + 59, "en")).toBe("3 hours");
    expect(formatDuration(120, "zh-CN")).toBe("2分钟");
  });
});
