import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Logger } from "pino";

/**
 * Server files the console bundles into the browser (input schemas, permission names, locales).
 * Kept exact by components/console/client-imports.test.ts, which walks the console's imports.
 */
export const CONSOLE_SHARED_SOURCES = [
  "server/modules/accounts/schema.ts",
  "server/modules/auth/schema.ts",
  "server/modules/events/schema.ts",
  "server/modules/instance/schema.ts",
  "server/modules/projects/permissions.ts",
  "server/modules/projects/schema.ts",
  "server/modules/realtime/schema.ts",
  "server/platform/crypto/password-policy.ts",
  "server/platform/errors/locale.ts",
  "server/platform/permissions.ts",
];

/** What the console build is made from; a change to any of them means a rebuild. */
const CONSOLE_SOURCES = [
  "app",
  "components",
  "messages",
  "public",
  "next.config.ts",
  "postcss.config.mjs",
  "package-lock.json",
  ...CONSOLE_SHARED_SOURCES,
];

function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** True when there is no console build, or a source is newer than it. */
export function consoleBuildIsStale(root: string): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  return CONSOLE_SOURCES.some((source) => newestMtime(path.join(root, source)) > builtAt);
}

/** Runs `next build` (offline, no telemetry) when the console has no up-to-date build. */
export async function ensureConsoleBuild(root: string, logger: Logger): Promise<void> {
  if (!consoleBuildIsStale(root)) return;
  if (!fs.existsSync(path.join(root, "app"))) return;
  logger.info("building the console (first start or changed sources; takes about a minute)");
  await buildConsole(root);
  logger.info("console built");
}

export function buildConsole(root: string): Promise<void> {
  const nextBin = createRequire(path.join(root, "package.json")).resolve("next/dist/bin/next");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, "build"], {
      cwd: root,
      stdio: ["ignore", 2, 2],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`console build failed (next build exited with ${code})`))));
  });
}
