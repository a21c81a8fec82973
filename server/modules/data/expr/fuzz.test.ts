import { describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../../../testing/databases";
import { compileExpression } from "./analyze";
import { ExpressionError } from "./parse";
import { renderSql, testIndex } from "./test-model";
import { hostileStrings, randomExpression, seededRandom } from "./fuzz-grammar";

describe("expression fuzz (compiler only)", () => {
  it("turns random text into a compiled expression or an ExpressionError, never anything else", () => {
    const rand = seededRandom(7);
    const alphabet = `abcdefghijklmnopqrstuvwxyz_.@"'\\()[]{}!&|=<>+-*/%?:, 0123456789tuexnlr\n\t\u0000\u2028é𝄞`;
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(rand() * 60);
      let text = "";
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(rand() * alphabet.length)];
      try {
        compileExpression(text, { model: testIndex, collection: "posts", allowBody: false });
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw new Error(`${JSON.stringify(text)} threw ${String(err)}`, { cause: err });
        expect(["invalid_expression", "unknown_field", "type_mismatch", "unsupported_expression"]).toContain(err.issue.code);
      }
    }
  });

  it("survives pathological nesting and size", () => {
    for (const text of [
      "(".repeat(5000) + "true" + ")".repeat(5000),
      "!".repeat(10000) + "true",
      Array(2000).fill("views == 1").join(" || "),
      `title in [${Array(2000).fill('"a"').join(",")}]`,
    ]) {
      try {
        compileExpression(text, { model: testIndex, collection: "posts", allowBody: false });
      } catch (err) {
        expect(err).toBeInstanceOf(ExpressionError);
      }
    }
  });

  it.each(DATABASE_KINDS)("never splices a hostile string into SQL text on %s", (kind) => {
    const rand = seededRandom(11);
    for (let i = 0; i < 500; i++) {
      const source = randomExpression(rand, hostileStrings);
      let out: ReturnType<typeof renderSql>;
      try {
        out = renderSql(kind, source, { allowBody: false });
      } catch (err) {
        expect(err).toBeInstanceOf(ExpressionError);
        continue;
      }
      if (typeof out === "boolean") continue;
      for (const h of hostileStrings) if (h.length > 3) expect(out.sql).not.toContain(h);
      expect(out.sql).not.toMatch(/drop|;|--/i);
    }
  });
});
