import crypto from "node:crypto";

/** A random secret for sessions, links and keys: 32 bytes, URL-safe. Stored only as `hashToken`. */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString("base64url");
}

/** Tokens are looked up by their SHA-256; the database never holds one that works. */
export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("base64url");
}

const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Ten one-time recovery codes like `k7m2-p9qx`, shown once. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from(crypto.randomBytes(8), (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join("");
    return `${chars.slice(0, 4)}-${chars.slice(4)}`;
  });
}

export function normalizeRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/\s+/g, "");
}

/**
 * Sortable unique ids with a kind prefix, e.g. `acc_0m3k9x2p7q4r8s1t`: 8 base-36 characters of
 * milliseconds then 10 random ones. Sorting by id sorts by creation time.
 */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, "0");
  const random = Array.from(crypto.randomBytes(10), (b) => "0123456789abcdefghijklmnopqrstuvwxyz"[b % 36]).join("");
  return `${prefix}_${time}${random}`;
}
