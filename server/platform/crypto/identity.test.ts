import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyPassword } from "./passwords";
import { hashToken, newId, newRecoveryCodes, normalizeRecoveryCode, randomToken } from "./tokens";
import { base32Decode, base32Encode, hotp, otpauthUri, verifyTotp } from "./totp";

describe("passwords", () => {
  const fast = { ln: 10, r: 8, p: 1 };

  it("verifies the right password and rejects others", async () => {
    const stored = await hashPassword("correct horse battery", fast);
    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterx", stored)).toBe(false);
    expect(await hashPassword("correct horse battery", fast)).not.toBe(stored);
  });

  it("treats malformed or out-of-range hashes as non-matching", async () => {
    for (const bad of ["", "plain", "$scrypt$ln=40,r=8,p=1$AAAA$AAAA", "$bcrypt$xyz"]) expect(await verifyPassword("x", bad)).toBe(false);
  });

  it("asks for a rehash when parameters are older than today's", async () => {
    expect(needsRehash(await hashPassword("pw-pw-pw-pw", fast))).toBe(true);
    expect(needsRehash(await hashPassword("pw-pw-pw-pw"))).toBe(false);
  });
});

describe("TOTP (RFC 6238)", () => {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits.
  const secret = Buffer.from("12345678901234567890");
  it.each([
    [59, "94287082"],
    [1111111109, "07081804"],
    [1234567890, "89005924"],
    [2000000000, "69279037"],
  ])("matches the RFC vector at %i s", (seconds, expected) => {
    expect(hotp(secret, Math.floor(seconds / 30), 8)).toBe(expected);
  });

  it("accepts one step of drift, refuses replays and malformed codes", () => {
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30_000);
    const code = hotp(secret, step);
    expect(verifyTotp(secret, code, now)).toBe(step);
    expect(verifyTotp(secret, hotp(secret, step - 1), now)).toBe(step - 1);
    expect(verifyTotp(secret, hotp(secret, step - 2), now)).toBeNull();
    expect(verifyTotp(secret, code, now, step)).toBeNull();
    expect(verifyTotp(secret, "12345", now)).toBeNull();
    expect(verifyTotp(secret, "abcdef", now)).toBeNull();
  });

  it("round-trips base32 and builds an otpauth URI", () => {
    expect(base32Encode(Buffer.from("foobar"))).toBe("MZXW6YTBOI");
    expect(base32Decode("MZXW6YTBOI").toString()).toBe("foobar");
    expect(otpauthUri(secret, "ada@example.com", "apprun")).toBe(
      "otpauth://totp/apprun%3Aada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=apprun&algorithm=SHA1&digits=6&period=30",
    );
  });
});

describe("tokens and ids", () => {
  it("makes unguessable tokens stored only as hashes", () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken(token)).not.toContain(token);
    expect(hashToken(token)).toBe(hashToken(token));
  });

  it("makes sortable prefixed ids", async () => {
    const a = newId("acc");
    await new Promise((r) => setTimeout(r, 2));
    const b = newId("acc");
    expect(a).toMatch(/^acc_[0-9a-z]{19}$/);
    expect(a < b).toBe(true);
  });

  it("makes distinct readable recovery codes", () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(normalizeRecoveryCode("  K7M2-P9QX ")).toBe("k7m2-p9qx");
  });
});
