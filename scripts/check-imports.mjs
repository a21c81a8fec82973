// Import rules `npm test` enforces (lint step):
// 1. no import cycles (madge, type-only imports aside);
// 2. a module reaches another module only through its public files: service.ts, events.ts,
//    schema.ts (input shapes) and permissions.ts; never its tables, routes or internals.
// Tests and test helpers may reach further.
import fs from "node:fs";
import path from "node:path";
import madge from "madge";

const root = path.resolve(import.meta.dirname, "..");
const PUBLIC = new Set(["service.ts", "events.ts", "schema.ts", "permissions.ts"]);
const isTest = (file) =>
  /\.test\.tsx?$|test-helpers\.ts$|test-support\.ts$|test-client\.ts$/.test(file) || file.startsWith("server/testing/");

const graph = await madge(
  ["server", "app", "components"].map((d) => path.join(root, d)),
  {
    baseDir: root,
    fileExtensions: ["ts", "tsx"],
    tsConfig: path.join(root, "tsconfig.json"),
    detectiveOptions: { ts: { skipTypeImports: true }, tsx: { skipTypeImports: true } },
  },
);
const problems = [];
for (const cycle of graph.circular()) problems.push(`import cycle: ${cycle.join(" → ")}`);

const moduleOf = (file) => /^server\/modules\/([^/]+)\//.exec(file)?.[1] ?? null;
const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
for (const abs of walk(path.join(root, "server/modules")).filter((f) => f.endsWith(".ts"))) {
  const file = path.relative(root, abs);
  const own = moduleOf(file);
  if (!own || isTest(file)) continue;
  const text = fs.readFileSync(abs, "utf8");
  for (const [, spec] of text.matchAll(/from "(\.[^"]+)"/g)) {
    const target = path.relative(root, path.resolve(path.dirname(abs), spec)).replace(/(\.ts)?$/, ".ts");
    const other = moduleOf(target);
    if (!other || other === own) continue;
    const rest = target.slice(`server/modules/${other}/`.length);
    if (!PUBLIC.has(rest)) problems.push(`${file} reaches into module ${other}: ${rest} (use its service, events, schema or permissions)`);
  }
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("imports: no cycles; modules meet only through their public files");
