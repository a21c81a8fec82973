import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MASTER_KEY_FILE, masterKeyFingerprint, resolveMasterKey } from "./master-key";
import { createSecretBox } from "./secret-box";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-key-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("master key", () => {
  it("is generated once into dataDir with mode 0600 and reused", () => {
    const first = resolveMasterKey({ dataDir: dir });
    const file = path.join(dir, MASTER_KEY_FILE);
    expect(first).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveMasterKey({ dataDir: dir }).equals(first)).toBe(true);
  });

  it("prefers the configured key and never writes it to disk", () => {
    const hex = "11".repeat(32);
    expect(resolveMasterKey({ dataDir: dir, masterKey: hex }).toString("hex")).toBe(hex);
    expect(fs.existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
  });

  it("rejects a damaged key file", () => {
    fs.writeFileSync(path.join(dir, MASTER_KEY_FILE), "not a key");
    expect(() => resolveMasterKey({ dataDir: dir })).toThrow(/32-byte/);
  });

  it("fingerprints differ per key and do not reveal it", () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(masterKeyFingerprint(a)).not.toBe(masterKeyFingerprint(b));
    expect(masterKeyFingerprint(a)).not.toContain(a.toString("base64url").slice(0, 10));
  });
});

describe("secret box", () => {
  const key = Buffer.alloc(32, 9);

  it("round-trips and never yields the plaintext in the sealed form", () => {
    const box = createSecretBox(key);
    const sealed = box.seal("smtp-password-123");
    expect(sealed).not.toContain("smtp-password-123");
    expect(box.open(sealed)).toBe("smtp-password-123");
    expect(box.seal("x")).not.toBe(box.seal("x"));
  });

  it("detects tampering", () => {
    const box = createSecretBox(key);
    const parts = box.seal("secret").split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString("base64url");
    expect(() => box.open(parts.join("."))).toThrow();
  });

  it("keeps purposes and keys apart", () => {
    const sealed = createSecretBox(key, "smtp").seal("secret");
    expect(() => createSecretBox(key, "oidc").open(sealed)).toThrow();
    expect(() => createSecretBox(Buffer.alloc(32, 8), "smtp").open(sealed)).toThrow();
    expect(() => createSecretBox(key).open("garbage")).toThrow(/not a sealed secret/);
  });
});
