import crypto from "node:crypto";

const VERSION = "v1";

/**
 * Encrypts secrets at rest (SMTP passwords, client secrets, signing keys) with AES-256-GCM
 * under a key derived from the master key for one purpose, so keys never cross purposes.
 */
export function createSecretBox(masterKey: Buffer, purpose = "secrets") {
  const key = Buffer.from(crypto.hkdfSync("sha256", masterKey, Buffer.alloc(0), `apprun ${purpose} v1`, 32));
  return {
    seal(plaintext: string): string {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
    },
    open(sealed: string): string {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
      const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
