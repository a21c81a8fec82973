import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureDataDir } from "./data-dir";
import { ConfigError } from "./load";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "apprun-datadir-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("ensureDataDir", () => {
  it("creates nested directories", () => {
    const target = path.join(dir, "a", "b");
    ensureDataDir(target);
    expect(fs.statSync(target).isDirectory()).toBe(true);
  });

  it("refuses a path under a regular file, naming dataDir", () => {
    fs.writeFileSync(path.join(dir, "file"), "");
    expect(() => ensureDataDir(path.join(dir, "file", "data"))).toThrow(ConfigError);
    expect(() => ensureDataDir(path.join(dir, "file", "data"))).toThrow(/dataDir .* cannot be created: ENOTDIR/);
  });

  it("refuses a regular file as the directory", () => {
    fs.writeFileSync(path.join(dir, "file"), "");
    expect(() => ensureDataDir(path.join(dir, "file"))).toThrow(/not a directory/);
  });
});
