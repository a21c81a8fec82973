import { describe, expect, it } from "vitest";
import { bearerCredential } from "./access";

describe("bearerCredential", () => {
  it.each([
    ["Bearer abc.def.ghi", "abc.def.ghi"],
    ["bearer ar_x_y", "ar_x_y"],
    ["BEARER  token", "token"],
  ])("reads %j", (header, credential) => {
    expect(bearerCredential(header)).toBe(credential);
  });

  it.each(["", "Bearer", "Bearer ", "Basic abc", "Bearerabc", "Bearer a b", "Token abc"])(
    "refuses %j with 401 access_token_invalid",
    (header) => {
      expect(() => bearerCredential(header)).toThrow(expect.objectContaining({ code: "access_token_invalid", status: 401 }));
    },
  );
});
