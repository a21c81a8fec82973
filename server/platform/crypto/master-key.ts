import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { decodeKey } from "../config/schema";
import { ConfigError } from "../config/load";

export const MASTER_KEY_FILE = "master.key";

/**
 * The instance master key: from config when set, else from `dataDir/master.key`, generated
 * there (mode 0600) on first start. Every node of a cluster must be given the same key.
 */
export function resolveMasterKey(config: { masterKey?: string; dataDir: string }): Buffer {
  return loadMasterKey(config).persist();
}

/**
 * The master key without writing anything yet: a new key is only kept (`persist`) once the caller
 * knows it is wanted — the CLI persists it after the database accepted it, so a command run against
 * an existing instance without its key leaves no stray `master.key` (or `dataDir`) behind.
 */
export function loadMasterKey(config: { masterKey?: string; dataDir: string }): { key: Buffer; created: boolean; persist(): Buffer } {
  if (config.masterKey) {
    const key = decodeKey(config.masterKey)!;
    return { key, created: false, persist: () => key };
  }
  const file = path.join(config.dataDir, MASTER_KEY_FILE);
  if (fs.existsSync(file)) {
    const key = decodeKey(fs.readFileSync(file, "utf8"));
    if (!key) throw new ConfigError(`${file} does not hold a 32-byte base64 or hex key`, "masterKey");
    return { key, created: false, persist: () => key };
  }
  const key = crypto.randomBytes(32);
  return {
    key,
    created: true,
    persist() {
      fs.mkdirSync(config.dataDir, { recursive: true });
      // "wx" fails if another process created the file in between; then read what it wrote.
      try {
        fs.writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return loadMasterKey(config).key;
        throw err;
      }
      return key;
    },
  };
}

/** A public, non-reversible fingerprint of the key, stored to detect a node started with the wrong key. */
export function masterKeyFingerprint(key: Buffer): string {
  return crypto.createHmac("sha256", key).update("apprun master key fingerprint v1").digest("base64url").slice(0, 22);
}
