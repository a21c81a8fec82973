import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONSOLE_SHARED_SOURCES } from "../../server/platform/http/console-build";

const root = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

/** Imports that survive compilation (not `import type`, not an all-`type` specifier list). */
function valueImports(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)";/gms)) {
    const [, typeOnly, clause, spec] = m as unknown as [string, string | undefined, string, string];
    if (typeOnly) continue;
    const names = /^\{([^}]*)\}$/.exec(clause.trim())?.[1];
    if (names && names.split(",").every((n) => !n.trim() || n.trim().startsWith("type "))) continue;
    out.push(spec);
  }
  for (const m of text.matchAll(/^import\s+"([^"]+)";/gm)) out.push(m[1]!);
  return out;
}

function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = path.join(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")])
    if (fs.existsSync(path.join(root, candidate)) && fs.statSync(path.join(root, candidate)).isFile()) return candidate;
  return null;
}

describe("server code the console bundles for the browser", () => {
  // Walk from every console file into server/; what is reached must be browser-safe.
  const reached = new Map<string, string[]>();
  const queue = [...sourceFiles("app"), ...sourceFiles("components")];
  const seen = new Set(queue);
  while (queue.length) {
    const file = queue.shift()!;
    for (const spec of valueImports(file)) {
      const target = resolve(file, spec);
      if (!target || seen.has(target)) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  for (const file of seen) if (file.startsWith("server/")) reached.set(file, valueImports(file));

  it("is only schemas and constants: zod and other such files, no Node built-ins or server packages", () => {
    for (const [file, imports] of reached) {
      for (const spec of imports) expect(spec === "zod" || spec.startsWith("."), `${file} imports ${spec}`).toBe(true);
    }
  });

  it("is exactly the list the console build watches, so a change rebuilds the console", () => {
    expect([...reached.keys()].sort()).toEqual([...CONSOLE_SHARED_SOURCES].sort());
  });
});
