import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createErrorCatalog, platformErrorMessages } from "../../platform/errors/catalog";
import { accountErrorMessages } from "../accounts/errors";
import { authErrorMessages } from "../auth/errors";
import { projectErrorMessages } from "../projects/errors";
import { dataErrorMessages } from "./errors";
import { portabilityErrorMessages } from "./portability/errors";

const here = path.dirname(new URL(import.meta.url).pathname);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [p] : [];
  });
}

describe("data error messages", () => {
  const text = sources(here)
    .map((f) => fs.readFileSync(f, "utf8"))
    .join("\n");
  // The routes also throw codes other modules define with the same meaning (credentials, CSRF, forbidden).
  const catalog = createErrorCatalog(
    platformErrorMessages,
    accountErrorMessages,
    authErrorMessages,
    projectErrorMessages,
    dataErrorMessages,
    portabilityErrorMessages,
  );

  it("has a message for every code the module throws", () => {
    const thrown = new Set([...text.matchAll(/new AppError\("([a-z_]+)"/g)].map((m) => m[1]!));
    const expression = ["invalid_expression", "unknown_field", "type_mismatch", "unsupported_expression"];
    for (const code of [...thrown, ...expression]) expect(catalog.has(code), code).toBe(true);
    expect(thrown.size).toBeGreaterThan(20);
  });

  it("has a message for every per-field and model issue code", () => {
    const fieldCodes = new Set([...text.matchAll(/bad\("([a-z_]+)"/g), ...text.matchAll(/\{ code: "([a-z_]+)"/g)].map((m) => m[1]!));
    for (const code of fieldCodes) expect(catalog.has(code), code).toBe(true);
    expect(fieldCodes.size).toBeGreaterThan(20);
  });

  it("is translated, with the same placeholders in both languages", () => {
    for (const [code, m] of Object.entries({ ...dataErrorMessages, ...portabilityErrorMessages })) {
      expect(m["zh-CN"], code).toMatch(/[\u4e00-\u9fff]/);
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
      expect(names(m["zh-CN"]), code).toEqual(names(m.en));
    }
  });

  it("formats details into the message", () => {
    expect(catalog.format("schema_version_conflict", "en", { expected: 3, actual: 4 })).toBe(
      "The model changed since version 3: it is now at version 4; reload and apply again",
    );
    expect(catalog.format("too_long", "zh-CN", { max: 5 })).toBe("最多 5 个字符");
  });
});
