#!/usr/bin/env node
// The `apprun` command. Compiles the server (TypeScript) into dist/ when it is missing or older
// than its sources (about half a second), then hands the arguments to the CLI.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bundle = path.join(root, "dist", "apprun.mjs");
const sources = ["server", "db"].map((dir) => path.join(root, dir));

function newestMtime(target) {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, entry) => Math.max(newest, newestMtime(path.join(target, entry))), stat.mtimeMs);
}

async function buildServer() {
  const esbuild = await import("esbuild");
  // Written aside and renamed, so processes starting together never load a half-written bundle.
  const temp = `${bundle}.${process.pid}.tmp.mjs`;
  await esbuild.build({
    entryPoints: [path.join(root, "server", "cli.ts")],
    outfile: temp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Dependencies are bundled too: one module instead of hundreds idles lighter. Not minified, so
    // stack traces stay readable without source maps (enabling those costs ~35 MiB of RSS; set
    // NODE_OPTIONS=--enable-source-maps to map traces back to the TypeScript sources).
    // Native addons and the console's Next.js stay as installed packages.
    external: ["better-sqlite3", "next", "esbuild", "pino-pretty", "pg-native"],
    sourcemap: true,
    logLevel: "warning",
    banner: { js: "import { createRequire as __apprunRequire } from 'node:module'; const require = __apprunRequire(import.meta.url);" },
  });
  // The map keeps its temporary name; point the bundle at the final one.
  fs.writeFileSync(temp, fs.readFileSync(temp, "utf8").replace(/sourceMappingURL=\S+$/m, "sourceMappingURL=apprun.mjs.map"));
  fs.renameSync(`${temp}.map`, `${bundle}.map`);
  fs.renameSync(temp, bundle);
}

const hasSources = fs.existsSync(path.join(root, "server", "cli.ts"));
if (hasSources && (!fs.existsSync(bundle) || sources.some((dir) => newestMtime(dir) > fs.statSync(bundle).mtimeMs))) {
  await buildServer();
}

const { runCli } = await import(pathToFileURL(bundle).href);
const code = await runCli(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
