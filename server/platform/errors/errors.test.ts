import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "./app-error";
import { createErrorCatalog, platformErrorMessages } from "./catalog";
import { localeOf, negotiateLocale } from "./locale";
import { toAppError } from "./normalize";

describe("negotiateLocale", () => {
  it.each([
    [undefined, "en"],
    ["", "en"],
    ["zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"],
    ["zh-TW", "zh-CN"],
    ["zh", "zh-CN"],
    ["en-US,en;q=0.9", "en"],
    ["fr-FR,zh;q=0.5,en;q=0.4", "zh-CN"],
    ["fr-FR,en;q=0.5,zh;q=0.4", "en"],
    ["en;q=0.1,zh;q=0.9", "zh-CN"],
    ["zh;q=0, en", "en"],
    ["de, fr", "en"],
    ["*;q=abc, zh;q=nonsense", "en"],
  ])("%s → %s", (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });

  it("lets the console cookie win over the header", () => {
    expect(localeOf({ cookie: "a=1; apprun_locale=zh-CN", "accept-language": "en" })).toBe("zh-CN");
    expect(localeOf({ cookie: "apprun_locale=xx", "accept-language": "zh" })).toBe("zh-CN");
    expect(localeOf({ "accept-language": "en" })).toBe("en");
  });
});

describe("error catalog", () => {
  const catalog = createErrorCatalog(platformErrorMessages);

  it("fills placeholders in both languages", () => {
    expect(catalog.format("payload_too_large", "en", { limit: 10 })).toBe("The request body exceeds the limit of 10 bytes");
    expect(catalog.format("payload_too_large", "zh-CN", { limit: 10 })).toBe("请求体超过 10 字节的上限");
  });

  it("has a Chinese message for every code", () => {
    for (const [code, messages] of Object.entries(platformErrorMessages)) {
      expect(messages["zh-CN"], code).toMatch(/[\u4e00-\u9fff]/);
      expect(messages.en, code).not.toBe("");
    }
  });

  it("falls back to the code for an unknown one", () => {
    expect(catalog.format("no_such_code", "en")).toBe("no_such_code");
  });
});

describe("toAppError", () => {
  const facts = { bodyLimit: 100, contentType: "text/xml; charset=utf-8" };

  it("keeps AppErrors", () => {
    const err = new AppError("x", 409);
    expect(toAppError(err, facts)).toBe(err);
  });

  it("maps Fastify client errors to stable codes", () => {
    expect(toAppError({ code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 }, facts)).toMatchObject({
      code: "payload_too_large",
      status: 413,
      details: { limit: 100 },
    });
    expect(toAppError({ code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", statusCode: 415 }, facts)).toMatchObject({
      code: "unsupported_media_type",
      status: 415,
      details: { contentType: "text/xml" },
    });
    expect(toAppError({ code: "FST_ERR_CTP_EMPTY_JSON_BODY", statusCode: 400 }, facts)).toMatchObject({
      code: "empty_json_body",
      status: 400,
    });
    expect(toAppError({ name: "SyntaxError", statusCode: 400, message: "Unexpected token" }, facts)).toMatchObject({
      code: "invalid_json",
      status: 400,
    });
  });

  it("turns schema failures into invalid_input naming each path", () => {
    const result = z.object({ name: z.string(), age: z.number() }).safeParse({ name: 1 });
    const err = toAppError(result.error, facts)!;
    expect(err.code).toBe("invalid_input");
    expect(err.details.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "name" }), expect.objectContaining({ path: "age" })]),
    );
  });

  it("treats anything else as a bug", () => {
    expect(toAppError(new Error("boom"), facts)).toBeNull();
    expect(toAppError(new TypeError("x"), facts)).toBeNull();
  });
});
