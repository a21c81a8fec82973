import fs from "node:fs";
import path from "node:path";
import { ConfigError } from "./load";

/** Creates `dataDir` when missing and proves it is writable, or stops start-up naming it. */
export function ensureDataDir(dataDir: string): void {
  if (fs.existsSync(dataDir) && !fs.statSync(dataDir).isDirectory()) {
    throw new ConfigError(`dataDir ${dataDir} exists but is not a directory`, "dataDir");
  }
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new ConfigError(
      `dataDir ${dataDir} cannot be created: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      "dataDir",
    );
  }
  const probe = path.join(dataDir, `.write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (err) {
    throw new ConfigError(
      `dataDir ${dataDir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      "dataDir",
    );
  }
}
