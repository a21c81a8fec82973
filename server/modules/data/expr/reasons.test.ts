import { describe, expect, it } from "vitest";
import { createErrorCatalog } from "../../../platform/errors/catalog";
import { dataErrorMessages } from "../errors";
import { localizeCheck } from "./check";
import { issueOf } from "./parse";
import { EXPRESSION_REASONS, formatReason, reason } from "./reasons";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("expression reasons", () => {
  it.each(Object.entries(EXPRESSION_REASONS))("%s has every locale, with the same placeholders", (_key, texts) => {
    expect(texts.en.length).toBeGreaterThan(0);
    expect(texts["zh-CN"].length).toBeGreaterThan(0);
    expect(placeholders(texts["zh-CN"])).toEqual(placeholders(texts.en));
  });

  it("renders params, naming value types in the locale", () => {
    const why = reason("compare_types", { left: { type: "int" }, right: { type: "string" } });
    expect(formatReason(why.key, why.params, "en")).toBe("cannot compare a integer with a text");
    expect(formatReason(why.key, why.params, "zh-CN")).toBe("不能比较整数与文本");
    expect(formatReason("syntax", { detail: "Unexpected token" }, "zh-CN")).toBe("语法错误：Unexpected token");
  });

  it("keeps the English reason on the issue and localizes checks and error messages", () => {
    const issue = issueOf("unknown_field", reason("no_such_field", { collection: "posts", field: "ownr" }), { start: 3, end: 7 }, "ownr");
    expect(issue).toEqual({
      code: "unknown_field",
      reason: "posts has no field ownr",
      reasonKey: "no_such_field",
      reasonParams: { collection: "posts", field: "ownr" },
      start: 3,
      end: 7,
      field: "ownr",
    });
    expect(localizeCheck({ valid: false, errors: [issue] }, "zh-CN")).toEqual({
      valid: false,
      errors: [{ ...issue, reason: "posts 没有字段 ownr" }],
    });
    expect(localizeCheck({ valid: false, errors: [issue] }, "en")).toEqual({ valid: false, errors: [issue] });
    const catalog = createErrorCatalog(dataErrorMessages);
    const details = { ...issueOf("type_mismatch", reason("bool_order", { op: "<" }), { start: 5, end: 9 }) };
    expect(catalog.format("type_mismatch", "zh-CN", details)).toBe("位置 5 类型不匹配：< 不能用于布尔值");
    expect(catalog.format("type_mismatch", "en", details)).toBe("Type mismatch at 5: < does not apply to booleans");
    // A reason without a key (other modules) is used as it is.
    expect(catalog.format("invalid_expression", "zh-CN", { start: 0, reason: "as given" })).toBe("表达式在位置 0 无效：as given");
  });
});
