import crypto from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
const TIME_CHARS = 9; // 36^9 ms ≈ 3,200 years from 1970
const RANDOM_CHARS = 6;
const RANDOM_SPACE = 36 ** RANDOM_CHARS;

let lastTime = -1;
let lastRandom = 0;

function base36(n: number, width: number): string {
  let out = "";
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 36] + out;
    n = Math.floor(n / 36);
  }
  return out;
}

/**
 * A 15-character id that sorts by creation time: 9 base-36 characters of milliseconds, then 6 of
 * randomness. Within one millisecond the random part increments, so ids made by one process are
 * strictly increasing (as ULIDs are).
 */
export function newRecordId(now: number = Date.now()): string {
  if (now <= lastTime) {
    now = lastTime;
    lastRandom++;
    if (lastRandom >= RANDOM_SPACE) {
      now = lastTime + 1;
      lastRandom = crypto.randomInt(0, RANDOM_SPACE / 2);
    }
  } else {
    lastRandom = crypto.randomInt(0, RANDOM_SPACE / 2);
  }
  lastTime = now;
  return base36(now, TIME_CHARS) + base36(lastRandom, RANDOM_CHARS);
}

/** An id for a collection, field or index in the model: a letter and 11 random base-36 characters. */
export function newModelId(prefix: "c" | "f"): string {
  const bytes = crypto.randomBytes(11);
  let out = prefix;
  for (const b of bytes) out += ALPHABET[b % 36];
  return out;
}
