import { describe, expect, it } from "vitest";
import { exceedsDepth, parseJsonBody } from "./json-body";

/** The nesting depth of a JSON value, the slow way. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === "object") return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

/** A random JSON value with nesting, strings full of brackets and escapes. */
function randomValue(rand: () => number, budget: number): unknown {
  const r = rand();
  if (budget <= 0 || r < 0.2) return ["[{", '"]}\\', 'a\\"[', 42, null, true][Math.floor(rand() * 6)];
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, budget - 1));
  return Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, (_, i) => [`k${i}[{"`, randomValue(rand, budget - 1)]));
}

describe("the JSON depth check", () => {
  it("agrees with the parsed value's depth on 3,000 random documents", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 3000; i++) {
      const value = randomValue(rand, 12);
      const text = JSON.stringify(value);
      for (const limit of [1, 3, 6, 10]) expect(exceedsDepth(text, limit), `${text} at ${limit}`).toBe(depthOf(value) > limit);
    }
  });

  it.each([
    ["", "empty_json_body"],
    ["{", "invalid_json"],
    ['{"__proto__": {"x": 1}}', "invalid_json"],
    ['{"constructor": {"prototype": {"x": 1}}}', "invalid_json"],
    ["[".repeat(101) + "]".repeat(101), "json_too_deep"],
  ])("refuses %j with %s", (text, code) => {
    expect(() => parseJsonBody(text)).toThrow(expect.objectContaining({ code, status: 400 }));
  });

  it("parses up to the limit", () => {
    expect(depthOf(parseJsonBody("[".repeat(100) + "]".repeat(100)))).toBe(100);
  });
});
