import crypto from "node:crypto";
import { promisify } from "node:util";

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/**
 * scrypt with N=2^14, r=8, p=5: one of OWASP's equivalent profiles, chosen for its 16 MiB per hash
 * (the 128 MiB profile would dominate a node's memory under concurrent sign-ins). ~100 ms per hash
 * on this project's reference machine; runs on libuv's pool, so the event loop stays free.
 */
export const PASSWORD_PARAMS = { ln: 14, r: 8, p: 5 } as const;
const KEY_LENGTH = 32;

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./password-policy";

export async function hashPassword(password: string, params: { ln: number; r: number; p: number } = PASSWORD_PARAMS): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, {
    N: 2 ** params.ln,
    r: params.r,
    p: params.p,
    maxmem: 256 * 1024 * 1024,
  });
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** Constant-time check of a password against a stored `$scrypt$…` string; false for anything malformed. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const actual = await scrypt(password.normalize("NFKC"), parsed.salt, parsed.hash.length, {
    N: 2 ** parsed.ln,
    r: parsed.r,
    p: parsed.p,
    maxmem: 256 * 1024 * 1024,
  });
  return crypto.timingSafeEqual(actual, parsed.hash);
}

/** Whether a stored hash was made with other parameters than today's (rehash after a successful sign-in). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  return !parsed || parsed.ln !== PASSWORD_PARAMS.ln || parsed.r !== PASSWORD_PARAMS.r || parsed.p !== PASSWORD_PARAMS.p;
}

function parseHash(stored: string) {
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) return null;
  const [, ln, r, p, salt, hash] = match;
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return null;
  return { ...params, salt: Buffer.from(salt!, "base64url"), hash: Buffer.from(hash!, "base64url") };
}

/**
 * A hash of a random password, computed once: verifying against it when an account does not exist
 * takes as long as a real check, so response times do not reveal which emails have accounts.
 */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomBytes(16).toString("hex"));
  return dummyHash;
}
