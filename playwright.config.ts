import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

// One apprun for the whole run, on a fresh SQLite data directory. Workers re-evaluate this file,
// so the directory is chosen once and passed down through the environment.
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "apprun-e2e-"));
const port = Number(process.env.E2E_PORT ?? 18_190);

export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: process.env.CI ? "line" : "list",
  globalTeardown: "./e2e/global-teardown.ts",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: "chromium",
    headless: true,
    locale: "en-US",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // Root in CI needs --no-sandbox; the rest keep Chromium from reaching for the network.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  // First-run setup goes through the UI once; every other test starts signed in as that admin.
  projects: [
    { name: "setup", testMatch: /first-run\.setup\.ts/ },
    {
      name: "console",
      testMatch: /\.spec\.ts$/,
      dependencies: ["setup"],
      use: { storageState: path.join(process.env.E2E_DATA_DIR, "admin-state.json") },
    },
  ],
  webServer: {
    // The first start builds the console when no build exists, as `npm start` does.
    command: `node bin/apprun.mjs start --host 127.0.0.1 --port ${port} --data-dir ${process.env.E2E_DATA_DIR} --public-url http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
  },
});
