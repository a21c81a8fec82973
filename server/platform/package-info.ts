import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The directory of apprun's package.json, whether running from sources or from `dist/`. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "apprun") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("apprun's package.json was not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

let cachedVersion: string | undefined;

export function apprunVersion(): string {
  cachedVersion ??= JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version as string;
  return cachedVersion;
}
