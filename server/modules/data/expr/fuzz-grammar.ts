/** A small deterministic PRNG (mulberry32) so fuzz failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const hostileStrings = [
  "'; drop table users; --",
  '"); delete from posts; --',
  "\\' or 1=1 --",
  "%",
  "_",
  "\\",
  "' || (select 1) || '",
  "$1",
  "?",
  "\u0000",
  "é𝄞",
  "",
  "a",
  "Robert'); DROP TABLE Students;--",
];

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

/** CEL text for a literal string, escaping what CEL needs escaped. */
export function celString(s: string): string {
  return `"${s
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\u0000/g, "\\x00")
    .replace(/\n/g, "\\n")}"`;
}

/**
 * A random expression over the `posts` test model (`fuzz.test.ts`) or the fuzz table
 * (`fuzz.int.test.ts`): comparisons, logic, `in`, text functions, null checks, with some
 * deliberately wrong fields and types mixed in.
 */
export interface FuzzFields {
  text: string[];
  int: string[];
  num: string[];
  bool: string[];
  time: string[];
}

export function randomExpression(
  rand: () => number,
  strings: readonly string[],
  depth = 0,
  fields: FuzzFields = { text: ["title"], int: ["views"], num: ["score"], bool: ["published"], time: ["at"] },
): string {
  const choice = depth > 3 ? Math.floor(rand() * 5) : Math.floor(rand() * 9);
  const str = () => celString(pick(rand, strings));
  const int = () => String(Math.floor(rand() * 200) - 100);
  switch (choice) {
    case 0:
      return `${pick(rand, fields.text)} ${pick(rand, ["==", "!=", "<", ">=", "<="])} ${str()}`;
    case 1:
      return `${pick(rand, fields.int)} ${pick(rand, ["==", "!=", "<", ">", "<=", ">="])} ${rand() < 0.3 ? (rand() * 100).toFixed(2) : int()}`;
    case 2:
      return `${pick(rand, fields.text)}.${pick(rand, ["contains", "startsWith", "endsWith"])}(${str()})`;
    case 3:
      return `${pick(rand, [...fields.text, ...fields.int, ...fields.num, ...fields.time])} ${pick(rand, ["==", "!="])} null`;
    case 4:
      return rand() < 0.5 ? `${pick(rand, fields.bool)}` : `${pick(rand, fields.text)} in [${str()}, ${str()}]`;
    case 5:
      return `(${randomExpression(rand, strings, depth + 1, fields)} ${pick(rand, ["&&", "||"])} ${randomExpression(rand, strings, depth + 1, fields)})`;
    case 6:
      return `!(${randomExpression(rand, strings, depth + 1, fields)})`;
    case 7:
      // Deliberate mistakes: unknown field, type mismatch, broken syntax.
      return pick(rand, [
        "nope == 1",
        `${fields.int[0]} == ${str()}`,
        `${fields.text[0]} ==`,
        `${fields.text[0]} > 3`,
        "auth.nope == 1",
        "(",
        `${fields.text[0]}.matches(${str()})`,
      ]);
    case 8:
      return rand() < 0.5
        ? `${pick(rand, fields.num)} ${pick(rand, ["<", ">"])} ${(rand() * 10 - 5).toFixed(3)}`
        : `${pick(rand, fields.time)} ${pick(rand, ["<", ">", "<=", ">="])} @now - duration("${Math.floor(rand() * 2000)}h")`;
    default:
      return "true";
  }
}
